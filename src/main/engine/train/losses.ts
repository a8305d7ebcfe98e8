// Training losses on tfjs tensors, written with differentiable ops only so they work inside tf.tidy and
// tf.variableGrads. Clip losses take logits [B, C] and targets [B, C] (multi-hot, or soft after
// mixup); frame losses take [B, T, C] with an optional mask [B, T] (1 = real frame, 0 = padding).
// Reductions match PyTorch's 'mean': over every element for the sigmoid losses, over rows for CE.
import * as tf from '@tensorflow/tfjs-core'
import type { LossKind } from '../../../shared/types'

export interface LossOptions {
  kind: LossKind
  /** Focal loss γ (default 2) and α (default 0.25; negative turns α-weighting off, as torchvision). */
  focalGamma?: number
  focalAlpha?: number
  /** ε: BCE targets become y(1 − ε) + ε/2; CE targets become y(1 − ε) + ε/C (PyTorch's label_smoothing). */
  labelSmoothing?: number
  /** Per-class weights for 'weighted-bce' (e.g. from inverseFrequencyWeights). */
  classWeights?: ArrayLike<number>
  /** Per-class weights of the positive term for 'pos-bce' (PyTorch's pos_weight; e.g. from positiveWeights). */
  posWeights?: ArrayLike<number>
  /** The frame term's own options (a frame task: e.g. pos-bce on frames, plain BCE on clips); default: these. */
  frame?: LossOptions
}

/** Elementwise BCE with logits, stable for any magnitude: max(x, 0) − x·y + log(1 + e^−|x|). */
function bceWithLogitsElementwise(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.relu(logits).sub(logits.mul(targets)).add(tf.log1p(tf.exp(tf.neg(tf.abs(logits))))))
}

/**
 * PyTorch's BCEWithLogitsLoss(pos_weight=w), elementwise: −[w·y·log σ(x) + (1 − y)·log(1 − σ(x))]
 * = w·y·softplus(−x) + (1 − y)·softplus(x), with softplus(z) = max(z, 0) + log(1 + e^−|z|).
 */
function posWeightedBceElementwise(logits: tf.Tensor, targets: tf.Tensor, posWeight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const tail = tf.log1p(tf.exp(tf.neg(tf.abs(logits))))
    const spNeg = tf.relu(tf.neg(logits)).add(tail)
    const spPos = tf.relu(logits).add(tail)
    return posWeight.mul(targets).mul(spNeg).add(tf.scalar(1).sub(targets).mul(spPos))
  })
}

/**
 * pos_weight per class from the label frequency: negatives ÷ positives over every training frame
 * (the usual choice for sparse targets), capped at `cap` so that a class with a handful of positive
 * frames does not get a weight in the thousands; 1 for a class without positives.
 */
export function positiveWeights(positives: ArrayLike<number>, total: number, cap = 100): number[] {
  return Array.from(positives, (p) => (p > 0 ? Math.min(cap, Math.max(1, (total - p) / p)) : 1))
}

/** torchvision's sigmoid_focal_loss, elementwise: BCE · (1 − p_t)^γ, times α_t when α ≥ 0. */
function sigmoidFocalElementwise(logits: tf.Tensor, targets: tf.Tensor, gamma = 2, alpha = 0.25): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits)
    const ce = bceWithLogitsElementwise(logits, targets)
    const one = tf.scalar(1)
    // 1 − p_t = p(1 − y) + (1 − p)y
    const oneMinusPt = p.mul(one.sub(targets)).add(one.sub(p).mul(targets))
    let loss = ce.mul(tf.pow(oneMinusPt, gamma))
    if (alpha >= 0) loss = loss.mul(targets.mul(alpha).add(one.sub(targets).mul(1 - alpha)))
    return loss
  })
}

/** Softmax cross-entropy per row (over the last axis) against probability targets: −Σ q·log softmax(x). */
function softmaxCrossEntropyRows(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(targets.mul(tf.logSoftmax(logits, -1)), -1)))
}

