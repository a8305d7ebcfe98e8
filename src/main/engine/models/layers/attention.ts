// Multi-head attention for tfjs-wasm speed. The core softmax(q·kᵀ·scale + bias)·v has a hand-written
// gradient made of plain 2-D products (REFERENCE.md: per-head 2-D products run 2× faster on wasm than
// a 4-D batched matMul, and transposeA/B flags 10× slower than explicit transposes). The fused qkv
// projection is split with tf.split (its gradient is one concat), not a 5-D transpose.
import * as tf from '@tensorflow/tfjs-core'
import { linear } from './linear'
import { customOp } from './customOp'

export interface AttentionOptions {
  /** Multiplies q·kᵀ (head_dim^-0.5 in timm and HF). */
  scale: number
  /**
   * Per-group products (a loop of 2-D matMuls) rather than one batched 3-D matMul. Fastest on wasm
   * for few, large groups (ViT heads); many tiny groups (Swin windows) may prefer batched.
   */
  perGroup?: boolean
}

/** Batched [G, M, K] × [G, K, N] as either one batched product or G plain 2-D products. */
function bmm(a: tf.Tensor3D, b: tf.Tensor3D, perGroup: boolean): tf.Tensor3D {
  if (!perGroup) return tf.matMul(a, b)
  const as = tf.unstack(a) as tf.Tensor2D[]
  const bs = tf.unstack(b) as tf.Tensor2D[]
  return tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i]))) as tf.Tensor3D
}

const swap = (t: tf.Tensor3D) => tf.transpose(t, [0, 2, 1])

function makeCore(scale: number, perGroup: boolean, withBias: boolean) {
  return customOp((inputs, save) => {
    const [q, k, v, bias] = inputs as tf.Tensor3D[]
    let scores = tf.mul(bmm(q, swap(k), perGroup), scale)
    if (withBias) scores = tf.add(scores, bias)
    const p = tf.softmax(scores) as tf.Tensor3D
    save([q, k, v, p])
    return {
      value: bmm(p, v, perGroup),
      gradFunc: (dy, saved) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor3D[]
        const dO = dy as tf.Tensor3D
        const dV = bmm(swap(sp), dO, perGroup)
        const dP = bmm(dO, swap(sv), perGroup)
        // softmax backward: dS = P ⊙ (dP - rowsum(dP ⊙ P))
        const dS = tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))) as tf.Tensor3D
        const dQ = tf.mul(bmm(dS, sk, perGroup), scale)
        const dK = tf.mul(bmm(swap(dS), sq, perGroup), scale)
        return withBias ? [dQ, dK, dV, dS] : [dQ, dK, dV]
      }
    }
  })
}

const cores = new Map<string, ReturnType<typeof makeCore>>()

/**
 * softmax(q·kᵀ·scale + bias)·v for q, k, v [G, N, d] (G = batch × heads, or windows × heads) and an
 * optional additive bias [G, N, N] (Swin's relative position bias and shift mask), which gets a gradient.
 */
export function attentionCore(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, opts: AttentionOptions, bias?: tf.Tensor3D): tf.Tensor3D {
  const perGroup = opts.perGroup ?? true
  const key = `${opts.scale}|${perGroup}|${bias !== undefined}`
  let core = cores.get(key)
  if (!core) cores.set(key, (core = makeCore(opts.scale, perGroup, bias !== undefined)))
  return (bias ? core(q, k, v, bias) : core(q, k, v)) as tf.Tensor3D
}

export interface AttentionWeights {
  /** [D, 3D] (PyTorch qkv.weight [3D, D] transposed), columns q | k | v. */
  qkvW: tf.Tensor2D
  qkvB: tf.Tensor1D
  /** [D, D] */
  projW: tf.Tensor2D
  projB: tf.Tensor1D
}

/** [B·N, D] rows → [B·H, N, d] heads. */
function splitHeads(t: tf.Tensor2D, batch: number, tokens: number, heads: number): tf.Tensor3D {
  const d = t.shape[1] / heads
  return tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, heads, d]), [0, 2, 1, 3]), [batch * heads, tokens, d])
}

/** [B·H, N, d] heads → [B·N, D] rows. */
function mergeHeads(t: tf.Tensor3D, batch: number, tokens: number, heads: number): tf.Tensor2D {
  const d = t.shape[2]
  return tf.reshape(tf.transpose(tf.reshape(t, [batch, heads, tokens, d]), [0, 2, 1, 3]), [batch * tokens, heads * d])
}

/**
 * timm's Attention (qkv with bias, scale head_dim^-0.5, output projection) on x [B·N, D] holding
 * `batch` sequences of `tokens` rows. Returns [B·N, D] before the projection dropout.
 */
export function selfAttention(x: tf.Tensor2D, batch: number, tokens: number, heads: number, w: AttentionWeights, bias?: tf.Tensor3D): tf.Tensor2D {
  const qkv = linear(x, w.qkvW, w.qkvB)
  const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[]
  const scale = (x.shape[1] / heads) ** -0.5
  const o = attentionCore(splitHeads(q, batch, tokens, heads), splitHeads(k, batch, tokens, heads), splitHeads(v, batch, tokens, heads), { scale }, bias)
  return linear(mergeHeads(o, batch, tokens, heads), w.projW, w.projB)
}
