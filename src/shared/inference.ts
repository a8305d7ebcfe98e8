// Inference: tagging files, ONNX export, the feature cache, live tagging.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

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
