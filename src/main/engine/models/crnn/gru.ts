// A PyTorch nn.GRU layer (one direction). The input projections of all steps are one tfjs product;
// the recurrence runs in plain JavaScript over Float32Arrays inside one custom op with a hand-written
// backward pass (backpropagation through time). Written as tfjs ops, each of the ~340 steps of a
// 10 s window costs a dozen kernel launches forward and more backward, and a training step took
// 10–15 s on tfjs-wasm; as one op it is a few hundred milliseconds. Gate order and equations are
// PyTorch's:
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

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v))

interface Recurrence {
  /** [B, T, H] outputs. */
  hs: Float32Array
  /** Per step and sample: r, z, n and the recurrent n-part (h W_hn + b_hn), each [B, T, H]. */
  r: Float32Array
  z: Float32Array
  n: Float32Array
  ghn: Float32Array
}

/** The forward recurrence from a zero state. gi [B, T, 3H] (input projections with b_ih), whh [H, 3H], bhh [3H]. */
function recur(gi: Float32Array, whh: Float32Array, bhh: Float32Array, B: number, T: number, H: number, reverse: boolean): Recurrence {
  const G = 3 * H
  const size = B * T * H
  const rec: Recurrence = { hs: new Float32Array(size), r: new Float32Array(size), z: new Float32Array(size), n: new Float32Array(size), ghn: new Float32Array(size) }
  const gh = new Float64Array(G)
  for (let b = 0; b < B; b++) {
    let prev = -1 // offset of h_{t-1} in hs, -1 for the zero state
    for (let k = 0; k < T; k++) {
      const t = reverse ? T - 1 - k : k
      const o = (b * T + t) * H
      const gio = (b * T + t) * G
      for (let j = 0; j < G; j++) gh[j] = bhh[j]
      if (prev >= 0)
        for (let i = 0; i < H; i++) {
          const hi = rec.hs[prev + i]
          if (hi === 0) continue
          const row = i * G
          for (let j = 0; j < G; j++) gh[j] += hi * whh[row + j]
        }
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gi[gio + j] + gh[j])
        const z = sigmoid(gi[gio + H + j] + gh[H + j])
        const n = Math.tanh(gi[gio + 2 * H + j] + r * gh[2 * H + j])
        const hp = prev >= 0 ? rec.hs[prev + j] : 0
        rec.r[o + j] = r
        rec.z[o + j] = z
        rec.n[o + j] = n
        rec.ghn[o + j] = gh[2 * H + j]
        rec.hs[o + j] = (1 - z) * n + z * hp
      }
      prev = o
    }
  }
  return rec
}

/** Gradients of the recurrence for output gradients dy [B, T, H]: d gi [B, T, 3H], d whh [H, 3H], d bhh [3H]. */
function recurGrad(dy: Float32Array, rec: Recurrence, whh: Float32Array, B: number, T: number, H: number, reverse: boolean) {
  const G = 3 * H
  const dgi = new Float32Array(B * T * G)
  const dwhh = new Float64Array(H * G)
  const dbhh = new Float64Array(G)
  const carry = new Float64Array(H)
  const dgh = new Float64Array(G)
  for (let b = 0; b < B; b++) {
    carry.fill(0)
    // Steps in reverse processing order.
    for (let k = T - 1; k >= 0; k--) {
      const t = reverse ? T - 1 - k : k
      const o = (b * T + t) * H
      const gio = (b * T + t) * G
      const prev = k > 0 ? (b * T + (reverse ? t + 1 : t - 1)) * H : -1
      for (let j = 0; j < H; j++) {
        const dh = dy[o + j] + carry[j]
        const r = rec.r[o + j]
        const z = rec.z[o + j]
        const n = rec.n[o + j]
        const hp = prev >= 0 ? rec.hs[prev + j] : 0
        const dnPre = dh * (1 - z) * (1 - n * n)
        const dzPre = dh * (hp - n) * z * (1 - z)
        const drPre = dnPre * rec.ghn[o + j] * r * (1 - r)
        dgi[gio + j] = drPre
        dgi[gio + H + j] = dzPre
        dgi[gio + 2 * H + j] = dnPre
        dgh[j] = drPre
        dgh[H + j] = dzPre
        dgh[2 * H + j] = dnPre * r
        carry[j] = dh * z
      }
      for (let j = 0; j < G; j++) dbhh[j] += dgh[j]
      // carry += dgh · Whhᵀ; dWhh += h_prevᵀ · dgh.
      for (let i = 0; i < H; i++) {
        const row = i * G
        let s = 0
        for (let j = 0; j < G; j++) s += dgh[j] * whh[row + j]
        carry[i] += s
        if (prev >= 0) {
          const hi = rec.hs[prev + i]
          if (hi !== 0) for (let j = 0; j < G; j++) dwhh[row + j] += hi * dgh[j]
        }
      }
    }
  }
  return { dgi, dwhh: Float32Array.from(dwhh), dbhh: Float32Array.from(dbhh) }
}

const recurrences = [false, true].map((reverse) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [gi, whh, bhh] = args as tf.Tensor[]
    const [B, T, G] = gi.shape
    const H = G / 3
    const whhData = whh.dataSync() as Float32Array
    const rec = recur(gi.dataSync() as Float32Array, whhData, bhh.dataSync() as Float32Array, B, T, H, reverse)
    return {
      value: tf.tensor3d(rec.hs, [B, T, H]),
      gradFunc: (dy: tf.Tensor) => {
        const g = recurGrad(dy.dataSync() as Float32Array, rec, whhData, B, T, H, reverse)
        return [tf.tensor3d(g.dgi, [B, T, G]), tf.tensor2d(g.dwhh, [H, G]), tf.tensor1d(g.dbhh)]
      }
    }
  })
)

/**
 * One direction over x [B, T, in] from a zero state → [B, T, H]. `reverse` runs from the last step to
 * the first (PyTorch's `_reverse` weights); outputs stay at their own time index.
 */
export function gruDirection(x: tf.Tensor3D, w: GruWeights, reverse: boolean): tf.Tensor3D {
  const [B, T, inDim] = x.shape
  const H = w.whh.shape[0]
  const gi = tf.reshape(linear(tf.reshape(x, [B * T, inDim]) as tf.Tensor2D, w.wih, w.bih), [B, T, 3 * H])
  return recurrences[reverse ? 1 : 0](gi, w.whh, w.bhh) as tf.Tensor3D
}
