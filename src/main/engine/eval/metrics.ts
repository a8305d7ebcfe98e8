// Clip-level metrics as pure functions of arrays, matching scikit-learn 1.2 exactly (AP, ROC-AUC, F1,
// accuracy) so that numbers in Tagbench can be compared with published ones. Score and target matrices
// are row-major [clips, classes]. A class without positives has no AP (null) and is left out of mAP;
// a class with one label value only has no AUC (null) and is left out of the mean AUC.
import type { PrCurve } from '../../../shared/types'
import { normPpf } from './normal'

export type Numbers = ArrayLike<number>

export interface ClipMetrics {
  /** Mean AP over classes with at least one positive; null when no class has one. */
  mAP: number | null
  ap: (number | null)[]
  /** Macro ROC-AUC over classes where it is defined. */
  auc: number | null
  /** d' = sqrt(2) * Phi^-1(auc); null when auc is null or 1 (infinite). */
  dprime: number | null
  microF1: number
  macroF1: number
  /** Top-1 accuracy, only when every target row is one-hot (single-label data). */
  accuracy?: number
}

export interface ClfCurve {
  /** False and true positives when predicting every clip scoring >= thresholds[k]. */
  fps: Float64Array
  tps: Float64Array
  /** The distinct scores, highest first. */
  thresholds: Float64Array
}

/**
 * Operating points at each distinct score, highest first (sklearn `_binary_clf_curve`). Positives and
 * negatives are sorted apart with the native numeric sort and merged, which is many times faster than
 * sorting indices with a comparator; ties across the two lists fall into one operating point.
 */
export function binaryClfCurve(scores: Numbers, targets: Numbers): ClfCurve {
  const n = scores.length
  if (targets.length !== n) throw new Error(`metrics: ${n} scores but ${targets.length} targets`)
  let nPos = 0
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error('metrics: scores contain NaN (did training diverge?)')
    if (targets[i] > 0.5) nPos++
  }
  const pos = new Float64Array(nPos)
  const neg = new Float64Array(n - nPos)
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (targets[i] > 0.5) pos[a++] = scores[i]
    else neg[b++] = scores[i]
  }
  pos.sort()
  neg.sort()
  const fps = new Float64Array(n)
  const tps = new Float64Array(n)
  const thresholds = new Float64Array(n)
  let i = pos.length - 1
  let j = neg.length - 1
  let tp = 0
  let fp = 0
  let k = 0
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j])
    while (i >= 0 && pos[i] === v) {
      tp++
      i--
    }
    while (j >= 0 && neg[j] === v) {
      fp++
      j--
    }
    tps[k] = tp
    fps[k] = fp
    thresholds[k++] = v
  }
  return { fps: fps.subarray(0, k), tps: tps.subarray(0, k), thresholds: thresholds.subarray(0, k) }
}

/** sklearn `precision_recall_curve` (1.2): recall decreasing, last point (precision 1, recall 0). */
export function precisionRecallCurve(scores: Numbers, targets: Numbers): { precision: number[]; recall: number[]; thresholds: number[] } {
  const { fps, tps, thresholds } = binaryClfCurve(scores, targets)
  const total = tps.length ? tps[tps.length - 1] : 0
  const precision: number[] = []
  const recall: number[] = []
  for (let k = tps.length - 1; k >= 0; k--) {
    const ps = tps[k] + fps[k]
    precision.push(ps !== 0 ? tps[k] / ps : 0)
    recall.push(total === 0 ? 1 : tps[k] / total)
  }
  precision.push(1)
  recall.push(0)
  return { precision, recall, thresholds: Array.from(thresholds).reverse() }
}

