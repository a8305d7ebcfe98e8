// HTS-AT's token-semantic module: the final token map regrouped to (C, F', T') frequency × time and
// the Conv2d(C, classes, kernel (F', 3), padding (0, 1)) that gives one logit per class and time step.
// The kernel spans the whole regrouped frequency axis, so the conv is, per time step, one product of
// the 3 neighbouring columns (zero-padded at both ends) with the flattened kernel.
import * as tf from '@tensorflow/tfjs-core'
import { linear } from '../layers/linear'
import { takeAxis1 } from '../layers/pieces'

export interface TokenSemanticOutput {
  /** [B, T', classes] */
  frameLogits: tf.Tensor3D
  /** [B, C]: mean of the regrouped map (the reference's latent_output). */
  embedding: tf.Tensor2D
}

/**
 * x [B·S², C]: the normalised final S×S map (rows = S frequency positions of freqRatio stacked time
 * chunks, columns = S time positions). Time step chunk·S + t of the output reads row chunk·F' + f.
 * w [C·F'·3, classes] is the conv kernel [classes, C, F', 3] in the shared 'linear' layout.
 */
export function tokenSemantic(x: tf.Tensor2D, batch: number, side: number, freqRatio: number, w: tf.Tensor2D, bias: tf.Tensor1D): TokenSemanticOutput {
  const c = x.shape[1]
  const fPrime = side / freqRatio
  const steps = side * freqRatio
  // [B·r, F', S, C] → [B·r, S, C, F'] → [B, T', C·F'] (columns in the kernel's (c, f) order)
  const maps = tf.reshape(x, [batch * freqRatio, fPrime, side, c])
  const seq = tf.reshape(tf.transpose(maps, [0, 2, 3, 1]), [batch, steps, c * fPrime])
  const padded = tf.pad(seq, [
    [0, 0],
    [1, 1],
    [0, 0]
  ])
  const taps = [0, 1, 2].map((k) => takeAxis1(padded as tf.Tensor3D, k, steps))
  const cols = tf.reshape(tf.stack(taps, 3), [batch * steps, c * fPrime * 3]) as tf.Tensor2D
  const classes = w.shape[1]
  return {
    frameLogits: tf.reshape(linear(cols, w, bias), [batch, steps, classes]) as tf.Tensor3D,
    embedding: tf.mean(tf.reshape(x, [batch, side * side, c]), 1) as tf.Tensor2D
  }
}
