// The training loop of one run, meant to run in a job process. It reads the run's config (written once
// at creation), builds features through the AUDIO cache, the model (scratch or pretrained, new head),
// and trains with seeded batches, SpecAugment and mixup, Adam/AdamW, warm-up + cosine/step decay,
// clipping and gradient accumulation. Every step streams a metrics entry; every epoch evaluates the
// validation split and checkpoints (last, and best on improvement); at the end the best checkpoint is
// tested and its predictions and threshold comparison stored. A run with a ckpt/last continues from it
// with the same schedule, optimizer moments, data order and augmentation stream.
//
// The loop below only orders the steps (train/steps/*.ts): prepare, then per epoch train → evaluate
// → select (best, early stop) → checkpoint, then test and finish. Whatever watches a run (metrics,
// status, progress, a caller's own hooks) is a hook (steps/hooks.ts); what differs between engines
// or sampling schemes is a step implementation (steps/engines.ts, steps/sampling.ts).
import type { ApiEvent, TrainingEngineChoice } from '../../../shared/api'
import { isCancel } from '../control/cancel'
import type { ProgressSink } from '../control/progress'
import { appendLog, readRunConfig, readRunState, runProcessAlive, updateRunStatus } from '../runs/store'
import { checkpointEpoch } from './steps/checkpoint'
import { releaseAll, type CheckpointMarks, type Resources, type RunIO } from './steps/context'
import { chooseTrainEngine } from './steps/engines'
import { trainEpoch } from './steps/epoch'
import { validateEpoch } from './steps/evaluate'
import { finishRun, recordFailure } from './steps/finish'
import { hookRunner, type TrainHook } from './steps/hooks'
import { prepare } from './steps/prepare'
import { progressHook, reportHook } from './steps/report'
import { selectAfterEpoch } from './steps/select'
import { testBest } from './steps/test'

export type { TrainHook } from './steps/hooks'

export interface TrainOptions {
  onProgress?: ProgressSink
  /** run.metrics / run.changed events for every UI. */
  emit?: (event: ApiEvent) => void
  signal?: AbortSignal
  /** Train on this engine instead of the run config's (a resume may switch: both share one checkpoint format). */
  engine?: TrainingEngineChoice
  /** Called after the run's own hooks at each event (steps/hooks.ts says how, and what a throwing hook does). */
  hooks?: TrainHook[]
}

export interface TrainResult {
  runId: string
  /** 1-based epoch of the best checkpoint, the one tested. */
  bestEpoch: number | null
  epochsDone: number
  test: Record<string, number | null> | null
}

/** Whether a run can be resumed: not finished, not running in a live process. */
export function checkResumable(runId: string): void {
  const state = readRunState(runId)
  if (state.status === 'done') throw new Error(`Run ${runId} has already finished`)
  if (state.status === 'running' && runProcessAlive(runId)) throw new Error(`Run ${runId} is still running`)
}

/** Resume an interrupted, cancelled or failed run from its last checkpoint (or from the start when it has none). */
export async function resumeRun(runId: string, opts: TrainOptions = {}): Promise<TrainResult> {
  checkResumable(runId)
  return trainRun(runId, opts)
}

/** Train (or continue) the run `runId`. */
export async function trainRun(runId: string, opts: TrainOptions = {}): Promise<TrainResult> {
  const emit = opts.emit ?? (() => {})
  const io: RunIO = {
    runId,
    log: (message) => appendLog(runId, message),
    emit,
    changed: () => emit({ type: 'run.changed', runId }),
    onProgress: opts.onProgress ?? (() => {}),
    signal: opts.signal
  }
  const cfg = readRunConfig(runId)
  const { decision, backend } = await chooseTrainEngine(opts.engine, cfg)
  updateRunStatus(runId, { status: 'running', backend: backend.label, device: backend.device })
  io.changed()
  const res: Resources = { model: null, optimizer: null, engine: null }
  const marks: CheckpointMarks = { lastSaved: null, stoppedAt: null }
  try {
    const ctx = await prepare({ cfg, io, decision, backend, res, marks })
    const { state } = ctx
    const hooks = hookRunner([reportHook(io, cfg), progressHook(io, ctx.runName, ctx.totalSteps)], opts.hooks, (err) => isCancel(err, io.signal))
    await hooks.call('onTrainBegin', {
      runId,
      runName: ctx.runName,
      engine: ctx.engine.name,
      epochs: cfg.epochs,
      stepsPerEpoch: ctx.stepsPerEpoch,
      totalSteps: ctx.totalSteps,
      startStep: state.step,
      startEpoch: state.epoch
    })
    while (!state.finished && state.epoch < cfg.epochs) {
      await hooks.call('onEpochBegin', { epoch: state.epoch + 1, step: state.step })
      const trained = await trainEpoch(ctx, hooks)
      const validated = await validateEpoch(ctx, trained)
      const { improved } = selectAfterEpoch(ctx, validated)
      await checkpointEpoch(ctx, validated.entry, improved)
      await hooks.call('onEpochEnd', { entry: validated.entry, improved, best: state.best!, samplesPerS: validated.samplesPerS, finished: state.finished })
    }
    await releaseAll(res)
    const { bestEpoch, test } = await testBest(ctx, hooks)
    const result: TrainResult = { runId, bestEpoch, epochsDone: state.epoch, test }
    await hooks.call('onTrainEnd', result)
    await releaseAll(res)
    finishRun(io, test)
    return result
  } catch (err) {
    await releaseAll(res)
    recordFailure(io, marks, err)
    throw err
  }
}