/** AP from a curve: Σ (R_k − R_{k−1}) · P_k over operating points, highest threshold first. */
function apFromCurve({ fps, tps }: ClfCurve): number | null {
  const P = tps.length ? tps[tps.length - 1] : 0
  if (P === 0) return null
  // sklearn sums the reversed curve; the terms are the same, summed from the low-recall end.
  let ap = 0
  let prevR = 0
  for (let k = 0; k < tps.length; k++) {
    const r = tps[k] / P
    ap += (r - prevR) * (tps[k] / (tps[k] + fps[k]))
    prevR = r
  }
  return ap
}

/**
 * The precision-recall curve the UI draws: rising recall, one point per distinct score (tied scores are
 * one threshold) with the threshold that selects it, and the AP of the same operating points, so the
 * number beside a curve is the run's own per-class AP. No points when there is no positive.
 */
export function prCurve(scores: Numbers, targets: Numbers): PrCurve {
  const curve = binaryClfCurve(scores, targets)
  const { fps, tps, thresholds } = curve
  const positives = tps.length ? tps[tps.length - 1] : 0
  if (positives === 0) return { recall: [], precision: [], thresholds: [], ap: null, positives: 0 }
  return {
    recall: Array.from(tps, (tp) => tp / positives),
    precision: Array.from(tps, (tp, k) => tp / (tp + fps[k])),
    thresholds: Array.from(thresholds),
    ap: apFromCurve(curve),
    positives
  }
}

/** AUC from a curve: trapezoids through (FPR, TPR) from (0, 0). */
function aucFromCurve({ fps, tps }: ClfCurve): number | null {
  const P = tps.length ? tps[tps.length - 1] : 0
  const N = fps.length ? fps[fps.length - 1] : 0
  if (P === 0 || N === 0) return null
  let area = 0
  let prevF = 0
  let prevT = 0
  for (let k = 0; k < tps.length; k++) {
    const f = fps[k] / N
    const t = tps[k] / P
    area += ((f - prevF) * (t + prevT)) / 2
    prevF = f
    prevT = t
  }
  return area
}

/**
 * sklearn `average_precision_score` for one class: the step-wise sum of precision × recall increments,
 * without interpolation; tied scores form one operating point. null when the class has no positive
 * (a class whose clips are all positive gets 1).
 */
export function averagePrecision(scores: Numbers, targets: Numbers): number | null {
  return apFromCurve(binaryClfCurve(scores, targets))
}

/** sklearn `roc_auc_score` for one class (trapezoids through tied scores); null when only one label value occurs. */
export function rocAuc(scores: Numbers, targets: Numbers): number | null {
  return aucFromCurve(binaryClfCurve(scores, targets))
}

/** d' from a mean AUC, as AST reports it: sqrt(2) · Φ⁻¹(auc). Infinite for auc 0 or 1. */
function dprime(auc: number): number {
  return normPpf(auc) * Math.SQRT2
}

function checkShape(what: string, a: Numbers, nClips: number, nClasses: number): void {
  if (a.length !== nClips * nClasses) throw new Error(`metrics: ${what} has ${a.length} values, expected ${nClips} clips × ${nClasses} classes`)
}

/** Column `c` of a row-major [clips, classes] matrix. */
export function column(m: Numbers, nClips: number, nClasses: number, c: number): Float64Array {
  const out = new Float64Array(nClips)
  for (let i = 0; i < nClips; i++) out[i] = m[i * nClasses + c]
  return out
}

function mean(values: (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null)
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null
}

/** Per-class thresholds from a single value or a list (one per class). */
export function expandThresholds(thresholds: number | Numbers | undefined, nClasses: number): Float64Array {
  if (thresholds === undefined || typeof thresholds === 'number') return new Float64Array(nClasses).fill(thresholds ?? 0.5)
  if (thresholds.length !== nClasses) throw new Error(`metrics: ${thresholds.length} thresholds for ${nClasses} classes`)
  return Float64Array.from(thresholds)
}

export interface F1Result {
  microF1: number
  macroF1: number
  perClass: number[]
}

/**
 * sklearn `f1_score` (zero_division=0) of predictions `score > threshold` — strictly greater, the same
 * rule as SGL-Thresh's forward 1[x − t > 0]. Macro averages over all classes, empty ones counting 0.
 */
