// `tagbench experiment <grid.yaml|grid.json>`: expand a grid into runs and train them in job
// processes, one after another or N at once, then print the results pooled over seeds (and folds).
import type { Command } from 'commander'
import type { ExperimentCell, ExperimentSummary } from '../../../shared/api'
import { createExperiment, deleteExperiment, listExperiments, loadExperiment, readGridFile, runExperiment, summarizeExperiment, type ExperimentFile } from '../../engine/runs/experiment'
import { PRESETS } from '../../engine/runs/presets'
import { listRuns } from '../../engine/runs/store'
import { gpuEnvForSlot, visibleGpus } from '../../engine/gpus'
import { sharedCoresEnv } from '../../engine/train/ort/coverage'
import { printResult } from '../output'
import { cliTrainer } from './train'

const f4 = (x: number | null) => (x == null ? '-' : x.toFixed(4))

function cellLine(c: ExperimentCell): string {
  const values = Object.entries(c.values).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ') || '(single setting)'
  return `  ${values.padEnd(40)} test ${c.metric} ${f4(c.mean)}${c.std != null ? ` ± ${f4(c.std)}` : ''}  (${c.n}/${c.runIds.length} runs)`
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment [grid]')
    .description(`Run an experiment grid from a YAML or JSON file (name, dataset, preset, base, axes, seeds, parallel), or with --resume the runs an earlier experiment has left. Presets: ${PRESETS.map((p) => p.id).join(', ')}`)
    .option('--resume <id>', 'train the unfinished runs of experiment <id> (queued ones start, the rest continue from their checkpoints)')
    .option('--dataset <name>', 'dataset (overrides the file)')
    .option('--parallel <n>', 'runs trained at once (default: the file, else 1)')
    .option('--json', 'print {experiment, status, runs, results} as JSON')
    .action(async (gridFile: string | undefined, opts: { resume?: string; dataset?: string; parallel?: string; json?: boolean }) => {
      const parallel = opts.parallel === undefined ? undefined : Number(opts.parallel)
      if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1)) throw new Error(`--parallel must be a positive integer, got "${opts.parallel}"`)
      if (!gridFile === !opts.resume) throw new Error('Give a grid file, or --resume <experiment id>, not both')
      let exp: ExperimentFile
      if (opts.resume) {
        if (opts.dataset) throw new Error('--dataset applies to a new grid, not to --resume')
        exp = loadExperiment(opts.resume)
        if (summarizeExperiment(exp).status === 'done') throw new Error(`Experiment ${exp.name} (${exp.id}) has already finished`)
      } else exp = createExperiment(readGridFile(gridFile!, { dataset: opts.dataset, parallel }))
      const runsAtOnce = parallel ?? exp.spec.parallel ?? 1
      if (!opts.json) process.stderr.write(`Experiment ${exp.id}: ${exp.runIds.length} runs\n`)
      const abort = new AbortController()
      const trainer = cliTrainer({ quiet: opts.json, bar: runsAtOnce === 1, onInterrupt: () => abort.abort() })
      let summary: ExperimentSummary
      try {
        summary = await runExperiment(
          exp.id,
          async (runId, resume, slot) => {
            const outcome = await trainer.start(runId, resume, { ...gpuEnvForSlot(slot, await visibleGpus()), ...sharedCoresEnv(runsAtOnce > 1) })
            if (outcome.status !== 'done') throw new Error(`run ${runId} ended ${outcome.status}`)
          },
          { parallel: runsAtOnce, signal: abort.signal }
        )
      } finally {
        trainer.close()
      }
      const runs = new Map(listRuns().map((r) => [r.id, r]))
      const out = {
        experiment: summary.id,
        status: summary.status,
        runs: exp.runs.map(({ runId, values }) => ({ run: runId, values, status: runs.get(runId)?.status ?? 'missing', test: runs.get(runId)?.test ?? null })),
        results: summary.results ?? []
      }
      printResult(opts.json, out, () => [`Experiment ${summary.id} ${summary.status}`, ...(summary.results ?? []).map(cellLine)].join('\n'))
      if (summary.status !== 'done') process.exitCode = 1
    })
}

export function registerExperiments(program: Command): void {
  program
    .command('experiments')
    .description('List experiments, newest first, with their status (an interrupted one resumes with `tagbench experiment --resume <id>`) and results')
    .option('--delete <id>', 'delete this experiment (not while it runs); its runs stay, as single runs')
    .option('--with-runs', 'with --delete: delete its runs too')
    .option('--json', 'print JSON')
    .action((opts: { delete?: string; withRuns?: boolean; json?: boolean }) => {
      if (opts.withRuns && !opts.delete) throw new Error('--with-runs goes with --delete <id>')
      if (opts.delete) {
        const name = loadExperiment(opts.delete).name
        const { runsDeleted } = deleteExperiment(opts.delete, { withRuns: opts.withRuns })
        printResult(opts.json, { deleted: opts.delete, runsDeleted }, () => `Deleted experiment ${name} (${opts.delete})${opts.withRuns ? ` and ${runsDeleted} runs` : '; its runs are kept'}`)
        return
      }
      const problems: string[] = []
      const list = listExperiments((m) => problems.push(m))
      for (const p of problems) process.stderr.write(`tagbench: skipping an experiment: ${p}\n`)
      printResult(opts.json, list, () =>
        list.length
          ? list.map((e) => [`${e.id}  ${e.status.padEnd(11)} ${e.name}: ${e.runIds.length} runs`, ...(e.results ?? []).map(cellLine)].join('\n')).join('\n')
          : 'No experiments yet (tagbench experiment <grid.yaml>)'
      )
    })
}
