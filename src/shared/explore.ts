// The embedding map of a dataset through a model.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.
import type { SplitName } from './datasets'

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
