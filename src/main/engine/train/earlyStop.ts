// Early stopping that does not stop a run still improving. Validation scores on a small split are
// noisy (90 clips: ±0.02 mAP from epoch to epoch), so "no new best for `patience` epochs" stops rising
// runs on a lucky spike. Here a run stops only when BOTH hold:
//   1. the smoothed score (the mean of the last 3 epochs) has not beaten its best by `minDelta` for
//      `patience` epochs (patience is at least a sixth of the run's epochs: longer runs wait longer);
//   2. the trend of the last scores (least-squares slope over the last patience + 1 epochs) is not
//      rising by more than `minDelta` per epoch.
// The best epoch (the checkpoint tested) stays the epoch of the highest raw score: the smoothing
// decides when to stop, not which weights to keep.

export interface EarlyStopOptions {
  /** Epochs without improvement before stopping; 0: never stop. */
  patience: number
  /** The run's planned epochs (patience grows with it). */
  epochs: number
  /** Smallest change that counts as improvement (default 0.002). */
  minDelta?: number
  /** Epochs in the smoothing window (default 3). */
  window?: number
}

export interface EarlyStopDecision {
  stop: boolean
  /** Why (for the run's log), also when it goes on. */
  reason: string
  /** The patience used (at least a sixth of the run's epochs). */
  patience: number
  /** Epochs since the smoothed score last improved. */
  sinceBest: number
  /** Least-squares slope of the recent scores, per epoch. */
  slope: number
  smoothed: number[]
}

/**
 * Trailing mean over `window` epochs (fewer at the start). Unlike an exponential average it reaches a
 * plateau's level exactly after `window` epochs, so a flat run does not creep to new "bests".
 */
export function smoothScores(scores: number[], window = 3): number[] {
  return scores.map((_, i) => {
    const part = scores.slice(Math.max(0, i - window + 1), i + 1)
    return part.reduce((a, b) => a + b, 0) / part.length
  })
}

/** Least-squares slope of ys over 0, 1, 2, … (0 for fewer than two points). */
export function slope(ys: number[]): number {
  const n = ys.length
  if (n < 2) return 0
  const mx = (n - 1) / 2
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my)
    den += (x - mx) ** 2
  })
  return num / den
}

/** Whether to stop after the last of `scores` (validation scores, one per epoch so far, higher is better). */
export function earlyStopDecision(scores: number[], opts: EarlyStopOptions): EarlyStopDecision {
  const minDelta = opts.minDelta ?? 0.002
  const smoothed = smoothScores(scores, opts.window ?? 3)
  const patience = opts.patience > 0 ? Math.max(opts.patience, Math.ceil(opts.epochs / 6)) : 0
  let bestAt = 0
  smoothed.forEach((s, i) => {
    if (s > smoothed[bestAt] + minDelta) bestAt = i
  })
  const sinceBest = smoothed.length === 0 ? 0 : smoothed.length - 1 - bestAt
  const recent = scores.slice(-(patience + 1))
  const trend = slope(recent)
  const base = { patience, sinceBest, slope: trend, smoothed }
  if (patience === 0) return { ...base, stop: false, reason: 'early stopping is off' }
  if (sinceBest < patience) return { ...base, stop: false, reason: `the smoothed validation score rose ${sinceBest} epoch(s) ago (patience ${patience})` }
  if (trend > minDelta)
    return { ...base, stop: false, reason: `no new smoothed best for ${sinceBest} epochs, but the last ${recent.length} scores still rise (${trend.toFixed(4)} per epoch)` }
  return {
    ...base,
    stop: true,
    reason: `the smoothed validation score has not risen by ${minDelta} for ${sinceBest} epochs (patience ${patience}) and the last ${recent.length} scores are flat (${trend.toFixed(4)} per epoch)`
  }
}

/**
 * The rule in the shape of the trainer's stop input (patience, planned epochs, and the selection
 * scores of every epoch so far, this one last): what the trainer's stop decision calls.
 */
export function trendRule(i: { patience: number; epochs: number; scores(): number[] }): { stop: boolean; reason: string } {
  if (i.patience <= 0) return { stop: false, reason: 'early stopping is off' }
  const d = earlyStopDecision(i.scores(), { patience: i.patience, epochs: i.epochs })
  return { stop: d.stop, reason: d.reason }
}
