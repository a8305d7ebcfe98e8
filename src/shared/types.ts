// Record types shared by the engine and the renderer. Plain data only (JSON-serialisable), so the
// same values travel over IPC, WebSocket and into files on disk.

// ---------- app / backend ----------
export type BackendPreference = 'auto' | 'cuda' | 'native' | 'wasm' | 'cpu'

export interface BackendCandidate {
  name: 'cuda' | 'native' | 'wasm' | 'cpu'
  label: string
  ok: boolean
  /** 'chosen', or why this backend was not used (e.g. "libcudart.so.11.0: cannot open shared object file"). */
  reason: string
}

export interface BackendReport {
  chosen: BackendCandidate['name']
  /** tfjs's own backend name: 'tensorflow' | 'wasm' | 'cpu'. */
  tfBackend: string
  label: string
  device: string
  threads: number
  candidates: BackendCandidate[]
  /** One plain sentence for the UI and CLI. */
  summary: string
}

export interface OrtReport {
  available: boolean
  providers: string[]
  /** Why CUDA (or ORT itself) is not in use. */
  reason: string
  version: string | null
}

/** The training engines on this machine: where the ort engine runs, and what `auto` picks per model kind. */
export interface TrainingEnginesReport {
  ort: string
  auto: { model: ModelKind; engine: 'ort' | 'tfjs'; reason: string }[]
}

export interface AppInfo {
  name: string
  version: string
  dataDir: string
  backend: BackendReport
  ort: OrtReport
  /** Training engines (train/ort/coverage.ts). */
  training: TrainingEnginesReport
  versions: Record<string, string>
  platform: string
  cpus: number
  totalMemoryMb: number
  transport: 'ipc' | 'websocket'
  /** Threads per training job, as a default for the launcher. */
  defaultThreads: number
}

export interface DirEntry {
  name: string
  path: string
  isDir: boolean
}

export interface DirListing {
  path: string
  parent: string | null
  entries: DirEntry[]
}

// ---------- jobs ----------
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'
/** Why a job ended badly: oom and crashed come from the process, killed from a signal. */
export type JobFailure = 'oom' | 'crashed' | 'killed' | 'error'

export interface JobProgress {
  jobId: string
  kind: 'import' | 'features' | 'train' | 'tag' | 'export' | 'experiment' | 'probe' | 'embed' | 'live'
  /** What it works on, for the user: a dataset name, a run id. */
  label: string
  state: JobState
  done: number
  total: number
  /** Units per second, and what the unit is ("files", "steps", "clips"). */
  rate: number
  unit: string
  etaS: number | null
  failure?: JobFailure
  /** Readable message when failed: what happened and what to try. */
  message?: string
  runId?: string
  datasetId?: string
  startedAt: string
  endedAt?: string
}

// ---------- datasets ----------
export type DatasetLayout = 'folders' | 'fsd50k' | 'esc50' | 'speechcommands' | 'csv' | 'frames'
export type SplitName = 'train' | 'val' | 'test'

export interface DatasetImportRequest {
  folder: string
  name?: string
  layout?: DatasetLayout | 'auto'
  /**
   * Frame rate (frames/s) for strong labels, when the folder has them; for per-frame label files
   * (frames/ or labels/), their label rate (default: rows ÷ duration, rounded).
   */
  frameRate?: number
}

export interface ImportProblem {
  /** The file or CSV row (as "file.csv:12") it concerns. */
  where: string
  kind: 'missing-file' | 'unreadable-audio' | 'unknown-label' | 'duplicate-row' | 'malformed-row' | 'escapes-root' | 'symlink-loop' | 'empty-folder' | 'other'
  message: string
}

export interface DatasetFile {
  /** Path relative to the dataset root. */
  path: string
  labels: string[]
  split: SplitName
  /** ESC-50 fold (1..5) where the layout has folds. */
  fold?: number
  durationS: number | null
  sampleRate: number | null
}

export interface StrongEvent {
  file: string
  onset: number
  offset: number
  label: string
  /** A soft label's strength (0–1) over the event, from per-frame label files; absent means 1. */
  value?: number
}

export interface DatasetStats {
  clipsPerClass: Record<string, number>
  /** Mean number of labels per clip. */
  labelCardinality: number
  cardinalityHistogram: { labels: number; clips: number }[]
  imbalanceRatio: number
  durationHistogram: { fromS: number; toS: number; clips: number }[]
  splitSizes: Record<SplitName, number>
  /** Share of frames that are 0 in the strong-label frame targets, when there are any. */
  frameSparsity?: number
}

