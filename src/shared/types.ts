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
  kind: 'import' | 'features' | 'train' | 'tag' | 'export' | 'experiment' | 'probe'
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
export type DatasetLayout = 'folders' | 'fsd50k' | 'esc50' | 'speechcommands' | 'csv'
export type SplitName = 'train' | 'val' | 'test'

export interface DatasetImportRequest {
  folder: string
  name?: string
  layout?: DatasetLayout | 'auto'
  /** Frame rate (frames/s) for strong labels, when the folder has them. */
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
export type ModelKind = 'ast' | 'htsat'
export type ModelSize = 'tiny' | 'small' | 'base'
export type Pretraining =
  | { kind: 'none' }
  | { kind: 'imagenet'; path: string }
  | { kind: 'audioset'; path: string }
  | { kind: 'run'; runId: string }

export interface ModelChoice {
  id: string
  label: string
  model: ModelKind
  size?: ModelSize
}

export type LossKind = 'bce' | 'focal' | 'weighted-bce' | 'ce'

export interface RunConfigInput {
  name?: string
  dataset: string
  model: ModelKind
  size: ModelSize
  depth?: number
  pretrained: Pretraining
  fstride: number
  tstride: number
  /** Frames per clip after pad/cut (AST target_length). */
  targetLength?: number
  melBins?: number
  frozen: boolean
  specAugment: boolean
  freqm?: number
  timem?: number
  mixup: number
  loss: LossKind
  focalGamma?: number
  focalAlpha?: number
  labelSmoothing?: number
  balancedSampling?: boolean
  optimizer: 'adam' | 'adamw'
  lr: number
  weightDecay: number
  warmupSteps: number
  schedule: 'cosine' | 'step' | 'constant'
  /** AST-style step decay: from this epoch, multiply by gamma each epoch. */
  stepStart?: number
  stepGamma?: number
  epochs: number
  batchSize: number
  gradAccum?: number
  clipNorm?: number
  earlyStopPatience?: number
  /** Also save ckpt/last every N optimizer steps (0: only at the end of each epoch). */
  checkpointEverySteps?: number
  dropout?: number
  dropPath?: number
  seed: number
  /** ESC-50: the fold used as test in cross-validation; others train. */
  fold?: number
  frameHead?: boolean
  threads?: number
  /**
   * Training engine: 'ort' (ONNX Runtime: every core, or CUDA), 'tfjs' (TensorFlow.js), or 'auto'
   * (ORT where it covers the model, else tfjs). Runs created before engines existed read as tfjs.
   */
  engine?: TrainingEngineChoice
  preset?: string
}

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
}

export interface RunSummary {
  id: string
  name: string
  status: RunStatus
  config: RunConfigInput
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
}

export interface RunRecord extends RunSummary {
  classNames: string[]
  codeVersion: string
  datasetFingerprint: string
  log: string[]
  /** Test predictions for PR curves: scores and targets, clips × classes. */
  testPredictions: { scores: number[][]; targets: number[][]; files: string[] } | null
  thresholds: ThresholdComparison | null
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
  key: keyof RunConfigInput | 'pretrained' | 'stride'
  values: unknown[]
}

export interface ExperimentSpec {
  name: string
  base: RunConfigInput
  axes: ExperimentAxis[]
  seeds?: number[]
  parallel?: number
}

export interface ExperimentSummary {
  id: string
  name: string
  runIds: string[]
  axes: ExperimentAxis[]
  createdAt: string
  /** 'interrupted': marked running, but the process that ran its queue is gone (an app restart, a kill). */
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'
  /** One cell per combination of axis values (seeds and folds pooled), from the runs' test results. */
  results?: ExperimentCell[]
}

/** The runs of an experiment that share these axis values, pooled over seeds (and ESC-50 folds). */
export interface ExperimentCell {
  values: Record<string, unknown>
  runIds: string[]
  /** Test accuracy for single-label data, else test mAP. */
  metric: 'mAP' | 'accuracy'
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
  base: Partial<RunConfigInput>
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
  out?: string
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
