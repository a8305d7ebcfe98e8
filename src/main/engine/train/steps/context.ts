// What the steps of a run share: the run's inputs as prepare made them (data, task, model, engine,
// batches, schedule, counters) and the resources to free however the run ends.
import type { ApiEvent, DatasetRecord, RunConfig } from '../../../../shared/api'
import type { TagModel } from '../../models/types'
import type { ProgressSink } from '../../control/progress'
import type { Rng } from '../../util/rng'
import type { Augmentation, ClipSet, FeatureSource, InputSpec } from '../data'
import type { LossOptions } from '../losses'
import type { Optimizer } from '../optimizer'
import type { ScheduleConfig } from '../schedule'
import type { TrainerState } from '../state'
import type { EpochBatches } from './sampling'
import type { TrainEngine } from './engines'

/** The run's outlets: its log, its events, its progress, and the signal that cancels it. */
export interface RunIO {
  runId: string
  log(message: string): void
  emit(event: ApiEvent): void
  /** A run.changed event: its status or summary changed. */
  changed(): void
  onProgress: ProgressSink
  signal?: AbortSignal
}

/** What must be freed when the run ends, filled in as prepare creates it. */
export interface Resources {
  model: TagModel | null
  optimizer: Optimizer | null
  engine: TrainEngine | null
}

/** Where the run's checkpoints stand: what a cancel or failure message may claim. */
export interface CheckpointMarks {
  /** Step of the newest ckpt/last. */
  lastSaved: number | null
  /** The step a cancel checkpointed at. */
  stoppedAt: number | null
}

export interface TrainContext {
  runId: string
  runName: string
  cfg: RunConfig
  record: DatasetRecord
  io: RunIO
  res: Resources
  marks: CheckpointMarks
  /** Classes. */
  C: number
  train: ClipSet
  val: ClipSet
  test: ClipSet
  source: FeatureSource
  spec: InputSpec
  loss: LossOptions
  /** A frame task trains on windows of whole recordings and is judged on whole recordings. */
  frameTask: { count: number; rate: number } | null
  /** Hop of whole-recording evaluation, in fbank frames. */
  evalHop: number
  engine: TrainEngine
  batches: EpochBatches
  batch: number
  accum: number
  stepsPerEpoch: number
  totalSteps: number
  schedule: ScheduleConfig
  state: TrainerState
  augRng: Rng
  aug: Augmentation
}

/** The model while training: prepare made it, and it lives until the test loads the best checkpoint. */
export function liveModel(ctx: Pick<TrainContext, 'res'>): TagModel {
  if (!ctx.res.model) throw new Error('internal: no model is loaded')
  return ctx.res.model
}

export function liveOptimizer(ctx: Pick<TrainContext, 'res'>): Optimizer {
  if (!ctx.res.optimizer) throw new Error('internal: no optimizer')
  return ctx.res.optimizer
}

/** Frees the model, optimizer and engine (each once); safe to call at any point of a run. */
export async function releaseAll(res: Resources): Promise<void> {
  res.optimizer?.dispose()
  res.optimizer = null
  await res.engine?.releaseTraining()
  res.model?.dispose()
  res.model = null
}
