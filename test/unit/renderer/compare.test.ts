// Comparing many runs in the renderer: group statistics against a brute-force reference (every x,
// every curve interpolated on its own, then mean / sample std / min / max by the textbook formulas),
// the table's row window, and the sweep views' axes and metric lookup.
import { describe, expect, it } from 'vitest'
import { aggregateCurves, groupRuns, interpolate, type Curve } from '../../../src/renderer/src/lib/grouping'
import { rowWindow } from '../../../src/renderer/src/lib/windowing'
import { axisValue, runMetric, sweepAxes } from '../../../src/renderer/src/lib/sweep'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Mean, sample std, min, max and count of the curves at x, straight from the definitions. */
function statsAt(curves: Curve[], x: number) {
  const ys = curves.map((c) => interpolate(c, x)).filter((y): y is number => y !== null)
  if (ys.length === 0) return null
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length
  const std = ys.length > 1 ? Math.sqrt(ys.reduce((a, b) => a + (b - mean) ** 2, 0) / (ys.length - 1)) : 0
  return { mean, std, min: Math.min(...ys), max: Math.max(...ys), n: ys.length }
}

function randomCurves(r: () => number, count: number): Curve[] {
  return Array.from({ length: count }, () => {
    const start = Math.floor(r() * 20)
    const stride = 1 + Math.floor(r() * 3) // another batch size logs at other steps
    const n = 1 + Math.floor(r() * 60)
    const x = Array.from({ length: n }, (_, i) => start + i * stride)
    const y = x.map(() => (r() < 0.05 ? null : r() * 2 - 0.5))
    return { x, y }
  })
}

describe('group statistics (aggregateCurves)', () => {
  it('equal the brute-force reference at every x any curve has', () => {
    const r = rng(3)
    for (let trial = 0; trial < 40; trial++) {
      const curves = randomCurves(r, 1 + Math.floor(r() * 8))
      const band = aggregateCurves(curves)
      const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b).filter((x) => statsAt(curves, x) !== null)
      expect(band.x).toEqual(xs)
      band.x.forEach((x, i) => {
        const ref = statsAt(curves, x)!
        expect(band.mean[i]).toBeCloseTo(ref.mean, 10)
        expect(band.std[i]).toBeCloseTo(ref.std, 10)
        expect(band.min[i]).toBeCloseTo(ref.min, 12)
        expect(band.max[i]).toBeCloseTo(ref.max, 12)
        expect(band.n[i]).toBe(ref.n)
      })
    }
  })

  it('past maxPoints x, uses an even grid over the range, still exact at each grid point', () => {
    const r = rng(11)
    const curves = randomCurves(r, 6).map((c) => ({ x: c.x.map((v) => v * 10), y: c.y }))
    const band = aggregateCurves(curves, 25)
    const all = curves.flatMap((c) => c.x)
    expect(band.x.length).toBeLessThanOrEqual(25)
    expect(band.x[0]).toBe(Math.min(...all))
    band.x.forEach((x, i) => {
      const ref = statsAt(curves, x)!
      expect(band.mean[i]).toBeCloseTo(ref.mean, 10)
      expect(band.std[i]).toBeCloseTo(ref.std, 10)
      expect(band.n[i]).toBe(ref.n)
    })
  })

  it('stays accurate for values far from zero (running variance, not sum of squares)', () => {
    const curves = [1e8 + 1, 1e8 + 2, 1e8 + 3].map((v) => ({ x: [1], y: [v] }))
    expect(aggregateCurves(curves).std[0]).toBeCloseTo(1, 6)
  })

  it('groups by everything but the seed', () => {
    const runs = [
      { id: 'a', flat: { lr: 1, seed: 0 } },
      { id: 'b', flat: { lr: 1, seed: 1 } },
      { id: 'c', flat: { lr: 2, seed: 0 } }
    ]
    const groups = groupRuns(runs, { mode: 'all-but-seed' }, (r) => r.id)
    expect(groups.map((g) => [g.label, g.members.map((m) => m.id)])).toEqual([
      ['lr=1', ['a', 'b']],
      ['lr=2', ['c']]
    ])
  })
})

describe('row window', () => {
  it('renders the rows in view plus the overscan, and spacers make up the rest', () => {
    expect(rowWindow(0, 300, 30, 2000, 5)).toEqual({ start: 0, end: 16, padTop: 0, padBottom: (2000 - 16) * 30 })
    const w = rowWindow(30 * 1000 + 7, 300, 30, 2000, 5)
    expect(w.start).toBe(995)
    expect(w.end).toBe(1016)
    expect(w.padTop + (w.end - w.start) * 30 + w.padBottom).toBe(2000 * 30)
    // Scrolled past the end (the list shrank under a brush): still a valid window at the end.
    const past = rowWindow(1e6, 300, 30, 10, 5)
    expect(past.end).toBe(10)
    expect(past.start).toBeLessThan(10)
    expect(rowWindow(0, 300, 30, 0)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 })
  })
})

describe('sweep axes and metrics', () => {
  it('numbers on a value axis, log when they span decades, the rest as ordered categories', () => {
    const flats = [
      { lr: 1e-5, stride: 10, spec: true, model: 'ast', mixup: 0 },
      { lr: 1e-3, stride: 16, spec: false, model: 'htsat', mixup: 0.5 },
      { lr: 1e-4, stride: 10, spec: true, model: 'ast', mixup: null }
    ]
    const [lr, stride, spec, model, mixup] = sweepAxes(flats, ['lr', 'stride', 'spec', 'model', 'mixup'])
    expect(lr).toMatchObject({ kind: 'log', min: 1e-5, max: 1e-3 })
    expect(stride).toMatchObject({ kind: 'value', min: 10, max: 16 })
    expect(spec).toMatchObject({ kind: 'category', values: ['false', 'true'] })
    expect(model.values).toEqual(['ast', 'htsat'])
    // A missing value makes the axis categorical, numbers in numeric order, the gap shown as –.
    expect(mixup.kind).toBe('category')
    expect(mixup.values).toEqual(['0', '0.5', '–'])
    expect(axisValue(mixup, null)).toBe('–')
    expect(axisValue(lr, 1e-4)).toBe(1e-4)
  })

  it("reads a run's best, last or test value, null when absent", () => {
    const run = { best: { epoch: 3, mAP: 0.8, accuracy: 0.9 }, last: { epoch: 5, mAP: 0.7 }, test: { mAP: 0.75, auc: null } }
    expect(runMetric(run, 'best', 'mAP')).toBe(0.8)
    expect(runMetric(run, 'last', 'accuracy')).toBeNull()
    expect(runMetric(run, 'test', 'mAP')).toBe(0.75)
    expect(runMetric(run, 'test', 'auc')).toBeNull()
    expect(runMetric({ best: null, last: null, test: null }, 'best', 'mAP')).toBeNull()
  })
})
