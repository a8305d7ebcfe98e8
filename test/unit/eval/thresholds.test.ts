// Thresholds: exhaustive search against brute force, SGL-Thresh against a PyTorch run of the reference
// algorithm (fixture), its gradient against finite differences of the surrogate loss, and held-out gains.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { bestF1Threshold, compareThresholds, defaultThresholds, searchThresholds, sglLossAndGrad, sglThresh } from '../../../src/main/engine/eval/thresholds'
import { f1Scores } from '../../../src/main/engine/eval/metrics'
import { makeRng } from '../../../src/main/engine/util/rng'

const sgl = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/sgl.json'), 'utf8')) as {
  nClips: number
  nClasses: number
  scores: number[]
  targets: number[]
  firstStep: { gradT: number[]; gradSigma: number[]; loss: number }
  losses: number[]
  thresholds: number[]
  sigmas: number[]
  surrogate: { loss: number; gradT: number[]; gradSigma: number[] }
}

/** Synthetic calibrated-differently classes: class c's scores are shifted by shift[c]. */
function shiftedProblem(seed: number, nClips: number, shift: number[]): { scores: Float64Array; targets: Float64Array } {
  const rng = makeRng(seed)
  const C = shift.length
  const scores = new Float64Array(nClips * C)
  const targets = new Float64Array(nClips * C)
  for (let i = 0; i < nClips; i++) {
    for (let c = 0; c < C; c++) {
      const y = rng.next() < 0.3 ? 1 : 0
      targets[i * C + c] = y
      scores[i * C + c] = Math.min(1, Math.max(0, 0.5 + 0.3 * (y - 0.5) + shift[c] + 0.12 * rng.normal()))
    }
  }
  return { scores, targets }
}

describe('per-class threshold search', () => {
  it('finds the F1 maximum that brute force over a fine grid finds', () => {
    const { scores, targets } = shiftedProblem(3, 150, [-0.2, 0, 0.2])
    const thr = searchThresholds(scores, targets, 150, 3)
    const found = f1Scores(scores, targets, 150, 3, thr).perClass
    for (let c = 0; c < 3; c++) {
      let best = 0
      for (let t = -0.01; t <= 1.01; t += 0.0005) {
        const th = [0.5, 0.5, 0.5]
        th[c] = t
        best = Math.max(best, f1Scores(scores, targets, 150, 3, th).perClass[c])
      }
      expect(found[c]).toBeGreaterThanOrEqual(best - 1e-12)
    }
    // Shifted classes get shifted thresholds.
    expect(thr[0]).toBeLessThan(thr[1])
    expect(thr[1]).toBeLessThan(thr[2])
  })
  it('midpoints between distinct scores; all-positive cut; no positive keeps the fallback', () => {
    // sorted 0.9(1) 0.7(0) 0.6(1) 0.2(0): best F1 = 0.8 predicting top 3 → cut between 0.6 and 0.2
    expect(bestF1Threshold([0.9, 0.7, 0.6, 0.2], [1, 0, 1, 0])).toEqual({ threshold: 0.4, f1: 0.8 })
    const allPos = bestF1Threshold([0.3, 0.3], [1, 1])!
    expect(allPos.f1).toBe(1)
    expect(allPos.threshold).toBeLessThan(0.3)
    expect(searchThresholds([0.1, 0.9], [0, 0], 2, 1, 0.42)).toEqual([0.42])
  })
})