export interface DatasetSummary {
  id: string
  name: string
  root: string
  layout: DatasetLayout
  clips: number
  classes: number
  multiLabel: boolean
  splits: Record<SplitName, number>
  folds: number[] | null
  hasStrongLabels: boolean
  problems: number
  createdAt: string
  parent?: string
  /** Plain sentences about choices the import made (e.g. how a missing validation split was drawn). */
  notes?: string[]
}

export interface SubsetRecipe {
  classes: string[]
  /** 'within': every label of the clip is among the picked classes; 'single': exactly one picked label. */
  mode: 'within' | 'single'
  perClass?: number
  balance?: boolean
  seed: number
  /** Re-draw splits with these ratios; otherwise keep the parent's. */
  splitRatios?: { train: number; val: number; test: number }
}

export interface DatasetRecord extends DatasetSummary {
  classNames: string[]
  files: DatasetFile[]
  problemList: ImportProblem[]
  stats: DatasetStats
  events?: StrongEvent[]
  frameRate?: number
  /** Where per-frame labels came from, and whether the label rate (frameRate) was given or estimated. */
  frameLabels?: { dir: string; rateFrom: 'given' | 'estimated' }
  recipe?: SubsetRecipe
  /** Content fingerprint: a hash of the file list, labels, sizes and mtimes. */
  fingerprint: string
}

export interface ClipPreview {
  file: string
  sampleRate: number
  durationS: number
  /** Min/max pairs for a waveform drawing. */
  peaks: number[]
  /** Log-mel image: frames × mel, row-major, plus its shape. */
  mel: number[]
  melShape: [number, number]
  /** 16-bit WAV of the decoded clip, base64, for the audio player (works over both transports). */
  wavBase64: string
  labels: string[]
  events: StrongEvent[]
}

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
import type { RunConfig, PartialRunConfig, RunConfigKey } from './runConfig'
/**
 * @deprecated The old name of the resolved config: use RunConfig (or RunConfigRequest for what a caller
 * supplies). Kept so code written against it while the types were split still compiles.
 */
export type RunConfigInput = RunConfig

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

// ---------- experiments ----------
export interface ExperimentAxis {
  /** A config field, or 'stride': one value sets both fstride and tstride (overlap vs none). */
  key: RunConfigKey | 'stride'
  values: unknown[]
}

export interface ExperimentSpec {
  name: string
  base: PartialRunConfig & { dataset: string }
  axes: ExperimentAxis[]
  seeds?: number[]
  parallel?: number
  /** Where the runs train: this machine's queue (default) or one Slurm job per run. */
  executor?: ExecutorKind
  /** With executor 'slurm': the job options (saved per data folder as the next default). */
  slurm?: SlurmOptions
}

// ---------- executors: where an experiment's runs train ----------
export type ExecutorKind = 'local' | 'slurm'

/** What each Slurm job of a run asks for; kept per data folder (slurm.json) so a user types it once. */
export interface SlurmOptions {
  partition?: string
  account?: string
  /** Time limit in Slurm's format: "MM", "HH:MM:SS", "D-HH:MM"... */
  time?: string
  cpus?: number
  /** Memory per node, e.g. "16G". */
  mem?: string
  /** GPUs per run: a count or type:count ("1", "a100:2"); empty for none. */
  gpus?: string
  /** How GPUs are asked for: --gres=gpu:<gpus> (older clusters) or --gpus=<gpus>. */
  gpuFlag?: 'gres' | 'gpus'
  /** More sbatch options, one per line ("--qos=long", "--constraint=a100"). */
  extra?: string[]
  /** Shell lines run on the node before tagbench: module load, conda activate, source venv/bin/activate. */
  preamble?: string
  /** The tagbench command on the nodes (default: this installation's, which must be on the shared filesystem). */
  command?: string
  /** Minutes a RUNNING job may go without writing to the shared run folder before it is given up (default 10). */
  startDeadlineMinutes?: number
}

