// `tagbench predictions <run>`: the per-clip scores a finished run kept (its best checkpoint's, on the
// validation or test split): the numbers its metrics were computed from, as JSON or CSV.
import type { Command } from 'commander'
import { writeFileAtomicSync } from '../../engine/io/fsutil'
import { checkSplit, predictionsCsv, runPredictions } from '../../engine/runs/predictions'
import { printResult } from '../output'

export function registerPredictions(program: Command): void {
  program
    .command('predictions <run>')
    .description('Per-clip scores of a finished run (its best checkpoint) on the val or test split: {"classes": [...], "clips": [{"file", "labels", "scores"}]}')
    .option('--split <split>', 'test | val', 'test')
    .option('--json', 'print JSON (the default when no --csv is given)')
    .option('--csv <file>', 'write a CSV instead: file, labels (;-separated), one score column per class')
    .action((runId: string, opts: { split: string; json?: boolean; csv?: string }) => {
      const p = runPredictions(runId, checkSplit(opts.split))
      if (opts.csv) {
        writeFileAtomicSync(opts.csv, predictionsCsv(p))
        printResult(opts.json, { out: opts.csv, clips: p.clips.length, classes: p.classes.length }, () => `${opts.csv}: ${p.clips.length} clips × ${p.classes.length} classes (${opts.split})`)
      } else printResult(true, p, () => '')
    })
}
