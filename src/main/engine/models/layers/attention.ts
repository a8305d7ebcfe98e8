// Multi-head attention for tfjs-wasm speed (REFERENCE.md, "What slows tfjs-wasm down"). On wasm a
// batched 3-D matMul runs about 6× slower than the same work as separate 2-D products, and the
// transposeA/B flags 10× slower than explicit transposes; so softmax(q·kᵀ·scale + bias)·v is a custom
// op whose forward and backward are loops of plain 2-D products over the (batch, head) groups. The
// heads are cut apart with pieces.ts (wasm's own Unpack/Split copy the whole tensor per piece) after a
// 4-D transpose (wasm's 5-D transpose is slow). Other backends take the batched path.
import * as tf from '@tensorflow/tfjs-core'
import { linear } from './linear'
import { customOp } from './customOp'
import { unstack0 } from './pieces'

export interface AttentionOptions {
  /** Multiplies q·kᵀ (head_dim^-0.5 in timm and HF). */
  scale: number
  /**
   * Per-group 2-D products rather than batched 3-D products. Default: on wasm only. Many tiny groups
   * (Swin windows) may prefer batched.
   */
  perGroup?: boolean
}

const defaultPerGroup = () => tf.getBackend() === 'wasm'
const swap = (t: tf.Tensor3D) => tf.transpose(t, [0, 2, 1])
type T2 = tf.Tensor2D

/** Per group: P = softmax(q·kᵀ + bias), q already scaled. */
function groupProbs(qs: T2[], ks: T2[], biases?: T2[]): T2[] {
  return qs.map((q, g) => {
    const s = tf.matMul(q, tf.transpose(ks[g]))
    return tf.softmax(biases ? tf.add(s, biases[g]) : s) as T2
  })
}

/** Per group: P = softmax(q·kᵀ + bias) (q already scaled), out = P·v. */
function groupForward(qs: T2[], ks: T2[], vs: T2[], biases?: T2[]): { outs: T2[]; probs: T2[] } {
  const probs = groupProbs(qs, ks, biases)
  return { outs: probs.map((p, g) => tf.matMul(p, vs[g])), probs }
}

/**
 * Attention probabilities above this many values per call (G·N², 4M = 16 MB) are recomputed in the
 * backward pass instead of kept: at stride 10 they would hold most of a step's memory (tfjs-wasm's heap
 * stops at 2 GB), for one extra q·kᵀ per group.
 */
const KEEP_PROBS_MAX = 4_000_000

/** Per group, the gradients w.r.t. the scaled q, k, v and the scores (= bias gradient). */
function groupBackward(dOs: T2[], qs: T2[], ks: T2[], vs: T2[], probs: T2[]): { dq: T2[]; dk: T2[]; dv: T2[]; ds: T2[] } {
  const dq: T2[] = []
  const dk: T2[] = []
  const dv: T2[] = []
  const ds: T2[] = []
  dOs.forEach((dO, g) => {
    const p = probs[g]
    dv.push(tf.matMul(tf.transpose(p), dO))
    const dP = tf.matMul(dO, tf.transpose(vs[g]))
    // softmax backward: dS = P ⊙ (dP - rowsum(dP ⊙ P))
    const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true))) as T2
    ds.push(dS)
    dq.push(tf.matMul(dS, ks[g]))
    dk.push(tf.matMul(tf.transpose(dS), qs[g]))
  })
  return { dq, dk, dv, ds }
}

const pieces = (t: tf.Tensor) => unstack0(t) as T2[]

