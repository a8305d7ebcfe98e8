// The reference's bn0: BatchNorm2d(mel_bins) applied to the log-mel input through transpose(1, 3),
// i.e. one mean/variance per mel bin over batch × frames. Kept as PyTorch's BatchNorm (running
// statistics, momentum 0.1, eps 1e-5) so that reference checkpoints load with their bn0.* tensors:
// training normalises with the batch's statistics and updates the running ones; evaluation uses
// the running ones.
import * as tf from '@tensorflow/tfjs-core'

export const BN_EPS = 1e-5
const BN_MOMENTUM = 0.1

export interface MelBatchNormWeights {
  gamma: tf.Variable
  beta: tf.Variable
  /** Non-trainable buffers, updated in place by training passes. */
  runningMean: tf.Variable
  runningVar: tf.Variable
}

/** x [B, T, F] normalised per mel bin F. */
export function melBatchNorm(x: tf.Tensor3D, w: MelBatchNormWeights, training: boolean): tf.Tensor3D {
  if (!training) {
    const scale = tf.mul(w.gamma, tf.rsqrt(tf.add(w.runningVar, BN_EPS)))
    return tf.add(tf.mul(tf.sub(x, w.runningMean), scale), w.beta)
  }
  const { mean, variance } = tf.moments(x, [0, 1])
  updateRunningStats(w, mean, variance, x.shape[0] * x.shape[1])
  return tf.add(tf.mul(tf.sub(x, mean), tf.mul(w.gamma, tf.rsqrt(tf.add(variance, BN_EPS)))), w.beta)
}

/**
 * One training pass's update of the running statistics from the batch's mean and biased variance
 * over `n` values per bin (also what the ort engine applies to its graph's batch statistics).
 */
export function updateRunningStats(w: Pick<MelBatchNormWeights, 'runningMean' | 'runningVar'>, mean: tf.Tensor, variance: tf.Tensor, n: number): void {
  // Running variance is the unbiased estimate, as torch.nn.BatchNorm2d keeps it.
  const unbiased = n > 1 ? n / (n - 1) : 1
  tf.tidy(() => {
    w.runningMean.assign(tf.add(tf.mul(w.runningMean, 1 - BN_MOMENTUM), tf.mul(tf.reshape(mean, w.runningMean.shape), BN_MOMENTUM)))
    w.runningVar.assign(tf.add(tf.mul(w.runningVar, 1 - BN_MOMENTUM), tf.mul(tf.reshape(variance, w.runningVar.shape), BN_MOMENTUM * unbiased)))
  })
}
