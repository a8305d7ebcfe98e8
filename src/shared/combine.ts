// Checkpoint averaging and ensembles.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

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