describe('SGL-Thresh', () => {
  const x = Float64Array.from(sgl.scores)
  const y = Float64Array.from(sgl.targets)
  const C = sgl.nClasses
  const N = sgl.nClips

  it('first-step loss and surrogate gradients equal the PyTorch reference', () => {
    const r = sglLossAndGrad(x, y, N, C, new Array(C).fill(0.3), new Array(C).fill(50), false)
    expect(r.loss).toBeCloseTo(sgl.firstStep.loss, 12)
    for (let c = 0; c < C; c++) {
      expect(Math.abs(r.gradT[c] - sgl.firstStep.gradT[c])).toBeLessThan(1e-10)
      expect(Math.abs(r.gradSigma[c] - sgl.firstStep.gradSigma[c])).toBeLessThan(1e-10)
    }
  })

  it('100 Adam epochs land on the reference thresholds and sigmas', () => {
    const r = sglThresh(x, y, N, C)
    expect(r.losses).toHaveLength(100)
    r.losses.forEach((l, i) => expect(l).toBeCloseTo(sgl.losses[i], 9))
    r.thresholds.forEach((t, c) => expect(Math.abs(t - sgl.thresholds[c])).toBeLessThan(1e-8))
    r.sigmas.forEach((s, c) => expect(Math.abs(s - sgl.sigmas[c])).toBeLessThan(1e-6))
    // Both parameters moved: sigma is learnt, not fixed.
    r.sigmas.forEach((s) => expect(s).not.toBe(50))
  })

  it('soft gradient equals autograd and central finite differences of the surrogate loss', () => {
    const t = new Array(C).fill(0.3)
    const s = new Array(C).fill(50)
    const r = sglLossAndGrad(x, y, N, C, t, s, true)
    expect(r.loss).toBeCloseTo(sgl.surrogate.loss, 12)
    for (let c = 0; c < C; c++) {
      expect(Math.abs(r.gradT[c] - sgl.surrogate.gradT[c])).toBeLessThan(1e-10)
      expect(Math.abs(r.gradSigma[c] - sgl.surrogate.gradSigma[c])).toBeLessThan(1e-10)
    }
    // Finite differences at a point with moderate sigma, so the surrogate is smooth on this scale.
    const t0 = [0.35, 0.45, 0.55, 0.62]
    const s0 = [12, 20, 8, 30]
    const g = sglLossAndGrad(x, y, N, C, t0, s0, true)
    const h = 1e-6
    for (let c = 0; c < C; c++) {
      const tp = t0.slice(), tm = t0.slice()
      tp[c] += h
      tm[c] -= h
      const fdT = (sglLossAndGrad(x, y, N, C, tp, s0, true).loss - sglLossAndGrad(x, y, N, C, tm, s0, true).loss) / (2 * h)
      const sp = s0.slice(), sm = s0.slice()
      sp[c] += h
      sm[c] -= h
      const fdS = (sglLossAndGrad(x, y, N, C, t0, sp, true).loss - sglLossAndGrad(x, y, N, C, t0, sm, true).loss) / (2 * h)
      expect(Math.abs(g.gradT[c] - fdT)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fdT)))
      expect(Math.abs(g.gradSigma[c] - fdS)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fdS)))
    }
  })
})

describe('compareThresholds on held-out data', () => {
  it('search and SGL beat the default micro-F1 when classes are calibrated differently', () => {
    const shift = [-0.3, -0.15, 0, 0.15, 0.3]
    const val = shiftedProblem(11, 400, shift)
    const test = shiftedProblem(12, 400, shift)
    const names = ['a', 'b', 'c', 'd', 'e']
    const cmp = compareThresholds(val.scores, val.targets, test.scores, test.targets, names)
    expect(cmp.classNames).toEqual(names)
    const by = Object.fromEntries(cmp.methods.map((m) => [m.method, m]))
    expect(by.default.thresholds).toEqual(defaultThresholds(5))
    expect(by.search.microF1).toBeGreaterThan(by.default.microF1 + 0.03)
    expect(by.sgl.microF1).toBeGreaterThan(by.default.microF1 + 0.03)
    expect(by.search.macroF1).toBeGreaterThan(by.default.macroF1)
    // Learnt thresholds follow the calibration shift.
    expect(by.sgl.thresholds[4]).toBeGreaterThan(by.sgl.thresholds[0])
    // The reported numbers are the test-set F1s of the learnt thresholds.
    expect(by.sgl.microF1).toBe(f1Scores(test.scores, test.targets, 400, 5, by.sgl.thresholds).microF1)
  })
  it('rejects arrays that do not fit the class list', () => {
    expect(() => compareThresholds([0.1, 0.2, 0.3], [0, 1, 0], [0.1, 0.2], [0, 1], ['a', 'b'])).toThrow(/multiple of 2/)
  })
})
