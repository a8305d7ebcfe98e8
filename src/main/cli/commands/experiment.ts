// `tagbench experiment <grid.yaml|grid.json>`: expand a grid into runs and train them in job
// processes, one after another or N at once, then print the results pooled over seeds (and folds).
import type { Command } from 'commander'
import type { ExperimentCell, ExperimentSummary } from '../../../shared/api'
import { createExperiment, deleteExperiment, experimentFinished, listExperiments, loadExperiment, readGridFile, runExperiment, summarizeExperiment, type ExperimentFile } from '../../engine/experiments/experiment'
import { PRESETS } from '../../engine/runs/presets'
import { listRuns } from '../../engine/runs/store'
import { gpuEnvForSlot, visibleGpus } from '../../engine/platform/gpus'
import { sharedCoresEnv } from '../../engine/train/ort/coverage'
import { printResult } from '../output'
import { cliTrainer } from './train'
import { loadSlurmOptions } from '../../engine/executors/slurm/options'
import { cancelSlurmExperiment, refreshAllSlurmRuns, resumeSlurmExperiment, submitSlurmExperiment, type SubmitReport } from '../../engine/executors/slurm/experiment'
import { jobLine, slurmFlags, slurmOptionsFrom, watchPrinting, type SlurmFlags } from './slurm'

const f4 = (x: number | null) => (x == null ? '-' : x.toFixed(4))

function cellLine(c: ExperimentCell): string {
  const values = Object.entries(c.values).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ') || '(single setting)'
  return `  ${values.padEnd(40)} test ${c.metric} ${f4(c.mean)}${c.std != null ? ` ± ${f4(c.std)}` : ''}  (${c.n}/${c.runIds.length} runs)`
}

interface ExperimentFlags extends SlurmFlags {
  resume?: string
  watch?: string
  cancel?: string
  run?: string[]
  dataset?: string
  parallel?: string
  executor?: string
  wait?: boolean
  poll?: string
  json?: boolean
}

/** What the command prints at the end: {experiment, status, runs, results}, for both executors. */
function report(exp: ExperimentFile, json: boolean | undefined): ExperimentSummary {
  const summary = summarizeExperiment(loadExperiment(exp.id))
  const runs = new Map(listRuns().map((r) => [r.id, r]))
  const out = {
    experiment: summary.id,
    status: summary.status,
    ...(summary.executor ? { executor: summary.executor } : {}),
    runs: exp.runs.map(({ runId, values }) => {
      const r = runs.get(runId)
      return { run: runId, values, status: r?.status ?? 'missing', test: r?.test ?? null, ...(r?.slurm ? { slurm: r.slurm } : {}), ...(r?.failure ? { failure: r.failure } : {}) }
    }),
    results: summary.results ?? []
  }
  printResult(json, out, () => [`Experiment ${summary.id} ${summary.status}`, ...(summary.results ?? []).map(cellLine)].join('\n'))
  return summary
}

function sayRefusals(r: SubmitReport): void {
  for (const x of r.refused) process.stderr.write(`tagbench: ${x.message}\n`)
}

/** The Slurm side of `tagbench experiment`: submit / resume / watch / cancel, then (unless --no-wait) watch to the end. */
async function slurmAction(gridFile: string | undefined, opts: ExperimentFlags): Promise<void> {
  const quiet = !!opts.json
  const pollS = opts.poll === undefined ? 10 : Number(opts.poll)
  if (!Number.isFinite(pollS) || pollS <= 0) throw new Error(`--poll must be a positive number of seconds, got "${opts.poll}"`)
  let exp: ExperimentFile
  if (opts.cancel) {
    exp = loadExperiment(opts.cancel)
    const cancelled = await cancelSlurmExperiment(exp.id, opts.run)
    if (!quiet) process.stderr.write(`Cancelled ${cancelled.length} Slurm job(s) of experiment ${exp.name}\n`)
    report(exp, opts.json)
    return
  }
  if (opts.watch) exp = loadExperiment(opts.watch)
  else if (opts.resume) {
    exp = loadExperiment(opts.resume)
    const r = await resumeSlurmExperiment(exp.id, opts.run)
    if (!quiet) for (const x of r.submitted) process.stderr.write(`[${x.runId}] resubmitted as Slurm job ${x.jobId}\n`)
    sayRefusals(r)
    if (r.submitted.length === 0 && r.refused.length === 0 && !quiet) process.stderr.write('Nothing to resume: every run is done or still has a job\n')
  } else {
    const spec = readGridFile(gridFile!, { dataset: opts.dataset })
    const options = slurmOptionsFrom(opts, spec.slurm ?? loadSlurmOptions())
    const r = await submitSlurmExperiment({ ...spec, executor: 'slurm', slurm: options })
    exp = r.experiment
    if (!quiet) {
      process.stderr.write(`Experiment ${exp.id}: ${exp.runIds.length} runs on Slurm\n`)
      for (const x of r.submitted) process.stderr.write(`[${x.runId}] submitted as Slurm job ${x.jobId}\n`)
    }
    sayRefusals(r)
  }
  if (opts.wait !== false) {
    if (!quiet) for (const id of exp.runIds) process.stderr.write(jobLine(id) + '\n')
    await watchPrinting(exp.runIds, { quiet, pollS, experimentId: exp.id })
  } else if (!quiet) process.stderr.write(`Submitted. Watch: tagbench experiment --watch ${exp.id}; cancel: tagbench experiment --cancel ${exp.id}\n`)
  const summary = report(exp, opts.json)
  if (opts.wait !== false && summary.status !== 'done') process.exitCode = 1
}

