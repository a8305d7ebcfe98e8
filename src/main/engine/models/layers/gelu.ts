// Exact (erf) GELU, as PyTorch's nn.GELU() and HF's "gelu", with a closed-form gradient. Only x is kept
// for the backward pass (Φ(x) is recomputed there): activations are the largest thing a training
// step holds, and tfjs-wasm's heap stops at 2 GB.
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

/** Φ(x) = 0.5 · (1 + erf(x / √2)), the standard normal CDF. */
export const normalCdf = (x: tf.Tensor) => tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5)

/** d GELU / dx = Φ(x) + x · φ(x), φ(x) = exp(-x²/2) / √(2π); `cdf` is Φ(x) when already at hand. */
export function geluDerivative(x: tf.Tensor, cdf: tf.Tensor = normalCdf(x)): tf.Tensor {
  return tf.add(cdf, tf.mul(x, tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI)))
}

const geluGrad = customOp(([x], save) => {
  save([x])
  return {
    value: tf.mul(x, normalCdf(x)),
    gradFunc: (dy, [sx]) => [tf.mul(dy, geluDerivative(sx))]
  }
})

export function gelu<T extends tf.Tensor>(x: T): T {
  return geluGrad(x) as T
}
