// Groups of runs (by chosen config keys, or by everything but the seed) and their mean curve with a
// ± std or min/max band, as in the paper's seed-averaged comparisons.
import type { FlatValue } from './runConfig'

export type GroupBy = { mode: 'none' } | { mode: 'keys'; keys: string[] } | { mode: 'all-but-seed' }

export interface RunGroup<T> {
  key: string
  /** "model=ast · fstride=10", or the run's own name for a group of one. */
  label: string
  members: T[]
}

export function groupRuns<T extends { id: string; flat: Record<string, FlatValue> }>(runs: T[], by: GroupBy, nameOf: (r: T) => string): RunGroup<T>[] {
  if (by.mode === 'none' || (by.mode === 'keys' && by.keys.length === 0)) {
    return runs.map((r) => ({ key: r.id, label: nameOf(r), members: [r] }))
  }
  const groups = new Map<string, RunGroup<T>>()
  for (const r of runs) {
    const keys = by.mode === 'keys' ? by.keys : Object.keys(r.flat).filter((k) => k !== 'seed').sort()
    const parts = keys.map((k) => `${k}=${r.flat[k] ?? '–'}`)
    const key = parts.join(' · ')
    const g = groups.get(key)
    if (g) g.members.push(r)
    else groups.set(key, { key, label: key, members: [r] })
  }
  const list = [...groups.values()]
  // With "all but the seed" the full key is long: label each group by what tells it from the others.
  if (by.mode === 'all-but-seed' && list.length > 0) {
    const varying = new Set<string>()
    const first = list[0].members[0].flat
    for (const g of list) for (const [k, v] of Object.entries(g.members[0].flat)) if (k !== 'seed' && v !== first[k]) varying.add(k)
    for (const g of list) {
      const f = g.members[0].flat
      g.label = varying.size ? [...varying].sort().map((k) => `${k}=${f[k] ?? '–'}`).join(' · ') : 'all runs'
    }
  }
  return list
}

export interface Curve {
  x: number[]
  y: (number | null)[]
}

export interface BandCurve {
  x: number[]
  mean: number[]
  std: number[]
  min: number[]
  max: number[]
  /** How many curves contributed at each x. */
  n: number[]
}

/** The finite points of a curve, x ascending. */
function finitePoints(c: Curve): { x: number[]; y: number[] } {
  const x: number[] = []
  const y: number[] = []
  c.x.forEach((v, i) => {
    const w = c.y[i]
    if (w != null && Number.isFinite(w)) {
      x.push(v)
      y.push(w)
    }
  })
  return { x, y }
}

/** y at x by linear interpolation between neighbouring finite points (binary search); null outside the range. */
function interpolateSorted(p: { x: number[]; y: number[] }, x: number): number | null {
  const n = p.x.length
  if (n === 0 || x < p.x[0] || x > p.x[n - 1]) return null
  let lo = 0
  let hi = n - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (p.x[mid] <= x) lo = mid
    else hi = mid
  }
  if (p.x[lo] === x) return p.y[lo]
  if (p.x[hi] === x) return p.y[hi]
  const t = (x - p.x[lo]) / (p.x[hi] - p.x[lo])
  return p.y[lo] * (1 - t) + p.y[hi] * t
}

/** y at x by linear interpolation between the curve's neighbouring finite points; null outside its range. */
export function interpolate(c: Curve, x: number): number | null {
  return interpolateSorted(finitePoints(c), x)
}

/** The x at which a band is computed: every x any curve has, or, past `maxPoints` of them, that many evenly spaced over their range. */
function bandXs(curves: Curve[], maxPoints: number): number[] {
  const all = new Set<number>()
  for (const c of curves) for (const x of c.x) all.add(x)
  const xs = Float64Array.from(all).sort()
  if (xs.length <= maxPoints || maxPoints < 2) return Array.from(xs)
  const lo = xs[0]
  const hi = xs[xs.length - 1]
  return Array.from({ length: maxPoints }, (_, i) => (i === maxPoints - 1 ? hi : lo + ((hi - lo) * i) / (maxPoints - 1)))
}

/**
 * Mean, sample std (n - 1), min and max across curves at every x any of them has (or, past `maxPoints`
 * such x, on an even grid of that many over their range). Curves logged at other x (another batch size)
 * are interpolated; a curve adds nothing outside its own x range. One pass along each curve (x sorted)
 * with Welford's running mean and variance, so 300 curves of 1,000 points take milliseconds.
 */
export function aggregateCurves(curves: Curve[], maxPoints = Infinity): BandCurve {
  const xs = bandXs(curves, maxPoints)
  const m = xs.length
  const count = new Float64Array(m)
  const mean = new Float64Array(m)
  const m2 = new Float64Array(m)
  const min = new Float64Array(m).fill(Infinity)
  const max = new Float64Array(m).fill(-Infinity)
  for (const c of curves) {
    const p = finitePoints(c)
    const n = p.x.length
    if (n === 0) continue
    let j = 0 // p.x[j] <= x < p.x[j + 1] as x walks up the grid
    for (let i = 0; i < m; i++) {
      const x = xs[i]
      if (x < p.x[0] || x > p.x[n - 1]) continue
      while (j < n - 1 && p.x[j + 1] <= x) j++
      const y = p.x[j] === x || j === n - 1 ? p.y[j] : p.y[j] + ((p.y[j + 1] - p.y[j]) * (x - p.x[j])) / (p.x[j + 1] - p.x[j])
      const k = ++count[i]
      const d = y - mean[i]
      mean[i] += d / k
      m2[i] += d * (y - mean[i])
      if (y < min[i]) min[i] = y
      if (y > max[i]) max[i] = y
    }
  }
  const out: BandCurve = { x: [], mean: [], std: [], min: [], max: [], n: [] }
  for (let i = 0; i < m; i++) {
    if (count[i] === 0) continue
    out.x.push(xs[i])
    out.mean.push(mean[i])
    out.std.push(count[i] > 1 ? Math.sqrt(m2[i] / (count[i] - 1)) : 0)
    out.min.push(min[i])
    out.max.push(max[i])
    out.n.push(count[i])
  }
  return out
}
