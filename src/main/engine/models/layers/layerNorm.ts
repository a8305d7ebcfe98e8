// LayerNorm over the last axis of [M, D] rows, with a hand-written gradient: one pass of cheap
// elementwise ops instead of autodiff through mean/variance (about twice the kernels).
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'

const layerNormGrad = (eps: number) =>
  customOp(([x, gamma, beta], save) => {
    const { mean, variance } = tf.moments(x, -1, true)
    const rstd = tf.rsqrt(tf.add(variance, eps))
    const xhat = tf.mul(tf.sub(x, mean), rstd)
    save([xhat, rstd, gamma])
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      gradFunc: (dy, [sxhat, srstd, sgamma]) => {
        // dx = rstd · (g - mean(g) - xhat · mean(g · xhat)), g = dy · gamma
        const g = tf.mul(dy, sgamma)
        const meanG = tf.mean(g, -1, true)
        const meanGX = tf.mean(tf.mul(g, sxhat), -1, true)
        const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(sxhat, meanGX)), srstd)
        return [dx, tf.sum(tf.mul(dy, sxhat), 0), tf.sum(dy, 0)]
      }
    }
  })

const cache = new Map<number, ReturnType<typeof layerNormGrad>>()

/** LayerNorm(x [M, D]) · gamma [D] + beta [D], PyTorch semantics (biased variance, eps inside the root). */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  let f = cache.get(eps)
  if (!f) cache.set(eps, (f = layerNormGrad(eps)))
  return f(x, gamma, beta) as tf.Tensor2D
}
