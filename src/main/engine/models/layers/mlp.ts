// timm's Mlp, fc2(drop(GELU(fc1(x)))), as one op with a hand-written gradient that keeps only x and
// fc1's output [M, 4D] for the backward pass (GELU's output is recomputed there). Separate layers
// would keep fc1's output, GELU's output and its CDF: twice the memory of the block's largest tensors.
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'
import { geluDerivative, normalCdf } from './gelu'

export interface MlpWeights {
  /** [D, hidden] */
  fc1W: tf.Tensor2D
  fc1B: tf.Tensor1D
  /** [hidden, D] */
  fc2W: tf.Tensor2D
  fc2B: tf.Tensor1D
}

const fused = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias })

const mlpOp = (withMask: boolean) =>
  customOp((inputs, save) => {
    const [x, w1, b1, w2, b2, mask] = inputs
    const h = fused(x, w1, b1)
    const cdf = normalCdf(h)
    let g = tf.mul(h, cdf)
    if (withMask) g = tf.mul(g, mask)
    save(withMask ? [x, h, w1, w2, mask] : [x, h, w1, w2])
    return {
      value: fused(g, w2, b2),
      gradFunc: (dy, [sx, sh, sw1, sw2, smask]) => {
        const c = normalCdf(sh)
        let g2 = tf.mul(sh, c)
        if (withMask) g2 = tf.mul(g2, smask)
        const dW2 = tf.matMul(tf.transpose(g2) as tf.Tensor2D, dy as tf.Tensor2D)
        let dg = tf.matMul(dy as tf.Tensor2D, tf.transpose(sw2) as tf.Tensor2D) as tf.Tensor
        if (withMask) dg = tf.mul(dg, smask)
        const dh = tf.mul(dg, geluDerivative(sh, c)) as tf.Tensor2D
        const grads = [
          tf.matMul(dh, tf.transpose(sw1) as tf.Tensor2D),
          tf.matMul(tf.transpose(sx) as tf.Tensor2D, dh),
          tf.sum(dh, 0),
          dW2,
          tf.sum(dy, 0)
        ]
        return withMask ? [...grads, tf.zerosLike(smask)] : grads
      }
    }
  })

const plainMlp = mlpOp(false)
const maskedMlp = mlpOp(true)

/**
 * x [M, D] → [M, D]. `dropMask` [M, hidden] (0 or 1/(1-p), see dropout.ts) applies dropout after the
 * GELU, inside the op; null when not dropping.
 */
export function mlp(x: tf.Tensor2D, w: MlpWeights, dropMask: tf.Tensor2D | null): tf.Tensor2D {
  return (dropMask ? maskedMlp(x, w.fc1W, w.fc1B, w.fc2W, w.fc2B, dropMask) : plainMlp(x, w.fc1W, w.fc1B, w.fc2W, w.fc2B)) as tf.Tensor2D
}
