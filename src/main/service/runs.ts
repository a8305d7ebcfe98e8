// Run, experiment and model-choice requests. Training happens in job processes ('train' runner); the
// app process only creates runs (cheap JSON work), starts and cancels jobs, and reads the run store.
// Experiments run their queue here: they start one job after another (or N at once) and wait.
import type { ExperimentSpec, ThresholdComparison } from '../../shared/api'
import { dataDir } from '../engine/platform/paths'
import { gpuEnvForSlot, visibleGpus } from '../engine/platform/gpus'
import { ortCoverage, sharedCoresEnv } from '../engine/train/ort/coverage'
import { deleteRun, listRuns, loadPredictions, loadRun, readMetrics, readRunConfig, readRunState, readSlurmRecord, saveThresholds, slurmJobActive, updateRunStatus } from '../engine/runs/store'
import { exportMetrics } from '../engine/runs/export'
import { checkSplit, requirePredictions, runPrCurve, runPredictions, selectClips } from '../engine/runs/predictions'
import { curvesOf } from '../engine/runs/curves'
import { PRESETS } from '../engine/runs/presets'
import { estimateCost, measuredTrainRate } from '../engine/train/estimate'
import { modelChoices } from '../engine/models/registry'
import type { HandlerTable, ServiceContext } from './index'
import { watchSlurm } from './slurm'

// The trainer side pulls in tfjs-core (model configs, importers); load it on first use only.
const newRun = () => import('../engine/train/newRun')
const experiments = () => import('../engine/experiments/experiment')
const trainer = () => import('../engine/train/trainer')
const slurm = () => import('../engine/executors/slurm/experiment')
const slurmExecutor = async () => (await import('../engine/executors/slurm/index')).slurmExecutor

/** Tell every UI about the runs a Slurm action touched, and watch their jobs. */
function slurmChanged(ctx: ServiceContext, runIds: string[], experimentId?: string): void {
  for (const runId of runIds) ctx.emit({ type: 'run.changed', runId })
  if (experimentId) ctx.emit({ type: 'experiment.changed', id: experimentId })
  watchSlurm(ctx)
}

/** A refused submission is on the runs already; the request fails with Slurm's message too. */
function throwRefusals(report: { refused: { runId: string; message: string }[] }): void {
  if (report.refused.length) throw new Error(report.refused[0].message)
}

/**
 * Start the training job of a run. A job that dies before the trainer marks the run running (a crash
 * while loading) would leave it 'queued' for ever: mark it failed with the job's message.
 */
function startTrainJob(ctx: ServiceContext, runId: string, resume: boolean, env: Record<string, string> = {}): { jobId: string; done: Promise<unknown> } {
  const sharing = ctx.jobs.list().some((j) => j.kind === 'train' && j.state === 'running')
  const job = ctx.jobs.start(
    { kind: 'train', runner: 'train', params: { runId, resume }, label: `Training ${readRunState(runId).name}`, env: { TAGBENCH_DATA_DIR: dataDir(), ...sharedCoresEnv(sharing), ...env } },
    { runId }
  )
  job.done.catch((err: Error) => {
    try {
      if (readRunState(runId).status === 'queued') updateRunStatus(runId, { status: 'failed', failure: err.message })
    } catch {
      // The run was deleted meanwhile.
    }
    ctx.emit({ type: 'run.changed', runId })
  })
  return job
}

function runningJob(ctx: ServiceContext, runId: string): string | null {
  return ctx.jobs.list().find((j) => j.runId === runId && j.state === 'running')?.jobId ?? null
}

/** Experiment queues running in this process, to stop them (experiment.cancel). */
const queues = new Map<string, AbortController>()

/**
 * Run an experiment's queue in this process for as long as the app does; each run is its own job.
 * Returns once the queue has started (or refused to: already running elsewhere).
 */
async function startQueue(ctx: ServiceContext, id: string): Promise<void> {
  const { runExperiment, loadExperiment } = await experiments()
  let runsAtOnce = 1
  try {
    runsAtOnce = loadExperiment(id).spec.parallel ?? 1
  } catch {
    // runExperiment reports a missing or unreadable experiment itself.
  }
  const changed = () => ctx.emit({ type: 'experiment.changed', id })
  const abort = new AbortController()
  let started!: () => void
  const running = new Promise<void>((resolve) => (started = resolve))
  const queue = runExperiment(
    id,
    async (runId, resume, slot) => {
      // A queued run the user cancelled before its turn is skipped.
      if (readRunState(runId).status === 'cancelled' && !resume) return
      await startTrainJob(ctx, runId, resume, { ...gpuEnvForSlot(slot, await visibleGpus()), ...sharedCoresEnv(runsAtOnce > 1) }).done
    },
    {
      signal: abort.signal,
      onChange: () => {
        // Registered once it has started: a refused second start must not replace the running queue's.
        if (!queues.has(id)) queues.set(id, abort)
        started()
        changed()
      }
    }
  ).finally(() => {
    if (queues.get(id) === abort) queues.delete(id)
    changed()
  })
  // A run's failure reaches the user through its status; a failure of the queue itself (its file
  // cannot be written) is said here, where nothing else would.
  queue.catch((err: Error) => process.stderr.write(`tagbench: the queue of experiment ${id} stopped: ${err.message}\n`))
  // Either the queue marks itself running (first onChange) or runExperiment refuses at once.
  await Promise.race([running, queue])
}

