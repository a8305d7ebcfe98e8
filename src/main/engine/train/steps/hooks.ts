// Hooks: what watches a training run without being part of its loop, in the spirit of tfjs-layers'
// callbacks (BaseCallback: onTrainBegin, onEpochBegin/End, onBatchBegin/End, onTrainEnd; a
// CallbackList calls them in order and awaits each). The run's own reporting (metrics.jsonl, run
// status, the log's epoch lines, progress) is made of hooks too (steps/report.ts), so a new consumer
// of training events (an executor's heartbeat, a dashboard, a profiler) is one more hook, not one
// more line in the loop.
//
// Semantics:
// - Hooks run one at a time, in order: the run's own hooks first, then those given in
//   TrainOptions.hooks, in the order given. Each call is awaited before the next hook and before
//   training goes on.
// - Epochs are 1-based, as in metrics.jsonl (tfjs-layers counts from 0).
// - Hooks observe: they get copies of what the run records and cannot change its state or its
//   stopping (early stopping is decided in one place, steps/select.ts).
// - A hook that throws fails the run like any other error: it is marked failed with the message
//   `Training hook "<name>" failed in <event>: <its message>` (a cancel thrown by a hook stays a
//   cancel). The run's own hooks are not wrapped: their errors (a full disk, say) already name the file.
// - onTrainEnd runs after the test, before the run is marked done; a failed or cancelled run gets no
//   onTrainEnd (trainRun rejects with the error instead).
import type { MetricEntry } from '../../../../shared/types'
import type { ProgressUpdate } from '../../control/progress'
import type { BestSoFar } from '../state'

export interface TrainBeginInfo {
  runId: string
  runName: string
  engine: 'tfjs' | 'ort'
  epochs: number
  stepsPerEpoch: number
  totalSteps: number
  /** Where this process starts: 0 for a new run, the checkpoint's step on a resume. */
  startStep: number
  /** Epochs already done (a resume). */
  startEpoch: number
}

export interface EpochBeginInfo {
  /** 1-based epoch about to train. */
  epoch: number
  /** The step it starts from (mid-epoch on a resume from a step checkpoint). */
  step: number
}

export interface BatchBeginInfo {
  /** 1-based optimizer step about to run, and its epoch. */
  step: number
  epoch: number
  lr: number
}

export interface EpochEndInfo {
  /** The epoch's entry as metrics.jsonl gets it (validation metrics included). */
  entry: MetricEntry
  /** Whether this epoch is the new best (its weights are ckpt/best). */
  improved: boolean
  best: BestSoFar
  /** Samples per second over the epoch's training. */
  samplesPerS: number | null
  /** Whether training ends after this epoch (last epoch, or early stopping). */
  finished: boolean
}

export interface TestBeginInfo {
  progress: ProgressUpdate
}

export interface TrainEndInfo {
  runId: string
  bestEpoch: number | null
  epochsDone: number
  test: Record<string, number | null> | null
}

type Awaitable = void | Promise<void>

export interface TrainHook {
  /** Named in the run's failure message when the hook throws. */
  name: string
  onTrainBegin?(info: TrainBeginInfo): Awaitable
  onEpochBegin?(info: EpochBeginInfo): Awaitable
  onBatchBegin?(info: BatchBeginInfo): Awaitable
  /** After each optimizer step, with its metrics entry (kind 'step'). */
  onBatchEnd?(entry: MetricEntry): Awaitable
  /** After the epoch is validated and checkpointed. */
  onEpochEnd?(info: EpochEndInfo): Awaitable
  onTestBegin?(info: TestBeginInfo): Awaitable
  /** The test entry (kind 'test') of the best checkpoint. */
  onTestEnd?(entry: MetricEntry): Awaitable
  onTrainEnd?(info: TrainEndInfo): Awaitable
}

export type HookEvent = Exclude<keyof TrainHook, 'name'>

type Payload<E extends HookEvent> = Parameters<NonNullable<TrainHook[E]>>[0]

export interface Hooks {
  call<E extends HookEvent>(event: E, payload: Payload<E>): Promise<void>
}

/** The message a failing hook's error becomes. */
export function hookFailure(name: string, event: HookEvent, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err)
  return new Error(`Training hook "${name}" failed in ${event}: ${message}`, { cause: err })
}

/**
 * Calls `own` (the run's reporting, errors passed through) then `given` (errors wrapped with the
 * hook's name and event; a cancel passes through) for each event, in order.
 */
export function hookRunner(own: TrainHook[], given: TrainHook[] = [], isCancel: (err: unknown) => boolean = () => false): Hooks {
  return {
    async call(event, payload) {
      for (const hook of own) await (hook[event] as ((p: typeof payload) => Awaitable) | undefined)?.call(hook, payload)
      for (const hook of given) {
        const fn = hook[event] as ((p: typeof payload) => Awaitable) | undefined
        if (!fn) continue
        try {
          // A copy: a hook cannot change what the run records or decides.
          await fn.call(hook, structuredClone(payload))
        } catch (err) {
          throw isCancel(err) ? err : hookFailure(hook.name, event, err)
        }
      }
    }
  }
}
