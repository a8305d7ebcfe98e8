// A PyTorch nn.GRU layer (one direction) written with tfjs-core ops, so it trains on every backend
// (tfjs-layers' GRU keeps its own weights and layouts; this one reads the store's PyTorch-named
// weights). Gate order and equations are PyTorch's:
//   r = σ(x W_ir + b_ir + h W_hr + b_hr)     z = σ(x W_iz + b_iz + h W_hz + b_hz)
//   n = tanh(x W_in + b_in + r ⊙ (h W_hn + b_hn))     h' = (1 - z) ⊙ n + z ⊙ h
import * as tf from '@tensorflow/tfjs-core'
import { linear } from '../layers/linear'

export interface GruWeights {
  /** [in, 3H]: PyTorch's weight_ih [3H, in] transposed (gates r, z, n). */
  wih: tf.Tensor2D
  /** [H, 3H]: weight_hh transposed. */
  whh: tf.Tensor2D
  bih: tf.Tensor1D
  bhh: tf.Tensor1D
}

/**
 * One direction over x [B, T, in] from a zero state → [B, T, H]. `reverse` runs from the last step to
 * the first (PyTorch's `_reverse` weights); outputs stay at their own time index.
 */
export function gruDirection(x: tf.Tensor3D, w: GruWeights, reverse: boolean): tf.Tensor3D {
  const [B, T, inDim] = x.shape
  const H = w.whh.shape[0]
  // The input projections of all steps in one product; only h·W_hh is sequential.
  const gi = tf.reshape(linear(tf.reshape(x, [B * T, inDim]) as tf.Tensor2D, w.wih, w.bih), [B, T, 3 * H])
  const [ir, iz, inn] = tf.split(tf.transpose(gi, [1, 0, 2]), 3, 2).map((g) => tf.unstack(g, 0) as tf.Tensor2D[])
  let h: tf.Tensor2D = tf.zeros([B, H])
  const out: tf.Tensor2D[] = new Array(T)
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k
    const gh = linear(h, w.whh, w.bhh)
    const [hr, hz, hn] = tf.split(gh, 3, 1) as tf.Tensor2D[]
    const r = tf.sigmoid(tf.add(ir[t], hr))
    const z = tf.sigmoid(tf.add(iz[t], hz))
    const n = tf.tanh(tf.add(inn[t], tf.mul(r, hn)))
    h = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D
    out[t] = h
  }
  return tf.stack(out, 1) as tf.Tensor3D
}