/** A run's Slurm job as last seen (squeue, scontrol, sacct), in the run folder as slurm.json. */
export interface SlurmRunInfo {
  jobId: string
  /** PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, PREEMPTED, OUT_OF_MEMORY, CANCELLED, NODE_FAIL, ... or UNKNOWN. */
  state: string
  /** Why a job is pending (Priority, Resources, ...), or Slurm's reason for its end. */
  reason?: string
  node?: string
  exitCode?: string
  /** The job script (in the run folder) and its Slurm output files. */
  script: string
  stdout: string
  stderr: string
  submittedAt: string
  startedAt?: string
  /** When the job was first seen writing to the run folder (its node can reach the shared folder). */
  nodeWroteAt?: string
  /** Minutes a RUNNING job may go without writing to the run folder before Tagbench cancels it. */
  startDeadlineMinutes?: number
  /** Every job id this run has had, oldest first (a resume submits a new one). */
  jobs: string[]
  /** What Tagbench concluded about the job, for the user (a rejected submission, a deadline...). */
  message?: string
  checkedAt: string
}

/** Whether Slurm can be used from here, and the options saved for this data folder. */
export interface SlurmInfo {
  available: boolean
  /** Why not (sbatch not on the PATH, the controller does not answer), or the Slurm version. */
  message: string
  partitions: string[]
  options: SlurmOptions
}

export interface ExperimentSummary {
  id: string
  name: string
  runIds: string[]
  axes: ExperimentAxis[]
  createdAt: string
  /** 'interrupted': marked running, but the process that ran its queue is gone (an app restart, a kill). */
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'
  /** Where its runs train (absent: 'local'). */
  executor?: ExecutorKind
  /** One cell per combination of axis values (seeds and folds pooled), from the runs' test results. */
  results?: ExperimentCell[]
}

/** The runs of an experiment that share these axis values, pooled over seeds (and ESC-50 folds). */
export interface ExperimentCell {
  values: Record<string, unknown>
  runIds: string[]
  /** Test frameAP for frame tasks, accuracy for single-label data, else test mAP. */
  metric: 'mAP' | 'accuracy' | 'frameAP'
  /** Mean and sample standard deviation (n − 1) over the runs that have a test result; std null for fewer than 2. */
  mean: number | null
  std: number | null
  n: number
}

export interface ExperimentPreset {
  id: string
  label: string
  description: string
  axes: ExperimentAxis[]
  base: PartialRunConfig
}

// ---------- inference ----------
export interface TagRequest {
  /** A run id, a .onnx file or a Hugging Face AST folder. */
  model: string
  paths: string[]
  topK?: number
  hopS?: number
  aggregate?: 'max' | 'mean'
  /** Clip scores: 'auto' (default) the model's own (softmax for single-label training), or a forced one. */
  activation?: 'auto' | 'sigmoid' | 'softmax'
}

export interface TagEvent {
  label: string
  onset: number
  offset: number
  confidence: number
}

export interface TagFileResult {
  file: string
  error?: string
  durationS?: number
  top: { label: string; score: number }[]
  /** Labels above the model's optimised thresholds. */
  positive: string[]
  /** Framewise activations (frames × classes) for models with a time axis. */
  frames?: { frameRate: number; values: number[][] }
  events?: TagEvent[]
}

export interface OnnxExportRequest {
  runId: string
  /** Where to write it; without, the run's own model.onnx (kept up to date by the app). */
  out?: string
  /** Replace an existing `out`; without it an existing file is refused, never overwritten. */
  overwrite?: boolean
}

/** Disk used by the feature cache under one feature setting (one folder of the cache). */
export interface CacheSettingsUsage {
  /** The folder name, e.g. v1-sr16000-mel128. */
  name: string
  /** Parsed from the name; null for a folder the app did not write. */
  version: number | null
  sampleRate: number | null
  melBins: number | null
  /** Whether this app version still reads it (an older feature version's entries are never read). */
  current: boolean
  entries: number
  bytes: number
}

export interface CacheUsage {
  dir: string
  entries: number
  bytes: number
  settings: CacheSettingsUsage[]
}

/** What a clear or prune of the feature cache removed. */
export interface CacheRemoval {
  entries: number
  bytes: number
}

// ---------- per-clip predictions and errors ----------
/** Splits whose per-clip scores a finished run keeps (its best checkpoint's). */
export type PredictionSplit = 'val' | 'test'

export interface ClipPrediction {
  /** Path relative to the dataset root (the dataset record's key). */
  file: string
  labels: string[]
  /** One probability per class, in the order of `classes`. */
  scores: number[]
}

/** What `tagbench predictions` prints and `run.predictions` returns: exactly what the metrics came from. */
export interface RunPredictions {
  classes: string[]
  clips: ClipPrediction[]
}

