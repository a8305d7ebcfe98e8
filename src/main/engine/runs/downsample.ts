// Downsampling a curve to what a chart can show: per pixel column, the point with the smallest and
// the one with the largest y (in their order along x). A line drawn through them covers the same pixels
// as the full curve within each column, so spikes survive, unlike every-k-th-point sampling; a curve
// with at most two points per column is returned whole. Pure, for the engine's curve cache.

/** Index of the first x >= v in ascending xs (xs.length when none). */
function lowerBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first x > v in ascending xs. */
function upperBound(xs: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Indices (ascending) of the points to draw of the curve (xs ascending, ys NaN where there is no
 * value) on `columns` pixel columns spanning `range` (default: the curve's own x extent). Kept: every
 * point when the range holds at most 2 × columns of them; otherwise per column the first point of least
 * y, the first of greatest y, and the first gap (NaN) so a break in the line stays a break, plus the
 * first and the last point in the range (where the line starts and ends: "to step N"). The nearest
 * point outside the range on either side is kept too, so a zoomed line runs to the plot's edges.
 */
export function minMaxIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, columns: number, range?: readonly [number, number] | null): number[] {
  const n = xs.length
  if (n === 0) return []
  const lo = range ? Math.min(range[0], range[1]) : xs[0]
  const hi = range ? Math.max(range[0], range[1]) : xs[n - 1]
  const a = lowerBound(xs, lo)
  const b = upperBound(xs, hi) // one past the last inside
  const out: number[] = []
  if (a > 0) out.push(a - 1)
  const cols = Math.max(1, Math.floor(columns))
  if (b - a <= 2 * cols) {
    for (let i = a; i < b; i++) out.push(i)
  } else {
    const span = hi - lo
    let col = -1
    let iMin = -1
    let iMax = -1
    let iGap = -1
    const columnOf = (x: number) => (span > 0 ? Math.min(cols - 1, Math.floor(((x - lo) / span) * cols)) : 0)
    const firstCol = columnOf(xs[a])
    const lastCol = columnOf(xs[b - 1])
    const flush = () => {
      // The range's first and last points too, so a line starts and ends where the curve does.
      const picks = [iMin, iMax, iGap, col === firstCol ? a : -1, col === lastCol ? b - 1 : -1].filter((i) => i >= 0).sort((p, q) => p - q)
      for (let k = 0; k < picks.length; k++) if (k === 0 || picks[k] !== picks[k - 1]) out.push(picks[k])
    }
    for (let i = a; i < b; i++) {
      const c = columnOf(xs[i])
      if (c !== col) {
        if (col >= 0) flush()
        col = c
        iMin = iMax = iGap = -1
      }
      const y = ys[i]
      if (Number.isNaN(y)) {
        if (iGap < 0) iGap = i
      } else {
        if (iMin < 0 || y < ys[iMin]) iMin = i
        if (iMax < 0 || y > ys[iMax]) iMax = i
      }
    }
    if (col >= 0) flush()
  }
  if (b < n) out.push(b)
  return out
}