/** The stored threshold comparison, or one computed now from the stored val and test predictions. */
async function thresholdsOf(id: string): Promise<ThresholdComparison> {
  const run = loadRun(id)
  if (run.thresholds) return run.thresholds
  const val = loadPredictions(id, 'val')
  const test = loadPredictions(id, 'test')
  if (!val || !test) throw new Error(`Run ${id} has no validation and test predictions yet; thresholds are compared when training ends`)
  const { compareThresholds } = await import('../engine/eval/thresholds')
  const comparison = compareThresholds(val.scores, val.targets, test.scores, test.targets, run.classNames)
  saveThresholds(id, comparison)
  return comparison
}

export const handlers: HandlerTable = {
  'model.choices': () => modelChoices(),
  'model.estimate': async (p) => {
    const { resolveRunConfig } = await newRun()
    const { loadDataset } = await import('../engine/data/record')
    const { clipSets } = await import('../engine/train/data')
    const config = resolveRunConfig(p)
    const record = loadDataset(config.dataset)
    const runs = listRuns().map((r) => ({ config: r.config, samplesPerS: r.samplesPerS, status: r.status, classes: readRunState(r.id).classNames.length, engine: r.engine?.name }))
    // The engine this config would train on (auto: ort where it covers the model).
    const engine = config.engine === 'tfjs' || (config.engine !== 'ort' && ortCoverage(config.model) !== null) ? 'tfjs' : 'ort'
    const rate = measuredTrainRate(runs, engine)
    return estimateCost(config, record.classNames.length, clipSets(record, config.fold).train.n, rate ?? undefined)
  },

  'model.recipe': async (p) => (await newRun()).resolveRunConfigWithRecipe(p).recipe,

  'run.list': () => listRuns(),
  'run.get': (p) => loadRun(p.id),
  'run.metrics': (p) => readMetrics(p.id, p.since ?? 0),
  'run.curves': (p) => curvesOf(p),
  'run.start': async (p, ctx) => {
    const { createTrainingRun } = await newRun()
    const { runId } = createTrainingRun(p)
    ctx.emit({ type: 'run.changed', runId })
    return { runId, jobId: startTrainJob(ctx, runId, false).jobId }
  },
  'run.resume': async (p, ctx) => {
    if (readSlurmRecord(p.id)) {
      // Trained on Slurm: resume there, with its experiment's options (the data folder's for a single run).
      const run = readRunState(p.id)
      if (run.experiment) {
        const report = await (await slurm()).resumeSlurmExperiment(run.experiment, [p.id])
        slurmChanged(ctx, [p.id], run.experiment)
        throwRefusals(report)
        if (!report.submitted.length) throw new Error(`Run ${p.id} has nothing to resume (done, or its job is still queued or running)`)
        return { jobId: `slurm:${report.submitted[0].jobId}` }
      }
      const { loadSlurmOptions } = await import('../engine/executors/slurm/options')
      const { jobId } = await (await slurmExecutor()).submit(p.id, loadSlurmOptions())
      slurmChanged(ctx, [p.id])
      return { jobId: `slurm:${jobId}` }
    }
    if (runningJob(ctx, p.id)) throw new Error(`Run ${p.id} is already being trained`)
    ;(await trainer()).checkResumable(p.id)
    return { jobId: startTrainJob(ctx, p.id, true).jobId }
  },
  'run.cancel': async (p, ctx) => {
    if (slurmJobActive(readSlurmRecord(p.id))) {
      const cancelled = await (await slurmExecutor()).cancel([p.id])
      slurmChanged(ctx, [p.id], readRunState(p.id).experiment)
      return { ok: cancelled.length > 0 }
    }
    const jobId = runningJob(ctx, p.id)
    if (jobId) return { ok: ctx.jobs.cancel(jobId) }
    // Queued in an experiment and not started yet: it will be skipped.
    if (readRunState(p.id).status === 'queued') {
      updateRunStatus(p.id, { status: 'cancelled' })
      ctx.emit({ type: 'run.changed', runId: p.id })
      return { ok: true }
    }
    return { ok: false }
  },
  'run.delete': (p, ctx) => {
    if (runningJob(ctx, p.id)) throw new Error(`Run ${p.id} is being trained; cancel it first`)
    deleteRun(p.id)
    ctx.emit({ type: 'run.changed', runId: p.id })
    return { ok: true as const }
  },
  'run.thresholds': (p) => thresholdsOf(p.id),
  'run.exportMetrics': (p) => ({ path: exportMetrics(p.id, p.format) }),
  'run.predictions': (p) => runPredictions(p.id, checkSplit(p.split ?? 'test')),
  'run.prCurve': (p) => runPrCurve(p.id, checkSplit(p.split ?? 'test'), p.classIndex),
  'run.clips': async (p) => {
    const split = checkSplit(p.split)
    const predictions = requirePredictions(p.id, split)
    const state = readRunState(p.id)
    const sel = p.selection
    let thresholds: number[] | undefined
    if (sel.kind === 'errors') {
      // The thresholds the run's F1s use: 0.5, or those learnt on validation (stored with the run).
      const method = sel.thresholdMethod ?? 'default'
      thresholds = method === 'default' ? state.classNames.map(() => 0.5) : (await thresholdsOf(p.id)).methods.find((m) => m.method === method)?.thresholds
      if (!thresholds) throw new Error(`Run ${p.id} has no '${method}' thresholds`)
    }
    const { total, clips } = selectClips({ predictions, classes: state.classNames, thresholds }, sel)
    return { split, datasetId: readRunConfig(p.id).dataset, total, clips, ...(thresholds ? { thresholds } : {}) }
  },

  'experiment.presets': () => PRESETS,
  'experiment.list': async () => (await experiments()).listExperiments(),
  'experiment.start': async (spec: ExperimentSpec, ctx) => {
    const { createExperiment, loadExperiment, summarizeExperiment } = await experiments()
    if (spec.executor === 'slurm') {
      // The user pressed Launch with Slurm chosen: that is the go-ahead to submit.
      const report = await (await slurm()).submitSlurmExperiment(spec)
      slurmChanged(ctx, report.experiment.runIds, report.experiment.id)
      throwRefusals(report)
      return summarizeExperiment(loadExperiment(report.experiment.id))
    }
    const exp = createExperiment(spec)
    for (const runId of exp.runIds) ctx.emit({ type: 'run.changed', runId })
    await startQueue(ctx, exp.id)
    return summarizeExperiment(loadExperiment(exp.id))
  },
  'experiment.resume': async (p, ctx) => {
    const { experimentFinished, loadExperiment, summarizeExperiment } = await experiments()
    const before = loadExperiment(p.id)
    if (experimentFinished(before)) throw new Error(`Experiment ${before.name} has already finished`)
    if (before.spec.executor === 'slurm') {
      const report = await (await slurm()).resumeSlurmExperiment(p.id)
      slurmChanged(ctx, before.runIds, p.id)
      throwRefusals(report)
      return summarizeExperiment(loadExperiment(p.id))
    }
    await startQueue(ctx, p.id)
    return summarizeExperiment(loadExperiment(p.id))
  },
  'experiment.delete': async (p, ctx) => {
    const { deleteExperiment, loadExperiment } = await experiments()
    const { runIds } = loadExperiment(p.id)
    const result = deleteExperiment(p.id, { withRuns: p.withRuns })
    ctx.emit({ type: 'experiment.changed', id: p.id })
    if (p.withRuns) for (const runId of runIds) ctx.emit({ type: 'run.changed', runId })
    return result
  },
  'experiment.cancel': async (p, ctx) => {
    const { loadExperiment, summarizeExperiment } = await experiments()
    const exp = loadExperiment(p.id)
    if (exp.spec.executor === 'slurm') {
      const cancelled = await (await slurm()).cancelSlurmExperiment(p.id)
      slurmChanged(ctx, exp.runIds, p.id)
      return { ok: cancelled.length > 0 }
    }
    const queue = queues.get(p.id)
    if (!queue) {
      // Running, but not here: another live process (the CLI) owns the queue. An interrupted one has none.
      if (summarizeExperiment(exp).status === 'running') throw new Error(`Experiment ${exp.name} is run by another process (pid ${exp.owner?.pid}); stop it there`)
      return { ok: false }
    }
    // Stop the queue first, so that cancelling the running run does not start the next one.
    queue.abort()
    for (const runId of exp.runIds) {
      const jobId = runningJob(ctx, runId)
      if (jobId) ctx.jobs.cancel(jobId)
      else if (readRunState(runId).status === 'queued') {
        updateRunStatus(runId, { status: 'cancelled' })
        ctx.emit({ type: 'run.changed', runId })
      }
    }
    return { ok: true }
  }
}