/** A precision-recall curve of one class, or of every clip × class pair (micro), from a run's stored predictions. */
export interface PrCurve {
  /**
   * One operating point per distinct score, highest threshold first: predicting every clip that scores
   * at least thresholds[k] gives recall[k] and precision[k]. A drawn curve starts at (recall 0,
   * precision 1) before the first point.
   */
  recall: number[]
  precision: number[]
  thresholds: number[]
  /** sklearn's average_precision_score over these points (the run's own AP); null when there is no positive. */
  ap: number | null
  positives: number
}

/** Which clips to list: a class's errors at thresholds, a confusion-matrix cell, or a PR-curve point. */
export type ClipSelection =
  | { kind: 'errors'; classIndex: number | null; error: 'fp' | 'fn' | 'both'; thresholdMethod: 'default' | 'search' | 'sgl'; limit?: number }
  | { kind: 'confusion'; trueClass: number; predictedClass: number }
  /** A PR-curve point: the clips scored at or above `threshold` for the class (null: every class, micro). */
  | { kind: 'threshold'; classIndex: number | null; threshold: number }

export type ClipOutcome = 'tp' | 'fp' | 'fn' | 'tn'

export interface SelectedClip {
  file: string
  labels: string[]
  /** The class this row is about, and the clip's score and threshold for it. */
  classIndex: number
  className: string
  score: number
  /** The threshold the outcome was decided at; null for a confusion cell (decided by the top score). */
  threshold: number | null
  outcome: ClipOutcome
  /** The clip's highest-scoring classes, for context. */
  top: { label: string; score: number }[]
}

export interface ClipSelectionResult {
  split: PredictionSplit
  /** The dataset the files belong to (for dataset.clip). */
  datasetId: string
  /** How many clips matched before `limit` cut the list. */
  total: number
  clips: SelectedClip[]
  /** The thresholds used, one per class (errors), when any. */
  thresholds?: number[]
}

// ---------- embedding map ----------
export interface EmbeddingPoint {
  /** Path relative to the dataset root. */
  file: string
  split: SplitName
  labels: string[]
  /** UMAP coordinates. */
  x: number
  y: number
  /** The model's top class, when the model's labels are the dataset's classes; else null. */
  predicted: string | null
  /** Whether the model gets the clip right (top-1 for single-label data, every class at 0.5 otherwise); null when unknown. */
  correct: boolean | null
}

/** A 2-D map of a dataset's clips from a model's pooled embeddings (UMAP). */
export interface EmbeddingMap {
  /** The model reference it came from: a run id, a checkpoint folder or a Hugging Face AST folder. */
  model: string
  description: string
  dataset: string
  datasetName: string
  classes: string[]
  /** Embedding width. */
  dim: number
  createdAt: string
  points: EmbeddingPoint[]
  /** Clips of the dataset not on the map: unreadable (named), or beyond the point limit. */
  skipped: { file: string; reason: string }[]
  /** Clips in the dataset; the map holds an even sample when there are more than its limit. */
  totalClips: number
}

// ---------- checkpoint averaging and ensembles ----------
/** Clip metrics of one split (threshold 0.5 for the F1s). */
export interface SplitScore {
  mAP: number | null
  auc: number | null
  dprime: number | null
  microF1: number
  macroF1: number
  accuracy?: number
}

/** A model made from others: weights averaged over a run's last epochs, or scores averaged over models. */
export interface CombinedModel {
  kind: 'average' | 'ensemble'
  /** average: "<run>/last-<n>"; ensemble: its own id. */
  id: string
  name: string
  /** What to tag with or export: the averaged checkpoint folder, or "ensemble:<id>" (one ONNX graph of all members). */
  model: string | null
  dataset: string
  classes: string[]
  createdAt: string
  val: SplitScore | null
  test: SplitScore | null
  /** Its parts, each with its own metrics on the same clips. */
  parts: { name: string; ref: string; val: SplitScore | null; test: SplitScore | null }[]
}

// ---------- live tagging ----------
/** The live tagger's scores for the latest window of the stream. */
export interface LiveFrame {
  /** Seconds of audio received when this window ended. */
  t: number
  /** One score per label (the model's activation). */
  scores: number[]
}

export interface LiveReady {
  labels: string[]
  /** Seconds per window, and between scored windows. */
  windowS: number
  hopS: number
  /** What runs the model. */
  note: string
}
