// Precision-recall curves from a run's test predictions, per class and micro-averaged over all
// clip × class pairs. The AP beside each curve is sklearn's average_precision_score (step-wise sum),
// so it matches the run's own per-class AP.

export interface PrCurve {
  recall: number[]
  precision: number[]
  /** The score each point is cut at (a clip counts as predicted when it scores at least this); the first point, none. */
  thresholds: number[]
  /** null when there is no positive: precision-recall is undefined then. */
  ap: number | null
  positives: number
}

export function prCurve(scores: ArrayLike<number>, targets: ArrayLike<number>): PrCurve {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a])
  const positives = order.reduce((n, i) => n + (targets[i] > 0.5 ? 1 : 0), 0)
  const recall: number[] = [0]
  const precision: number[] = [1]
  const thresholds: number[] = [Infinity]
  if (positives === 0) return { recall: [], precision: [], thresholds: [], ap: null, positives }
  let tp = 0
  let fp = 0
  let ap = 0
  let lastRecall = 0
  for (let k = 0; k < order.length; k++) {
    if (targets[order[k]] > 0.5) tp++
    else fp++
    // One point per distinct score: tied scores are one threshold.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue
    const r = tp / positives
    const p = tp / (tp + fp)
    ap += (r - lastRecall) * p
    lastRecall = r
    recall.push(r)
    precision.push(p)
    thresholds.push(scores[order[k]])
  }
  return { recall, precision, thresholds, ap, positives }
}

/** Column c of a clips × classes matrix. */
export function column(m: number[][], c: number): number[] {
  return m.map((row) => row[c])
}

/** The micro-averaged curve: every clip × class pair as one item. */
export function microPrCurve(scores: number[][], targets: number[][]): PrCurve {
  return prCurve(scores.flat(), targets.flat())
}

/** Counts [true][predicted] for single-label data: the true class and the top-scoring one. */
export function confusionMatrix(scores: number[][], targets: number[][], nClasses: number): number[][] {
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0))
  for (let i = 0; i < scores.length; i++) {
    const t = argmax(targets[i])
    if (targets[i][t] <= 0.5) continue
    m[t][argmax(scores[i])]++
  }
  return m
}

function argmax(row: ArrayLike<number>): number {
  let best = 0
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j
  return best
}

/** True when every clip has exactly one positive label. */
export function isSingleLabel(targets: number[][]): boolean {
  return targets.length > 0 && targets.every((row) => row.filter((v) => v > 0.5).length === 1)
}
