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

/**
 * Mean, sample std (n - 1), min and max across curves at every x any of them has. Curves logged at
 * other x (another batch size) are interpolated; a curve adds nothing outside its own x range.
 */
export function aggregateCurves(curves: Curve[]): BandCurve {
  const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b)
  const points = curves.map(finitePoints)
  const out: BandCurve = { x: [], mean: [], std: [], min: [], max: [], n: [] }
  for (const x of xs) {
    const ys = points.map((p) => interpolateSorted(p, x)).filter((y): y is number => y != null)
    if (ys.length === 0) continue
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length
    const variance = ys.length > 1 ? ys.reduce((a, b) => a + (b - mean) ** 2, 0) / (ys.length - 1) : 0
    out.x.push(x)
    out.mean.push(mean)
    out.std.push(Math.sqrt(variance))
    out.min.push(Math.min(...ys))
    out.max.push(Math.max(...ys))
    out.n.push(ys.length)
  }
  return out
}
