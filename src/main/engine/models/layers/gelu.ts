// Exact (erf) GELU, as PyTorch's nn.GELU() and HF's "gelu", with a closed-form gradient that reuses
// the forward's Φ(x) instead of evaluating erf again.
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

const geluGrad = customOp(([x], save) => {
  // Φ(x) = 0.5 · (1 + erf(x / √2)); GELU(x) = x · Φ(x)
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5)
  save([x, cdf])
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy, [sx, scdf]) => {
      // d/dx = Φ(x) + x · φ(x), φ(x) = exp(-x²/2) / √(2π)
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI)
      return [tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)))]
    }
  }
})

export function gelu<T extends tf.Tensor>(x: T): T {
  return geluGrad(x) as T
}
