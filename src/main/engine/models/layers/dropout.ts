// Dropout and stochastic depth (timm's DropPath) for training. Masks come from tf.randomUniform with
// seeds drawn from the model's Rng, so a seeded run drops the same units on every run.
import * as tf from '@tensorflow/tfjs-core'
import type { Rng } from '../../util/rng'

/** Bernoulli(1 - rate) mask scaled by 1 / (1 - rate), of the given shape. */
export function keepMask(shape: number[], rate: number, rng: Rng): tf.Tensor {
  const keep = 1 - rate
  return tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', rng.int(2 ** 31)), keep)), keep))
}

/** Inverted dropout; the identity when rate is 0. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, rng: Rng): T {
  if (rate <= 0) return x
  return tf.mul(x, keepMask(x.shape, rate, rng)) as T
}

/**
 * Drop a residual branch per sample: x holds `batch` samples as consecutive row blocks of a 2-D
 * [batch · tokens, D] tensor; each sample's rows are kept (scaled) or zeroed together.
 */
export function dropPath(x: tf.Tensor2D, batch: number, rate: number, rng: Rng): tf.Tensor2D {
  if (rate <= 0) return x
  const [rows, dim] = x.shape
  const mask = keepMask([batch, 1, 1], rate, rng)
  return tf.reshape(tf.mul(tf.reshape(x, [batch, rows / batch, dim]), mask), [rows, dim])
}
