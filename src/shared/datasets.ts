// Datasets: import requests, records, files, events, statistics, subsets, previews.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

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