function makeCore(scale: number, perGroup: boolean, withBias: boolean) {
  return customOp((inputs, save) => {
    const [q, k, v, bias] = inputs as tf.Tensor3D[]
    const qScaled = tf.mul(q, scale) as tf.Tensor3D
    if (perGroup) {
      const [qs, ks, vs] = [pieces(qScaled), pieces(k), pieces(v)]
      const { outs, probs } = groupForward(qs, ks, vs, withBias ? pieces(bias) : undefined)
      save([...qs, ...ks, ...vs, ...probs])
      const G = qs.length
      return {
        value: tf.stack(outs),
        gradFunc: (dy, saved) => {
          const [sq, sk, sv, sp] = [0, 1, 2, 3].map((i) => saved.slice(i * G, (i + 1) * G) as T2[])
          const g = groupBackward(pieces(dy), sq, sk, sv, sp)
          const grads = [tf.mul(tf.stack(g.dq), scale), tf.stack(g.dk), tf.stack(g.dv)]
          return withBias ? [...grads, tf.stack(g.ds)] : grads
        }
      }
    }
    let scores = tf.matMul(qScaled, swap(k))
    if (withBias) scores = tf.add(scores, bias)
    const p = tf.softmax(scores) as tf.Tensor3D
    save([qScaled, k, v, p])
    return {
      value: tf.matMul(p, v),
      gradFunc: (dy, saved) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor3D[]
        const dO = dy as tf.Tensor3D
        const dV = tf.matMul(swap(sp), dO)
        const dP = tf.matMul(dO, swap(sv))
        const dS = tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))) as tf.Tensor3D
        const dQ = tf.mul(tf.matMul(dS, sk), scale)
        const dK = tf.matMul(swap(dS), sq)
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
  const perGroup = opts.perGroup ?? defaultPerGroup()
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

/**
 * The attention of fused qkv rows [B·N, 3D] (columns q | k | v, heads inside each) → [B·N, D], as one
 * custom op: one 4-D transpose brings every (batch, q/k/v head) block together, the blocks are cut
 * apart once, and the gradient is put back together the same way in reverse.
 */
function makeFusedHeads(batch: number, tokens: number, heads: number, perGroup: boolean) {
  return customOp(([qkv], save) => {
    const dim = (qkv.shape as number[])[1] / 3
    const d = dim / heads
    const scale = d ** -0.5
    const H = heads
    // [B·N, 3D] → [B, N, 3H, d] → [B, 3H, N, d]: block (b, j) is q head j, k head j - H or v head j - 2H.
    const blocks = tf.reshape(tf.transpose(tf.reshape(qkv, [batch, tokens, 3 * H, d]), [0, 2, 1, 3]), [batch * 3 * H, tokens, d])
    /** [B·H, N, d] (batch, head) blocks → [B·N, D] rows. */
    const toRows = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [batch, H, tokens, d]), [0, 2, 1, 3]), [batch * tokens, dim])
    /** [B·N, D] rows → [B·H, N, d] blocks. */
    const toBlocks = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, H, d]), [0, 2, 1, 3]), [batch * H, tokens, d])
    /** (q | k | v) block gradients back to [B·N, 3D] rows, undoing `blocks`. */
    const toQkvRows = (dq: tf.Tensor, dk: tf.Tensor, dv: tf.Tensor) => {
      const perBatch = [dq, dk, dv].map((t) => tf.reshape(t, [batch, H, tokens, d]))
      return tf.reshape(tf.transpose(tf.concat(perBatch, 1), [0, 2, 1, 3]), [batch * tokens, 3 * dim])
    }
    if (!perGroup) {
      const [q, k, v] = tf.split(tf.reshape(blocks, [batch, 3 * H, tokens, d]), 3, 1).map((t) => tf.reshape(t, [batch * H, tokens, d]) as tf.Tensor3D)
      const qs = tf.mul(q, scale) as tf.Tensor3D
      const p = tf.softmax(tf.matMul(qs, swap(k))) as tf.Tensor3D
      save([qs, k, v, p])
      return {
        value: toRows(tf.matMul(p, v)),
        gradFunc: (dy, saved) => {
          const [sq, sk, sv, sp] = saved as tf.Tensor3D[]
          const dO = toBlocks(dy) as tf.Tensor3D
          const dP = tf.matMul(dO, swap(sv))
          const dS = tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))) as tf.Tensor3D
          return [toQkvRows(tf.mul(tf.matMul(dS, sk), scale), tf.matMul(swap(dS), sq), tf.matMul(swap(sp), dO))]
        }
      }
    }
    const all = pieces(blocks)
    const qs: T2[] = []
    const ks: T2[] = []
    const vs: T2[] = []
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < H; h++) {
        qs.push(tf.mul(all[b * 3 * H + h], scale))
        ks.push(all[b * 3 * H + H + h])
        vs.push(all[b * 3 * H + 2 * H + h])
      }
    const { outs, probs } = groupForward(qs, ks, vs)
    const G = batch * H
    const keepProbs = G * tokens * tokens <= KEEP_PROBS_MAX
    save(keepProbs ? [...qs, ...ks, ...vs, ...probs] : [...qs, ...ks, ...vs])
    return {
      value: toRows(tf.stack(outs)),
      gradFunc: (dy, saved) => {
        const [sq, sk, sv] = [0, 1, 2].map((i) => saved.slice(i * G, (i + 1) * G) as T2[])
        const sp = keepProbs ? (saved.slice(3 * G) as T2[]) : groupProbs(sq, sk)
        const g = groupBackward(pieces(toBlocks(dy)), sq, sk, sv, sp)
        return [toQkvRows(tf.mul(tf.stack(g.dq), scale), tf.stack(g.dk), tf.stack(g.dv))]
      }
    }
  })
}

const fused = new Map<string, ReturnType<typeof makeFusedHeads>>()

/**
 * timm's Attention (qkv with bias, scale head_dim^-0.5, output projection) on x [B·N, D] holding
 * `batch` sequences of `tokens` rows. Returns [B·N, D] before the projection dropout.
 */
export function selfAttention(x: tf.Tensor2D, batch: number, tokens: number, heads: number, w: AttentionWeights, perGroup = defaultPerGroup()): tf.Tensor2D {
  const key = `${batch}|${tokens}|${heads}|${perGroup}`
  let op = fused.get(key)
  if (!op) fused.set(key, (op = makeFusedHeads(batch, tokens, heads, perGroup)))
  const o = op(linear(x, w.qkvW, w.qkvB)) as tf.Tensor2D
  return linear(o, w.projW, w.projB)
}
