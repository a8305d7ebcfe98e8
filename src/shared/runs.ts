// Models and runs: model kinds, the run configuration, run records, metrics, thresholds, cost estimates.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.
import type { SlurmRunInfo } from './experiments'

// ---------- models and runs ----------
/**
 * A model kind's id ('ast', 'htsat', 'crnn', …). A plain string on purpose: the kinds are the
 * engine's model registry (src/main/engine/models/registry.ts), which the renderer learns through
 * `model.choices` and the engine checks every request against (completeRunConfig, the CLI), so that
 * adding a kind needs no edit here.
 */
export type ModelKind = string
export type ModelSize = 'tiny' | 'small' | 'base'
export type Pretraining =
  | { kind: 'none' }
  | { kind: 'imagenet'; path: string }
  | { kind: 'audioset'; path: string }
  | { kind: 'run'; runId: string }

/** One kind at one width, from the engine's model registry. */
export interface ModelChoice {
  id: string
  label: string
  model: ModelKind
  size?: ModelSize
  /** The kind's name for lists ('AST', 'CRNN (frame tasks)'). */
  kindLabel: string
  /** What this width is ('DeiT-tiny width 192, 3 heads'). */
  sizeLabel: string
  /** Pretrained starts the kind accepts besides scratch. */
  starts: Exclude<Pretraining['kind'], 'none'>[]
  /** The kind's own defaults where they differ from the run's (learning rate, drop-path). */
  defaults: { lr?: number; dropPath?: number }
  /** The kind a frame task from scratch trains when no model is named. */
  frameDefault?: boolean
  /** Whether the kind has a frame output of its own (else only with a frame head). */
  framewise: boolean
}

export type LossKind = 'bce' | 'focal' | 'weighted-bce' | 'pos-bce' | 'ce'

// The run config: a request (what a user, grid, preset or the CLI supplies) and the resolved RunConfig
// (what config.json stores), in ./runConfig; its fields' defaults, ranges and flags in ./runConfigFields.
export type { RunConfig, RunConfigRequest, PartialRunConfig, RunConfigKey, OptimizerKind, ScheduleKind, FrameLossKind } from './runConfig'
import type { RunConfig } from './runConfig'

export type TrainingEngineChoice = 'auto' | 'ort' | 'tfjs'

/** The engine a run trained on, and why that one. */
export interface TrainingEngineUsed {
  name: 'ort' | 'tfjs'
  reason: string
}

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'

export interface MetricEntry {
  kind: 'step' | 'epoch' | 'test'
  step: number
  epoch: number
  time: string
  loss?: number
  lr?: number
  samplesPerS?: number
  valLoss?: number
  mAP?: number | null
  auc?: number | null
  dprime?: number | null
  microF1?: number
  macroF1?: number
  accuracy?: number
  ap?: (number | null)[]
  frameF1?: number
  eventF1?: number
  /** Frame tasks: frame AP over whole recordings, and F1s at thresholds tuned on validation (test only). */
  frameAP?: number | null
  frameF1Tuned?: number
  eventF1Tuned?: number
  /** Share of frames predicted positive at 0.5 (a model that collapsed to zeros shows ~0). */
  predictedPositive?: number
}

/** A frame task's stitched test scores per recording (row-major [frames, classes]), for the run page. */
export interface FrameCurves {
  rate: number
  classNames: string[]
  /** Per-class thresholds tuned on validation (0.5 without a validation split). */
  thresholds: number[]
  recordings: { file: string; frames: number; scores: number[]; targets: number[] }[]
}

export interface RunSummary {
  id: string
  name: string
  status: RunStatus
  config: RunConfig
  datasetName: string
  createdAt: string
  experiment?: string
  epochsDone: number
  best: { epoch: number; mAP: number | null; accuracy?: number } | null
  last: { epoch: number; mAP: number | null; accuracy?: number } | null
  test: Record<string, number | null> | null
  backend: string
  device: string
  /** The training engine of the latest start or resume, with the reason for the choice. */
  engine?: TrainingEngineUsed
  samplesPerS: number | null
  /** Size of the validation split, so the UI can warn when a curve means little. */
  valClips: number
  failure?: string
  /** Runs trained on a Slurm cluster: the job and what Slurm last said about it. */
  slurm?: SlurmRunInfo
}

export interface RunRecord extends RunSummary {
  classNames: string[]
  codeVersion: string
  datasetFingerprint: string
  log: string[]
  /** A frame task's stitched test scores and true frames for the first test recordings (run page). */
  frameCurves?: FrameCurves | null
  /** Test predictions for PR curves: scores and targets, clips × classes. */
  testPredictions: { scores: number[][]; targets: number[][]; files: string[] } | null
  thresholds: ThresholdComparison | null
  /** Epochs whose weights the run kept for averaging (config keepCheckpoints), oldest first. */
  keptEpochs?: number[]
}

export interface ThresholdMethodResult {
  method: 'default' | 'search' | 'sgl'
  thresholds: number[]
  microF1: number
  macroF1: number
}

export interface ThresholdComparison {
  classNames: string[]
  methods: ThresholdMethodResult[]
}

export interface CostEstimate {
  fDim: number
  tDim: number
  tokens: number
  params: number
  /** Forward GFLOPs per clip, and a rough seconds-per-epoch on this machine. */
  gflopsPerClip: number
  secondsPerEpoch: number | null
}
