// Per-clip predictions and what they explain: PR curves, a number's clips.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

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
