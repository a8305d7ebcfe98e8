// The confusion matrix of single-label test predictions (true class × top-scoring class). PR curves
// and their AP come from the engine (run.prCurve), not from here.

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
