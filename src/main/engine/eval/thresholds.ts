// Decision thresholds per class, three ways: the fixed default (0.5), an exact per-class search that
// maximises each class's F1, and SGL-Thresh (topel/sglthresh), which learns a threshold t and a
// sigmoid scale σ per class by gradient descent on −micro-F1 through a surrogate-gradient Heaviside.
// Everything is plain Float64 JavaScript: the problem is tiny (clips × classes) and runs full-batch.
import type { ThresholdComparison, ThresholdMethodResult } from '../../../shared/types'
import type { Numbers } from './metrics'
import { binaryClfCurve, column, f1Scores } from './metrics'

export function defaultThresholds(nClasses: number, value = 0.5): number[] {
  return new Array<number>(nClasses).fill(value)
}

/**
 * The threshold that maximises F1 of `score > t` for one class, over every distinct cut: midpoints
 * between neighbouring distinct scores, plus one below the lowest (all positive). Exact, O(n log n).
 * Ties in F1 keep the higher threshold (fewer positives). null when the class has no positive.
 */
export function bestF1Threshold(scores: Numbers, targets: Numbers): { threshold: number; f1: number } | null {
  const { fps, tps, thresholds } = binaryClfCurve(scores, targets)
  const K = tps.length
  const positives = K ? tps[K - 1] : 0
  if (positives === 0) return null
  let best = { threshold: Infinity, f1: -1 }
  for (let k = 0; k < K; k++) {
    // Predicting every clip scoring >= thresholds[k] positive: any t in [thresholds[k + 1], thresholds[k]) does it.
    const f1 = (2 * tps[k]) / (2 * tps[k] + fps[k] + (positives - tps[k]))
    if (f1 > best.f1) {
      const lower = k < K - 1 ? thresholds[k + 1] : thresholds[k] - 1e-6
      best = { threshold: (thresholds[k] + lower) / 2, f1 }
    }
  }
  return best
}

/** Per-class exhaustive search; a class with no positive keeps `fallback`. */
export function searchThresholds(scores: Numbers, targets: Numbers, nClips: number, nClasses: number, fallback = 0.5): number[] {
  const out: number[] = []
  for (let c = 0; c < nClasses; c++) {
    const best = bestF1Threshold(column(scores, nClips, nClasses, c), column(targets, nClips, nClasses, c))
    out.push(best ? best.threshold : fallback)
  }
  return out
}

export interface SglOptions {
  epochs?: number
  lr?: number
  sigmaInit?: number
  tInit?: number
  /** Adam's betas and epsilon (PyTorch defaults). */
  beta1?: number
  beta2?: number
  adamEps?: number
}

export interface SglResult {
  thresholds: number[]
  sigmas: number[]
  /** Loss (−micro-F1 of the binarised outputs) before each update. */
  losses: number[]
}

export interface SglLossGrad {
  loss: number
  gradT: Float64Array
  gradSigma: Float64Array
}

const F1_EPS = 1e-12
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

/**
 * −micro-F1 and its gradient w.r.t. per-class t and σ. F1 is the reference's form:
 * P = TP/(ΣB + ε), R = TP/(ΣY + ε), F1 = 2PR/(P + R + ε), with TP = Σ Y·B.
 * `soft` false: B = 1[x − t > 0] and the Heaviside's derivative is replaced by the surrogate
 * ∂B/∂u = σ·s(σu)·s(−σu), ∂B/∂σ = u·s(σu)·s(−σu) (u = x − t) — SGL-Thresh's update.
 * `soft` true: B = s(σu) everywhere, whose exact gradient is the same expression, so this case can be
 * checked against finite differences.
 */
export function sglLossAndGrad(x: Numbers, y: Numbers, nClips: number, nClasses: number, t: Numbers, sigma: Numbers, soft: boolean): SglLossGrad {
  // Pass 1: binarised (or soft) outputs and the three sums.
  let tp = 0
  let pp = 0
  let pos = 0
  for (let i = 0, k = 0; i < nClips; i++) {
    for (let c = 0; c < nClasses; c++, k++) {
      const u = x[k] - t[c]
      const b = soft ? sigmoid(sigma[c] * u) : u > 0 ? 1 : 0
      tp += y[k] * b
      pp += b
      pos += y[k]
    }
  }
  const P = tp / (pp + F1_EPS)
  const R = tp / (pos + F1_EPS)
  const D = P + R + F1_EPS
  const f1 = (2 * P * R) / D
  // Chain rule: F1(P(TP, PP), R(TP)); dL/dB_k = −(dF1/dTP · y_k + dF1/dPP).
  const dF1dP = (2 * R * (R + F1_EPS)) / (D * D)
  const dF1dR = (2 * P * (P + F1_EPS)) / (D * D)
  const dF1dTP = dF1dP / (pp + F1_EPS) + dF1dR / (pos + F1_EPS)
  const dF1dPP = (-dF1dP * tp) / ((pp + F1_EPS) * (pp + F1_EPS))
  // Pass 2: surrogate derivative of each output, ∂B/∂u = σ·s(σu)·s(−σu) and ∂B/∂σ = u·s(σu)·s(−σu).
  const gradT = new Float64Array(nClasses)
  const gradSigma = new Float64Array(nClasses)
  for (let i = 0, k = 0; i < nClips; i++) {
    for (let c = 0; c < nClasses; c++, k++) {
      const u = x[k] - t[c]
      const z = sigma[c] * u
      // s(z)·s(−z) < 5e-18 beyond |z| = 40: below double rounding of the sums, so skip the exp.
      if (z > 40 || z < -40) continue
      const s = sigmoid(z)
      const g = -(dF1dTP * y[k] + dF1dPP) * s * (1 - s)
      gradT[c] -= g * sigma[c] // ∂u/∂t = −1
      gradSigma[c] += g * u
    }
  }
  return { loss: -f1, gradT, gradSigma }
}

