// Clip metrics against scikit-learn 1.2 / scipy values from test/fixtures/eval/make_metric_fixtures.py.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { averagePrecision, clipMetrics, column, f1Scores, isSingleLabel, precisionRecallCurve, rocAuc, top1Accuracy } from '../../../src/main/engine/eval/metrics'
import { normPpf } from '../../../src/main/engine/eval/normal'

interface MetricSet {
  name: string
  nClips: number
  nClasses: number
  scores: number[]
  targets: number[]
  ap: (number | null)[]
  auc: (number | null)[]
  mAP: number | null
  meanAuc: number | null
  dprime: number | null
  f1Default: { thresholds: number[]; microF1: number; macroF1: number; perClassF1: number[] }
  f1PerClass: { thresholds: number[]; microF1: number; macroF1: number; perClassF1: number[] }
  accuracy?: number
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/metrics.json'), 'utf8')) as {
  sets: MetricSet[]
  prCurve: { scores: number[]; targets: number[]; precision: number[]; recall: number[]; thresholds: number[] }
  normPpf: { p: number[]; ppf: number[] }
}

const TOL = 1e-9
function expectClose(actual: number | null | undefined, expected: number | null | undefined, tol = TOL): void {
  if (expected === null || expected === undefined) {
    expect(actual).toBe(expected)
    return
  }
  expect(actual).not.toBeNull()
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol)
}

describe('clip metrics match sklearn', () => {
  for (const set of fixture.sets) {
    describe(set.name, () => {
      const scores = Float32Array.from(set.scores)
      const targets = Float32Array.from(set.targets)
      it('holds the same float32 scores sklearn saw', () => {
        expect(Array.from(scores)).toEqual(set.scores)
      })
      it('AP per class, null without positives, 1 with only positives', () => {
        for (let c = 0; c < set.nClasses; c++) {
          expectClose(averagePrecision(column(scores, set.nClips, set.nClasses, c), column(targets, set.nClips, set.nClasses, c)), set.ap[c])
        }
      })
      it('ROC-AUC per class, null when one label value only', () => {
        for (let c = 0; c < set.nClasses; c++) {
          expectClose(rocAuc(column(scores, set.nClips, set.nClasses, c), column(targets, set.nClips, set.nClasses, c)), set.auc[c])
        }
      })
      it('clipMetrics: mAP, macro AUC, d-prime, F1 at 0.5, accuracy', () => {
        const m = clipMetrics(scores, targets, set.nClips, set.nClasses)
        expectClose(m.mAP, set.mAP)
        expect(m.ap.length).toBe(set.nClasses)
        m.ap.forEach((a, c) => expectClose(a, set.ap[c]))
        expectClose(m.auc, set.meanAuc)
        expectClose(m.dprime, set.dprime)
        expectClose(m.microF1, set.f1Default.microF1)
        expectClose(m.macroF1, set.f1Default.macroF1)
        if (set.accuracy === undefined) expect(m.accuracy).toBeUndefined()
        else expectClose(m.accuracy, set.accuracy)
      })
      it('F1 at per-class thresholds (micro, macro, per class)', () => {
        const f = f1Scores(scores, targets, set.nClips, set.nClasses, set.f1PerClass.thresholds)
        expectClose(f.microF1, set.f1PerClass.microF1)
        expectClose(f.macroF1, set.f1PerClass.macroF1)
        f.perClass.forEach((v, c) => expectClose(v, set.f1PerClass.perClassF1[c]))
      })
    })
  }

  it('precision_recall_curve of a class with tied scores', () => {
    const pr = precisionRecallCurve(fixture.prCurve.scores, fixture.prCurve.targets)
    expect(pr.thresholds).toEqual(fixture.prCurve.thresholds)
    expect(pr.precision.length).toBe(fixture.prCurve.precision.length)
    pr.precision.forEach((p, i) => expectClose(p, fixture.prCurve.precision[i]))
    pr.recall.forEach((r, i) => expectClose(r, fixture.prCurve.recall[i]))
    // Ties collapse to one operating point each: fewer thresholds than clips.
    expect(pr.thresholds.length).toBeLessThan(fixture.prCurve.scores.length)
  })

  it('hand-checked AP and AUC with ties', () => {
    // sorted: 0.9(1) 0.8(0) 0.8(1) 0.1(0): points (P=1,R=.5), (P=2/3,R=1) → AP = .5·1 + .5·2/3
    expect(averagePrecision([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0])).toBeCloseTo(0.5 + 1 / 3, 15)
    // AUC: pairs (pos,neg): (0.9>0.8)=1, (0.9>0.1)=1, (0.8=0.8)=0.5, (0.8>0.1)=1 → 3.5/4
    expect(rocAuc([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0])).toBeCloseTo(0.875, 15)
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBeNull()
    expect(averagePrecision([0.3, 0.2], [1, 1])).toBe(1)
    expect(rocAuc([0.3, 0.2], [1, 1])).toBeNull()
  })

  it('refuses NaN scores with a clear message', () => {
    expect(() => averagePrecision([NaN, 0.2], [1, 0])).toThrow(/NaN/)
  })

  it('single-label detection and top-1 accuracy', () => {
    expect(isSingleLabel([1, 0, 0, 1], 2, 2)).toBe(true)
    expect(isSingleLabel([1, 1, 0, 1], 2, 2)).toBe(false)
    expect(isSingleLabel([0.5, 0.5, 0, 1], 2, 2)).toBe(false)
    // Tied scores: the first maximum wins, as numpy argmax does.
    expect(top1Accuracy([0.5, 0.5, 0.2, 0.8], [1, 0, 0, 1], 2, 2)).toBe(1)
    expect(top1Accuracy([0.5, 0.5, 0.9, 0.1], [0, 1, 0, 1], 2, 2)).toBe(0)
  })
})

describe('inverse normal CDF (AS 241) matches scipy.stats.norm.ppf', () => {
  it('over the whole range, tails included', () => {
    fixture.normPpf.p.forEach((p, i) => {
      const want = fixture.normPpf.ppf[i]
      expect(Math.abs(normPpf(p) - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)))
    })
  })
  it('edges', () => {
    expect(normPpf(0.5)).toBe(0)
    expect(normPpf(1)).toBe(Infinity)
    expect(normPpf(0)).toBe(-Infinity)
    expect(normPpf(1.5)).toBeNaN()
  })
})
