// Curve smoothing for the run charts. Both keep gaps (NaN, null) where the raw curve has them.

/**
 * Exponential moving average with TensorBoard's debiasing: the running average starts at 0 and is
 * divided by (1 - weight^n), so the first points are not pulled towards 0. weight in [0, 1).
 */
export function debiasedEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999)
  let last = 0
  let n = 0
  return values.map((v) => {
    if (v == null || !Number.isFinite(v)) return v
    last = last * w + (1 - w) * v
    n++
    return last / (1 - Math.pow(w, n))
  })
}

/**
 * Centred moving average over `window` points (an even window is widened to the next odd one).
 * Near the ends the window shrinks to the points that exist, so the curve keeps its length.
 */
export function centredMovingAverage(values: readonly (number | null)[], window: number): (number | null)[] {
  const half = Math.max(0, Math.floor(Math.max(1, Math.round(window)) / 2))
  return values.map((v, i) => {
    if (v == null || !Number.isFinite(v)) return v
    let sum = 0
    let count = 0
    for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) {
      const u = values[j]
      if (u != null && Number.isFinite(u)) {
        sum += u
        count++
      }
    }
    return sum / count
  })
}

export type SmoothingKind = 'none' | 'ema' | 'cma'

export interface Smoothing {
  kind: SmoothingKind
  /** EMA weight in [0, 1). */
  weight: number
  /** CMA window in points. */
  window: number
}

export function smooth(values: readonly (number | null)[], s: Smoothing): (number | null)[] {
  if (s.kind === 'ema' && s.weight > 0) return debiasedEma(values, s.weight)
  if (s.kind === 'cma' && s.window > 1) return centredMovingAverage(values, s.window)
  return [...values]
}
