// Scoring a split with a model, and the numbers an epoch or the final test reports: EVAL's clip
// metrics (mAP, per-class AP, macro AUC, d′, micro/macro F1, top-1 accuracy for single-label data) and,
// for models with a frame output, frame F1 and event F1.
import { cancelPoint } from '../control/cancel'
import * as tf from '@tensorflow/tfjs-core'
import type { DatasetRecord, MetricEntry } from '../../../shared/types'
import { clipMetrics, type Numbers } from '../eval/metrics'
import { binariseFrames, eventCounts, eventF1, frameF1, framesToEvents } from '../eval/sed'
import type { TagModel } from '../models/types'
import { clipLoss, frameLoss, type LossOptions } from './losses'
import { buildBatch, type Batch, type ClipSet, type FeatureSource, type InputSpec } from './data'

export interface SplitPredictions {
  /** Probabilities [n, classes]: sigmoid, or softmax for the CE loss. */
  scores: Float32Array
  targets: Float32Array
  n: number
  /** Mean loss over the split. */
  loss: number | null
  frames?: { scores: Float32Array; targets: Float32Array; mask: Float32Array; count: number; rate: number }
}

/**
 * What scoring a split needs besides the model and the split: its features, input spec, dataset, loss
 * and batch size (clip scoring, predictSplit, and whole-recording scoring, recordings.ts, take the same).
 */
export interface ScoreInputs {
  source: FeatureSource
  spec: InputSpec
  record: DatasetRecord
  loss: LossOptions
  batch: number
  signal?: AbortSignal
}

/** Clip probabilities from logits, matching the loss the model was trained with. */
function probabilities(logits: tf.Tensor2D, loss: LossOptions): tf.Tensor2D {
  return loss.kind === 'ce' ? tf.softmax(logits) : tf.sigmoid(logits)
}

/** The training loss of one batch: the clip loss, plus the masked frame loss when frame targets are given. */
export function batchLoss(out: ReturnType<TagModel['apply']>, batch: Batch, classes: number, loss: LossOptions, frames: InputSpec['frames']): tf.Scalar {
  return tf.tidy(() => {
    const y = tf.tensor2d(batch.y, [batch.size, classes])
    let l = clipLoss(out.logits, y, loss)
    if (frames && out.frameLogits && batch.frameY && batch.frameMask) {
      const fy = tf.tensor3d(batch.frameY, [batch.size, frames.count, classes])
      const mask = tf.tensor2d(batch.frameMask, [batch.size, frames.count])
      // Frame targets are 0/1 per class and frame: always a sigmoid loss, even for a CE clip loss.
      const frameOpts: LossOptions = loss.frame ?? (loss.kind === 'ce' ? { kind: 'bce' } : loss)
      l = tf.add(l, frameLoss(out.frameLogits, fy, frameOpts, mask))
    }
    return l as tf.Scalar
  })
}

/** Raw model outputs for a batch computed elsewhere than tfjs (the ort engine scores through ONNX Runtime). */
export type BatchForward = (batch: Batch) => Promise<{ logits: Float32Array; frameLogits?: Float32Array }>

/** What one evaluation batch gives: clip probabilities [size, classes], frame probabilities when the model has a frame output, and the batch's mean loss. */
export interface BatchScores {
  clip: Float32Array
  frames: Float32Array | null
  loss: number
}

/**
 * The forward pass every evaluation shares (predictSplit here, predictRecordings for whole
 * recordings): the batch through the model without augmentation (or through `forward`, whose raw
 * logits are turned into probabilities and a loss here), read back and disposed. Clip probabilities
 * follow the training loss (softmax for CE), or are always sigmoid with `clipActivation: 'sigmoid'`.
 */
