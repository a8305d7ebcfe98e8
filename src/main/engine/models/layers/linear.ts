// Matrix products whose gradients use explicit transposes followed by plain matMuls. tfjs's own
// matMul gradient sets transposeA/transposeB, which tfjs-wasm runs about 10× slower than a plain
// product (REFERENCE.md, "What slows tfjs-wasm down"); an explicit transpose costs little.
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'

/** dA = dY·Bᵀ (or zeros when A holds no gradient path), dB = Aᵀ·dY. */
function productGrads(dy: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, inputGrad: boolean): [tf.Tensor, tf.Tensor] {
  const da = inputGrad ? tf.matMul(dy, tf.transpose(b)) : tf.zerosLike(a)
  return [da, tf.matMul(tf.transpose(a), dy)]
}

const matMulGrad = customOp(([a, b], save) => {
  save([a, b])
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, [sa, sb]) => productGrads(dy as tf.Tensor2D, sa as tf.Tensor2D, sb as tf.Tensor2D, true)
  }
})

function makeLinear(inputGrad: boolean) {
  return customOp(([x, w, b], save) => {
    save([x, w])
    return {
      // The fused kernel adds the bias inside the product on wasm: one pass instead of two.
      value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }),
      gradFunc: (dy, [sx, sw]) => [...productGrads(dy as tf.Tensor2D, sx as tf.Tensor2D, sw as tf.Tensor2D, inputGrad), tf.sum(dy, 0)]
    }
  })
}

const linearWithInputGrad = makeLinear(true)
const linearNoInputGrad = makeLinear(false)

/** a [M, K] × b [K, N] → [M, N] with the fast gradient. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulGrad(a, b) as tf.Tensor2D
}

/**
 * Linear layer on rows: x [M, in] × w [in, out] + b [out]. Set inputGrad false where x holds no
 * gradient path (patches of the input), to skip one product in the backward pass.
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, inputGrad = true): tf.Tensor2D {
  return (inputGrad ? linearWithInputGrad : linearNoInputGrad)(x, w, b) as tf.Tensor2D
}
