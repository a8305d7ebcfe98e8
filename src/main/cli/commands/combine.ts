// `tagbench average` and `tagbench ensemble`: models made from others — a run's last epoch checkpoints
// with their weights averaged, or several models' scores averaged — with test metrics beside their parts.
import type { Command } from 'commander'
import type { CombinedModel, SplitScore } from '../../../shared/types'
import { averageRun } from '../../engine/combine/average'
import { createEnsemble, listEnsembles } from '../../engine/combine/ensemble'
import { positiveInt } from '../args'
import { printResult, progressBar } from '../output'

const f4 = (x: number | null | undefined) => (x == null ? '   -  ' : x.toFixed(4))
const row = (name: string, s: SplitScore | null) => `${f4(s?.mAP)}  ${f4(s?.auc)}  ${f4(s?.microF1)}${s?.accuracy !== undefined ? `  ${f4(s.accuracy)}` : ''}  ${name}`

/** The combined model's test metrics, then each part's on the same clips. */
export function combinedText(c: CombinedModel): string {
  const acc = c.test?.accuracy !== undefined ? '  accur.' : ''
  return [
    `${c.name}${c.model ? `\n  model: ${c.model}` : ''}`,
    `test:   mAP     AUC     micro-F1${acc}`,
    `  ${row('← combined', c.test)}`,
    ...c.parts.map((p) => `  ${row(p.name, p.test)}`)
  ].join('\n')
}

export function registerCombine(program: Command): void {
  program
    .command('average <run>')
    .description("Average the weights of a run's last N kept epoch checkpoints (train with --keep-checkpoints N); the result is a checkpoint folder to tag with or export, evaluated on the run's val and test clips beside each epoch")
    .requiredOption('--last <n>', 'how many of the last epoch checkpoints to average (≥ 2)')
    .option('--json', 'print JSON')
    .action(async (runId: string, opts: { last: string; json?: boolean }) => {
      const bar = progressBar(!opts.json)
      try {
        const c = await averageRun(runId, positiveInt(opts.last, '--last')!, { onProgress: (p) => bar.update(p) })
        bar.stop()
        printResult(opts.json, c, () => combinedText(c))
      } finally {
        bar.stop()
      }
    })
  program
    .command('ensemble [members...]')
    .description('Ensemble runs (ids) or averaged models (folders) by the mean of their stored val/test scores; prints its test metrics beside each member’s')
    .option('--name <name>', 'a name for the ensemble')
    .option('--list', 'list the ensembles made so far')
    .option('--json', 'print JSON')
    .action((members: string[], opts: { name?: string; list?: boolean; json?: boolean }) => {
      if (opts.list) {
        const all = listEnsembles()
        printResult(opts.json, all, () => (all.length ? all.map(combinedText).join('\n\n') : 'No ensembles yet'))
        return
      }
      const c = createEnsemble(members, opts.name)
      printResult(opts.json, c, () => combinedText(c))
    })
}