export async function scoreBatch(
  model: TagModel,
  batch: Batch,
  spec: InputSpec,
  classes: number,
  loss: LossOptions,
  opts: { forward?: BatchForward; clipActivation?: 'loss' | 'sigmoid' } = {}
): Promise<BatchScores> {
  const C = classes
  const fr = spec.frames
  const given = opts.forward ? await opts.forward(batch) : null
  const { p, l, fp } = tf.tidy(() => {
    const x = given ? null : tf.tensor3d(batch.x, [batch.size, spec.targetLength, spec.settings.melBins])
    const out = given
      ? {
          logits: tf.tensor2d(given.logits, [batch.size, C]),
          embedding: tf.zeros([batch.size, 1]) as tf.Tensor2D,
          ...(given.frameLogits && fr ? { frameLogits: tf.tensor3d(given.frameLogits, [batch.size, fr.count, C]) } : {})
        }
      : model.apply(x!, false)
    return {
      p: opts.clipActivation === 'sigmoid' ? tf.sigmoid(out.logits) : probabilities(out.logits, loss),
      l: batchLoss(out, batch, C, loss, spec.frameLoss ? fr : null),
      fp: fr && out.frameLogits ? tf.sigmoid(out.frameLogits) : undefined
    }
  })
  try {
    const [clip, lv, frames] = await Promise.all([p.data() as Promise<Float32Array>, l.data(), fp ? (fp.data() as Promise<Float32Array>) : null])
    return { clip, frames, loss: lv[0] }
  } finally {
    tf.dispose([p, l, ...(fp ? [fp] : [])])
  }
}

/**
 * Scores every clip of `set` in batches (no augmentation), with the mean loss. With `forward`, the
 * logits come from it (ONNX Runtime, say) and only the probabilities and the loss are computed here.
 */
export async function predictSplit(model: TagModel, set: ClipSet, inputs: ScoreInputs, forward?: BatchForward): Promise<SplitPredictions> {
  const { source, spec, record, loss, batch: batchSize, signal } = inputs
  const C = record.classNames.length
  const scores = new Float32Array(set.n * C)
  const fr = spec.frames
  const frames = fr ? { scores: new Float32Array(set.n * fr.count * C), targets: new Float32Array(set.n * fr.count * C), mask: new Float32Array(set.n * fr.count), count: fr.count, rate: fr.rate } : undefined
  let lossSum = 0
  for (let from = 0; from < set.n; from += batchSize) {
    await cancelPoint(signal)
    const indices = Array.from({ length: Math.min(batchSize, set.n - from) }, (_, k) => from + k)
    const batch = await buildBatch(set, indices, source, spec, record, null)
    const s = await scoreBatch(model, batch, spec, C, loss, { forward })
    scores.set(s.clip, from * C)
    lossSum += s.loss * batch.size
    if (frames && s.frames) {
      frames.scores.set(s.frames, from * fr!.count * C)
      frames.targets.set(batch.frameY!, from * fr!.count * C)
      frames.mask.set(batch.frameMask!, from * fr!.count)
    }
  }
  return { scores, targets: Float32Array.from(set.targets), n: set.n, loss: set.n > 0 ? lossSum / set.n : null, ...(frames ? { frames } : {}) }
}

export type SplitMetrics = Pick<MetricEntry, 'mAP' | 'auc' | 'dprime' | 'microF1' | 'macroF1' | 'accuracy' | 'ap' | 'frameF1' | 'eventF1'>

/** Frame F1 over real (unmasked) frames and event F1 (sed_eval collars) at the given thresholds. */
function frameMetrics(f: NonNullable<SplitPredictions['frames']>, n: number, C: number, thresholds: number | Numbers): { frameF1: number; eventF1: number } {
  const bins: number[] = []
  const refs: number[] = []
  const counts = []
  for (let i = 0; i < n; i++) {
    let real = 0
    while (real < f.count && f.mask[i * f.count + real] > 0) real++
    const scores = f.scores.subarray(i * f.count * C, (i * f.count + real) * C)
    const targets = f.targets.subarray(i * f.count * C, (i * f.count + real) * C)
    const bin = binariseFrames(scores, real, C, { thresholds })
    for (const v of bin) bins.push(v)
    for (const v of targets) refs.push(v)
    counts.push(eventCounts(framesToEvents(targets, real, C, f.rate), framesToEvents(bin, real, C, f.rate)))
  }
  return { frameF1: frameF1(bins, refs), eventF1: eventF1(counts) }
}

/** The metrics of a split's predictions at the given thresholds (default 0.5). */
export function splitMetrics(pred: SplitPredictions, nClasses: number, thresholds: number | Numbers = 0.5): SplitMetrics {
  const m = clipMetrics(pred.scores, pred.targets, pred.n, nClasses, thresholds)
  const out: SplitMetrics = { mAP: m.mAP, auc: m.auc, dprime: m.dprime, microF1: m.microF1, macroF1: m.macroF1, ap: m.ap }
  if (m.accuracy !== undefined) out.accuracy = m.accuracy
  if (pred.frames) Object.assign(out, frameMetrics(pred.frames, pred.n, nClasses, thresholds))
  return out
}
