// The run config in its two forms. A request is what a user, a grid, a preset or the CLI supplies:
// every field optional except the dataset. A RunConfig is the same request resolved by the engine
// (train/config.ts): every default filled in and checked. The resolved form is what a run's
// config.json holds and what the trainer, the UI and the exporter read; nothing downstream has
// defaults of its own. Each field's type, default, range, help and CLI flag are in runConfigFields.ts.
import type { LossKind, ModelKind, ModelSize, Pretraining, TrainingEngineChoice } from './types'

export type OptimizerKind = 'adam' | 'adamw'
export type ScheduleKind = 'cosine' | 'step' | 'constant'
export type FrameLossKind = Exclude<LossKind, 'ce'>

/** A resolved run config: what completeRunConfig returns and config.json stores. */
export interface RunConfig {
  name: string
  dataset: string
  model: ModelKind
  size: ModelSize
  /** Transformer blocks (AST only: absent for other models). */
  depth?: number
  pretrained: Pretraining
  fstride: number
  tstride: number
  /** Frames per clip after pad/cut (AST target_length). */
  targetLength: number
  melBins: number
  frozen: boolean
  specAugment: boolean
  freqm: number
  timem: number
  mixup: number
  loss: LossKind
  /** With a focal clip or frame loss only. */
  focalGamma?: number
  focalAlpha?: number
  labelSmoothing: number
  balancedSampling: boolean
  optimizer: OptimizerKind
  lr: number
  weightDecay: number
  warmupSteps: number
  schedule: ScheduleKind
  /** AST-style step decay (schedule 'step' only): from this epoch, multiply by gamma each epoch. */
  stepStart?: number
  stepGamma?: number
  epochs: number
  batchSize: number
  gradAccum: number
  clipNorm: number
  earlyStopPatience: number
  /** Also save ckpt/last every N optimizer steps (0: only at the end of each epoch). */
  checkpointEverySteps: number
  /** Keep the weights of the last N epochs (ckpt/epoch-<n>), for checkpoint averaging (0: none). */
  keepCheckpoints: number
  dropout: number
  dropPath: number
  seed: number
  /** ESC-50: the fold used as test in cross-validation (datasets with folds only). */
  fold?: number
  frameHead: boolean
  /**
   * Frame tasks only (frameHead): training windows of targetLength frames start at most windowHopS
   * seconds apart.
   */
  windowHopS?: number
  /** Frame tasks only: share of each epoch's training windows that hold an event; 0: as they fall. */
  eventRatio?: number
  /** Frame tasks only: frames per second of the frame output and targets. */
  frameRate?: number
  /** Frame tasks only: loss of the frame term. */
  frameLoss?: FrameLossKind
  /** Frame tasks only: a label spread over ±k frames with a linearly falling value (0: none). */
  frameSmoothing?: number
  /** Threads for features and training; absent: the engine's choice for the machine at train time. */
  threads?: number
  /**
   * Training engine: 'ort' (ONNX Runtime: every core, or CUDA), 'tfjs' (TensorFlow.js), or 'auto'
   * (ORT where it covers the model, else tfjs). Runs created before engines existed read as tfjs.
   */
  engine: TrainingEngineChoice
  preset?: string
}

/** A run config as a grid base, a preset or a config file gives it: any field, none required. */
export type PartialRunConfig = Partial<RunConfig>

/** What run.start, model.estimate and `tagbench train` take: the dataset and any other fields. */
export type RunConfigRequest = PartialRunConfig & { dataset: string }

export type RunConfigKey = keyof RunConfig
