// The PR curves the run page draws (run.prCurve) against sklearn: precision_recall_curve's points and
// average_precision_score, per class and micro-averaged (fixture: test/fixtures/renderer/make_fixtures.py).
import { describe, expect, it } from 'vitest'
import fixtures from '../../fixtures/renderer/renderer.json'
import { averagePrecision, prCurve } from '../../../src/main/engine/eval/metrics'

const { scores, targets, perClass, microAp } = fixtures.pr as { scores: number[][]; targets: number[][]; perClass: { ap: number; precision: number[]; recall: number[] }[]; microAp: number }
const column = (m: number[][], c: number) => m.map((row) => row[c])

describe('PR curves against sklearn', () => {
  it('AP per class equals average_precision_score, and the points equal precision_recall_curve', () => {
    perClass.forEach((ref, c) => {
      const got = prCurve(column(scores, c), column(targets, c))
      expect(got.ap).toBeCloseTo(ref.ap, 12)
      expect(got.ap).toBe(averagePrecision(column(scores, c), column(targets, c)))
      expect(got.positives).toBe(column(targets, c).filter((t) => t > 0.5).length)
      // sklearn's curve, reversed to rising recall, starts at (0, 1) and ends where recall first reaches 1.
      const n = ref.recall.length
      expect([0, ...got.recall].slice(0, n)).toEqual(ref.recall.map((r) => expect.closeTo(r, 12)))
      expect([1, ...got.precision].slice(0, n)).toEqual(ref.precision.map((p) => expect.closeTo(p, 12)))
    })
  })

  it('the micro curve pools every clip × class pair', () => {
    expect(prCurve(scores.flat(), targets.flat()).ap).toBeCloseTo(microAp, 12)
  })

  it('no positives: no points and AP null', () => {
    expect(prCurve([0.2, 0.9], [0, 0])).toEqual({ recall: [], precision: [], thresholds: [], ap: null, positives: 0 })
  })

  it('each point’s threshold selects the clips that give its recall and precision (what a click lists); ties are one point', () => {
    const s = column(scores, 0)
    const t = column(targets, 0)
    const curve = prCurve(s, t)
    expect(curve.thresholds.length).toBe(new Set(s).size)
    expect(curve.thresholds).toEqual([...curve.thresholds].sort((a, b) => b - a))
    const pos = t.filter((v) => v > 0.5).length
    curve.thresholds.forEach((thr, j) => {
      const picked = s.map((_, i) => i).filter((i) => s[i] >= thr)
      const tp = picked.filter((i) => t[i] > 0.5).length
      expect(tp / pos).toBeCloseTo(curve.recall[j], 12)
      expect(tp / picked.length).toBeCloseTo(curve.precision[j], 12)
    })
    const tied = prCurve([0.5, 0.5, 0.2], [1, 0, 1])
    expect(tied).toEqual({ recall: [0.5, 1], precision: [0.5, 2 / 3], thresholds: [0.5, 0.2], ap: 0.5 * 0.5 + 0.5 * (2 / 3), positives: 2 })
  })
})