/** Adam on a flat parameter vector, as torch.optim.Adam without weight decay. */
function adamStep(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, step: number, lr: number, b1: number, b2: number, eps: number): void {
  const bc1 = 1 - b1 ** step
  const bc2 = 1 - b2 ** step
  for (let i = 0; i < p.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i]
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
    p[i] -= (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps))
  }
}

/** SGL-Thresh: learn t and σ per class, full batch, Adam(lr 1e-2) for 100 epochs from σ 50, t 0.3; no clamping. */
export function sglThresh(scores: Numbers, targets: Numbers, nClips: number, nClasses: number, opts: SglOptions = {}): SglResult {
  const epochs = opts.epochs ?? 100
  const lr = opts.lr ?? 1e-2
  const b1 = opts.beta1 ?? 0.9
  const b2 = opts.beta2 ?? 0.999
  const eps = opts.adamEps ?? 1e-8
  if (scores.length !== nClips * nClasses || targets.length !== nClips * nClasses) {
    throw new Error(`sglThresh: expected ${nClips} × ${nClasses} scores and targets, got ${scores.length} and ${targets.length}`)
  }
  // Monomorphic Float64 inputs keep the two passes per epoch fast for AudioSet-sized sets.
  const x = Float64Array.from(scores)
  const y = Float64Array.from(targets)
  // One parameter vector [t..., σ...] so a single Adam state covers both.
  const params = new Float64Array(2 * nClasses)
  params.fill(opts.tInit ?? 0.3, 0, nClasses)
  params.fill(opts.sigmaInit ?? 50, nClasses)
  const m = new Float64Array(params.length)
  const v = new Float64Array(params.length)
  const grad = new Float64Array(params.length)
  const losses: number[] = []
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t = params.subarray(0, nClasses)
    const sigma = params.subarray(nClasses)
    const r = sglLossAndGrad(x, y, nClips, nClasses, t, sigma, false)
    losses.push(r.loss)
    grad.set(r.gradT, 0)
    grad.set(r.gradSigma, nClasses)
    adamStep(params, grad, m, v, epoch, lr, b1, b2, eps)
  }
  return { thresholds: Array.from(params.subarray(0, nClasses)), sigmas: Array.from(params.subarray(nClasses)), losses }
}

export type ThresholdMethod = ThresholdMethodResult['method']

/** Learn thresholds with one method on (scores, targets). */
export function learnThresholds(method: ThresholdMethod, scores: Numbers, targets: Numbers, nClips: number, nClasses: number, sgl?: SglOptions): number[] {
  if (method === 'default') return defaultThresholds(nClasses)
  if (method === 'search') return searchThresholds(scores, targets, nClips, nClasses)
  return sglThresh(scores, targets, nClips, nClasses, sgl).thresholds
}

/**
 * Learn thresholds on validation predictions with each method and report micro/macro F1 on test.
 * Class count comes from `classNames`; clip counts from the array lengths.
 */
export function compareThresholds(valScores: Numbers, valTargets: Numbers, testScores: Numbers, testTargets: Numbers, classNames: string[], sgl?: SglOptions): ThresholdComparison {
  const nClasses = classNames.length
  if (nClasses === 0) throw new Error('compareThresholds: no classes')
  const nVal = valScores.length / nClasses
  const nTest = testScores.length / nClasses
  if (!Number.isInteger(nVal) || !Number.isInteger(nTest)) throw new Error(`compareThresholds: score arrays are not a multiple of ${nClasses} classes`)
  const methods = (['default', 'search', 'sgl'] as const).map((method): ThresholdMethodResult => {
    const thresholds = learnThresholds(method, valScores, valTargets, nVal, nClasses, sgl)
    const { microF1, macroF1 } = f1Scores(testScores, testTargets, nTest, nClasses, thresholds)
    return { method, thresholds, microF1, macroF1 }
  })
  return { classNames, methods }
}