function smoothBinary(targets: tf.Tensor, eps: number): tf.Tensor {
  return eps > 0 ? targets.mul(1 - eps).add(eps / 2) : targets
}

function smoothCategorical(targets: tf.Tensor, eps: number): tf.Tensor {
  const classes = targets.shape[targets.shape.length - 1]
  return eps > 0 ? targets.mul(1 - eps).add(eps / classes) : targets
}

/** Per-class inverse-frequency weights, normalised to mean 1 over classes; a class never seen gets the largest weight. */
export function inverseFrequencyWeights(positivesPerClass: ArrayLike<number>): number[] {
  const counts = Array.from(positivesPerClass, (n) => Math.max(n, 1))
  const inv = counts.map((n) => 1 / n)
  const mean = inv.reduce((a, b) => a + b, 0) / inv.length
  return inv.map((w) => w / mean)
}

/** The elementwise (sigmoid losses, [..., C]) or row-wise (CE, [...]) loss before reduction. */
function unreduced(logits: tf.Tensor, targets: tf.Tensor, opts: LossOptions): tf.Tensor {
  const eps = opts.labelSmoothing ?? 0
  switch (opts.kind) {
    case 'bce':
      return bceWithLogitsElementwise(logits, smoothBinary(targets, eps))
    case 'weighted-bce': {
      if (!opts.classWeights) throw new Error("loss 'weighted-bce' needs classWeights (one per class)")
      const classes = logits.shape[logits.shape.length - 1]
      if (opts.classWeights.length !== classes) throw new Error(`loss 'weighted-bce': ${opts.classWeights.length} class weights for ${classes} classes`)
      return bceWithLogitsElementwise(logits, smoothBinary(targets, eps)).mul(tf.tensor1d(Array.from(opts.classWeights)))
    }
    case 'pos-bce': {
      if (!opts.posWeights) throw new Error("loss 'pos-bce' needs posWeights (one per class)")
      const classes = logits.shape[logits.shape.length - 1]
      if (opts.posWeights.length !== classes) throw new Error(`loss 'pos-bce': ${opts.posWeights.length} positive weights for ${classes} classes`)
      return posWeightedBceElementwise(logits, smoothBinary(targets, eps), tf.tensor1d(Array.from(opts.posWeights)))
    }
    case 'focal':
      return sigmoidFocalElementwise(logits, smoothBinary(targets, eps), opts.focalGamma ?? 2, opts.focalAlpha ?? 0.25)
    case 'ce':
      return softmaxCrossEntropyRows(logits, smoothCategorical(targets, eps))
    default:
      throw new Error(`unknown loss kind: ${String(opts.kind)}`)
  }
}

/** Mean clip loss for logits/targets [B, C] (PyTorch 'mean' reduction). */
export function clipLoss(logits: tf.Tensor2D, targets: tf.Tensor2D, opts: LossOptions): tf.Scalar {
  return tf.tidy(() => tf.mean(unreduced(logits, targets, opts)) as tf.Scalar)
}

/**
 * Frame loss for [B, T, C] logits/targets. With a mask [B, T], padded frames contribute nothing and the
 * mean is over real frames only (× C for the sigmoid losses, whose mean is per element).
 */
export function frameLoss(logits: tf.Tensor3D, targets: tf.Tensor3D, opts: LossOptions, mask?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const l = unreduced(logits, targets, opts)
    if (!mask) return tf.mean(l) as tf.Scalar
    const perElement = l.rank === 3
    const m = perElement ? mask.expandDims(2) : mask
    const count = perElement ? tf.sum(mask).mul(logits.shape[2]) : tf.sum(mask)
    // max(count, 1): an all-padding batch gives 0, not NaN.
    return tf.sum(l.mul(m)).div(tf.maximum(count, 1)) as tf.Scalar
  })
}
