// Frame-level (sound event detection) outputs: per-frame class logits at a chosen frame rate, so that
// they line up with a dataset's strong-label frame targets (DATA's frameTargets(record, file,
// frameRate, nFrames)). AST gets a head on its patch tokens; HTS-AT has one built in (its
// token-semantic map), which this module only resamples when a frame rate is asked for.
import * as tf from '@tensorflow/tfjs-core'
import type { Rng } from '../util/rng'
import type { ModelConfig } from './config'
import { modelKind } from './registry'
import { truncNormal, zeros } from './layers/init'
import { linear, matMul } from './layers/linear'
import type { ParamStore } from './layers/params'

/** Feature frames per second: the Kaldi fbank's 10 ms frame shift (AUDIO area, AST's settings). */
const FEATURE_FRAME_RATE = 100

export interface FrameHeadWeights {
  /** [D, C] (PyTorch Linear weight [C, D] transposed). */
  w: tf.Variable
  b: tf.Variable
}

/**
 * Create the frame head's Linear(D, C) in a model's parameter store as `${prefix}.weight` [C, D] and
 * `${prefix}.bias` [C], initialised as timm's heads (trunc-normal 0.02, zero bias).
 */
export function frameHeadWeights(store: ParamStore, dim: number, numClasses: number, rng: Rng, prefix = 'frame_head'): FrameHeadWeights {
  return {
    w: store.add(`${prefix}.weight`, [numClasses, dim], 'linear', truncNormal(rng, numClasses * dim)),
    b: store.add(`${prefix}.bias`, [numClasses], 'plain', zeros(numClasses))
  }
}

/**
 * [outLen, inLen] matrix of F.interpolate(mode='linear', align_corners=False): output step i reads
 * source position (i + 0.5) · inLen / outLen - 0.5, clamped to the first and last step. Both
 * sequences then span the same clip, step centres aligned.
 */
export function linearResampleMatrix(outLen: number, inLen: number): Float32Array {
  const m = new Float32Array(outLen * inLen)
  const scale = inLen / outLen
  for (let i = 0; i < outLen; i++) {
    const src = Math.max((i + 0.5) * scale - 0.5, 0)
    const i0 = Math.min(Math.floor(src), inLen - 1)
    const i1 = Math.min(i0 + 1, inLen - 1)
    const lambda = src - i0
    m[i * inLen + i0] += 1 - lambda
    m[i * inLen + i1] += lambda
  }
  return m
}

/** x [B, T, C] → [B, outLen, C] through a constant [outLen, T] matrix along time (gradient included). */
export function resampleFrames(x: tf.Tensor3D, matrix: tf.Tensor2D): tf.Tensor3D {
  const [b, t, c] = x.shape
  const out = matrix.shape[0]
  const cols = tf.reshape(tf.transpose(x, [1, 0, 2]), [t, b * c]) as tf.Tensor2D
  return tf.transpose(tf.reshape(matMul(matrix, cols), [out, b, c]), [1, 0, 2]) as tf.Tensor3D
}

/** Linear resampling of frame logits [B, T, C] to targetFrames steps (the identity when T matches). */
export function resampleToFrames(x: tf.Tensor3D, targetFrames: number): tf.Tensor3D {
  const t = x.shape[1]
  if (t === targetFrames) return x
  return tf.tidy(() => resampleFrames(x, tf.tensor2d(linearResampleMatrix(targetFrames, t), [targetFrames, t])))
}

/**
 * AST frame head. tokens [B, fDim·tDim, D]: the final-normed patch tokens without the 2 class tokens,
 * frequency-major as the patch conv flattens them. Mean over frequency → [B, tDim, D] → Linear(D, C)
 * → linearly resampled to [B, targetFrames, C] logits.
 */
export function frameHeadApply(tokens: tf.Tensor3D, fDim: number, tDim: number, weights: FrameHeadWeights, targetFrames: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, n, d] = tokens.shape
    if (n !== fDim * tDim) throw new Error(`frame head: ${n} tokens, expected ${fDim}×${tDim}`)
    const perTime = tf.reshape(tf.mean(tf.reshape(tokens, [b, fDim, tDim, d]), 1), [b * tDim, d]) as tf.Tensor2D
    const classes = weights.b.shape[0]
    const logits = tf.reshape(linear(perTime, weights.w as tf.Tensor2D, weights.b as tf.Tensor1D), [b, tDim, classes]) as tf.Tensor3D
    return resampleToFrames(logits, targetFrames)
  })
}

/** Output steps of a frame head at config.frameHead.frameRate over the clip's targetLength feature frames. */
export function frameHeadFrames(config: Pick<ModelConfig, 'targetLength' | 'frameHead'>): number {
  if (!config.frameHead) throw new Error('frame head: the config has no frameHead')
  const rate = config.frameHead.frameRate
  if (!(rate > 0)) throw new Error(`frame head: frameRate must be positive (got ${rate})`)
  return Math.max(1, Math.round((config.targetLength * rate) / FEATURE_FRAME_RATE))
}

/**
 * What a model's frameLogits hold, for building frame targets: `frames` steps spanning the clip's
 * targetLength feature frames, i.e. `frameRate` steps per second (exact after rounding to whole steps).
 * With a frame head its rate; else the kind's own frame output (HTS-AT's token-semantic steps, the
 * CRNN's pooled steps; the registry's nativeFrames). null when the model gives no frame output.
 */
export function frameOutput(config: ModelConfig): { frames: number; frameRate: number } | null {
  const frames = config.frameHead ? frameHeadFrames(config) : modelKind(config.kind).nativeFrames(config)
  if (frames === null) return null
  return { frames, frameRate: (frames * FEATURE_FRAME_RATE) / config.targetLength }
}