export function registerExperiment(program: Command): void {
  const cmd = program
    .command('experiment [grid]')
    .description(
      `Run an experiment grid from a YAML or JSON file (name, dataset, preset, base, axes, seeds, parallel, executor, slurm), or with --resume the runs an earlier experiment has left. With --executor slurm each run is a Slurm job on a cluster that shares the data folder. Presets: ${PRESETS.map((p) => p.id).join(', ')}`
    )
    .option('--resume <id>', 'train the unfinished runs of experiment <id> (queued ones start, the rest continue from their checkpoints; on Slurm: submitted again)')
    .option('--dataset <name>', 'dataset (overrides the file)')
    .option('--parallel <n>', 'runs trained at once (default: the file, else 1)')
    .option('--executor <local|slurm>', 'where the runs train: this machine (default) or one Slurm job per run')
    .option('--watch <id>', 'Slurm: watch the jobs of experiment <id> until they end')
    .option('--cancel <id>', 'Slurm: cancel the jobs of experiment <id> (scancel)')
    .option('--run <run>', 'with --cancel or --resume: only this run (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-wait', 'Slurm: submit and return, without watching')
    .option('--poll <seconds>', 'Slurm: how often to ask squeue while watching (default 10)')
    .option('--json', 'print {experiment, status, runs, results} as JSON')
  slurmFlags(cmd).action(async (gridFile: string | undefined, opts: ExperimentFlags) => {
    const parallel = opts.parallel === undefined ? undefined : Number(opts.parallel)
    if (parallel !== undefined && (!Number.isInteger(parallel) || parallel < 1)) throw new Error(`--parallel must be a positive integer, got "${opts.parallel}"`)
    const given = [gridFile, opts.resume, opts.watch, opts.cancel].filter(Boolean).length
    if (given !== 1) throw new Error('Give a grid file, or --resume, --watch or --cancel <experiment id> (one of them)')
    if (opts.executor !== undefined && opts.executor !== 'local' && opts.executor !== 'slurm') throw new Error(`--executor must be local or slurm, got "${opts.executor}"`)
    if (opts.dataset && !gridFile) throw new Error('--dataset applies to a new grid, not to an earlier experiment')
    const existing = opts.resume ?? opts.watch ?? opts.cancel
    const onSlurm = existing ? loadExperiment(existing).spec.executor === 'slurm' : (opts.executor ?? readGridFile(gridFile!).executor) === 'slurm'
    if (onSlurm) {
      if (opts.parallel) throw new Error('--parallel applies to the local executor; on Slurm every run is its own job')
      return slurmAction(gridFile, opts)
    }
    if (opts.watch || opts.cancel || opts.run) throw new Error(`--watch, --cancel and --run apply to Slurm experiments; experiment ${existing ?? gridFile} trains locally`)
    let exp: ExperimentFile
    if (opts.resume) {
      exp = loadExperiment(opts.resume)
      if (experimentFinished(exp)) throw new Error(`Experiment ${exp.name} (${exp.id}) has already finished`)
    } else exp = createExperiment(readGridFile(gridFile!, { dataset: opts.dataset, parallel }))
    const runsAtOnce = parallel ?? exp.spec.parallel ?? 1
    if (!opts.json) process.stderr.write(`Experiment ${exp.id}: ${exp.runIds.length} runs\n`)
    const abort = new AbortController()
    const trainer = cliTrainer({ quiet: opts.json, bar: runsAtOnce === 1, onInterrupt: () => abort.abort() })
    try {
      await runExperiment(
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
    const summary = report(exp, opts.json)
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
    .action(async (opts: { delete?: string; withRuns?: boolean; json?: boolean }) => {
      if (opts.withRuns && !opts.delete) throw new Error('--with-runs goes with --delete <id>')
      const stale = await refreshAllSlurmRuns()
      if (stale) process.stderr.write(`tagbench: ${stale}\n`)
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