export function f1Scores(scores: Numbers, targets: Numbers, nClips: number, nClasses: number, thresholds?: number | Numbers): F1Result {
  checkShape('scores', scores, nClips, nClasses)
  checkShape('targets', targets, nClips, nClasses)
  const thr = expandThresholds(thresholds, nClasses)
  const tp = new Float64Array(nClasses)
  const fp = new Float64Array(nClasses)
  const fn = new Float64Array(nClasses)
  for (let i = 0; i < nClips; i++) {
    for (let c = 0; c < nClasses; c++) {
      const k = i * nClasses + c
      const pred = scores[k] > thr[c]
      const pos = targets[k] > 0.5
      if (pred && pos) tp[c]++
      else if (pred) fp[c]++
      else if (pos) fn[c]++
    }
  }
  const f1 = (t: number, p: number, n: number) => (2 * t + p + n === 0 ? 0 : (2 * t) / (2 * t + p + n))
  const perClass = Array.from(tp, (t, c) => f1(t, fp[c], fn[c]))
  const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0)
  return {
    microF1: f1(sum(tp), sum(fp), sum(fn)),
    macroF1: nClasses ? perClass.reduce((a, b) => a + b, 0) / nClasses : 0,
    perClass
  }
}

/** Row-wise argmax; the first maximum wins, as numpy's argmax does. */
function argmaxRows(m: Numbers, nRows: number, nCols: number): Int32Array {
  const out = new Int32Array(nRows)
  for (let i = 0; i < nRows; i++) {
    let best = 0
    for (let c = 1; c < nCols; c++) if (m[i * nCols + c] > m[i * nCols + best]) best = c
    out[i] = best
  }
  return out
}

/** True when every row holds exactly one 1 and zeros elsewhere. */
export function isSingleLabel(targets: Numbers, nClips: number, nClasses: number): boolean {
  if (nClips === 0) return false
  for (let i = 0; i < nClips; i++) {
    let ones = 0
    for (let c = 0; c < nClasses; c++) {
      const v = targets[i * nClasses + c]
      if (v === 1) ones++
      else if (v !== 0) return false
    }
    if (ones !== 1) return false
  }
  return true
}

/** Top-1 accuracy against one-hot targets (sklearn accuracy_score of the argmaxes). */
export function top1Accuracy(scores: Numbers, targets: Numbers, nClips: number, nClasses: number): number {
  const p = argmaxRows(scores, nClips, nClasses)
  const t = argmaxRows(targets, nClips, nClasses)
  let hit = 0
  for (let i = 0; i < nClips; i++) if (p[i] === t[i]) hit++
  return nClips ? hit / nClips : 0
}

/** Everything an epoch or test evaluation reports for clip-level scores (probabilities). */
export function clipMetrics(scores: Numbers, targets: Numbers, nClips: number, nClasses: number, thresholds?: number | Numbers): ClipMetrics {
  checkShape('scores', scores, nClips, nClasses)
  checkShape('targets', targets, nClips, nClasses)
  const ap: (number | null)[] = []
  const aucs: (number | null)[] = []
  for (let c = 0; c < nClasses; c++) {
    const curve = binaryClfCurve(column(scores, nClips, nClasses, c), column(targets, nClips, nClasses, c))
    ap.push(apFromCurve(curve))
    aucs.push(aucFromCurve(curve))
  }
  const auc = mean(aucs)
  const d = auc === null ? null : dprime(auc)
  const { microF1, macroF1 } = f1Scores(scores, targets, nClips, nClasses, thresholds)
  const out: ClipMetrics = { mAP: mean(ap), ap, auc, dprime: d !== null && Number.isFinite(d) ? d : null, microF1, macroF1 }
  if (isSingleLabel(targets, nClips, nClasses)) out.accuracy = top1Accuracy(scores, targets, nClips, nClasses)
  return out
}
