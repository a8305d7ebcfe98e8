// Swin's (shifted) window attention for HTS-AT: window partition, cyclic shift, the shift mask and the
// relative position bias, in ops that have gradients on tfjs-wasm. The attention core itself and the
// linear layers are the shared ones from ../layers.
import * as tf from '@tensorflow/tfjs-core'
import { attentionCore, type AttentionWeights } from '../layers/attention'
import { customOp } from '../layers/customOp'
import { linear } from '../layers/linear'
import { sliceAxis1, takeAxis1 } from '../layers/pieces'

/**
 * Relative position index of a win×win window, [N·N] with N = win²: for tokens i, j at (yi, xi),
 * (yj, xj), (yi - yj + win - 1) · (2·win - 1) + (xi - xj + win - 1), as the reference's buffer.
 */
export function relativePositionIndex(win: number): Int32Array {
  const n = win * win
  const idx = new Int32Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / win) - Math.floor(j / win)
      const dx = (i % win) - (j % win)
      idx[i * n + j] = (dy + win - 1) * (2 * win - 1) + (dx + win - 1)
    }
  }
  return idx
}

/**
 * The shifted-window mask [nW, N·N] of a res×res map: after the cyclic shift, tokens of one window that
 * came from different regions of the unshifted map must not attend to each other (-100, as the
 * reference; 0 otherwise). Regions: the three bands [0, res-win), [res-win, res-shift), [res-shift, res)
 * along each axis.
 */
export function shiftMask(res: number, win: number, shift: number): Float32Array {
  const band = (p: number) => (p < res - win ? 0 : p < res - shift ? 1 : 2)
  const perSide = res / win
  const n = win * win
  const out = new Float32Array(perSide * perSide * n * n)
  const region = new Int32Array(n)
  for (let wy = 0; wy < perSide; wy++) {
    for (let wx = 0; wx < perSide; wx++) {
      for (let t = 0; t < n; t++) region[t] = band(wy * win + Math.floor(t / win)) * 3 + band(wx * win + (t % win))
      const base = (wy * perSide + wx) * n * n
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[base + i * n + j] = region[i] === region[j] ? 0 : -100
    }
  }
  return out
}

/** Constant tensors one window size needs; made once per model and disposed with it. */
export interface WindowConstants {
  win: number
  /** table [(2w-1)², H] → bias [N·N, H]: a gather forward, and a dense product backward (wasm has no gather gradient). */
  gatherBias(table: tf.Tensor2D): tf.Tensor2D
  dispose(): void
}

export function makeWindowConstants(win: number): WindowConstants {
  const idx = relativePositionIndex(win)
  const rows = (2 * win - 1) ** 2
  const oneHotT = new Float32Array(rows * idx.length)
  idx.forEach((r, k) => (oneHotT[r * idx.length + k] = 1))
  const index = tf.tensor1d(idx, 'int32')
  // scatter = oneHotᵀ [rows, N·N]: the gather's gradient dTable = oneHotᵀ · dBias, a plain product.
  const scatter = tf.tensor2d(oneHotT, [rows, idx.length])
  const op = customOp(([table]) => ({
    value: tf.gather(table, index),
    gradFunc: (dy) => [tf.matMul(scatter, dy as tf.Tensor2D)]
  }))
  return {
    win,
    gatherBias: (table) => op(table) as tf.Tensor2D,
    dispose() {
      index.dispose()
      scatter.dispose()
    }
  }
}

/**
 * Repeat [G, N, N] `reps` times along the first axis. One concat: wasm's Tile kernel is about 10×
 * slower than Concat here, and tfjs's Tile gradient loops over slices; this gradient is one sum.
 */
const repeatGroups = (reps: number) =>
  customOp(([x]) => ({
    value: tf.concat(new Array<tf.Tensor>(reps).fill(x), 0),
    gradFunc: (dy) => [tf.sum(tf.reshape(dy, [reps, ...x.shape]), 0)]
  }))

/**
 * The additive attention bias [B·nW·H, N, N] for window attention: the relative position bias of
 * every head, plus the shift mask [nW, 1, N, N] of every window when given; the same for each sample.
 */
export function windowBias(relBias: tf.Tensor2D, heads: number, win: number, batch: number, windows: number, mask: tf.Tensor4D | null): tf.Tensor3D {
  const n = win * win
  const perHead = tf.reshape(tf.transpose(relBias), [1, heads, n, n])
  const perWindow = mask ? tf.add(perHead, mask) : perHead // [nW | 1, H, N, N]
  const groups = perWindow.shape[0]
  const flat = tf.reshape(perWindow, [groups * heads, n, n]) as tf.Tensor3D
  const reps = (batch * windows) / groups
  return reps === 1 ? flat : (repeatGroups(reps)(flat) as tf.Tensor3D)
}

/**
 * x [B·res², C] (row-major maps) → [B·nW·N, C] windows, N = win² tokens each in row-major order,
 * windows in row-major order: the reference's window_partition, with 4-D transposes only.
 */
export function toWindows(x: tf.Tensor2D, batch: number, res: number, win: number): tf.Tensor2D {
  const c = x.shape[1]
  const perSide = res / win
  const t = tf.transpose(tf.reshape(x, [batch * perSide, win, perSide, win * c]), [0, 2, 1, 3])
  return tf.reshape(t, [batch * res * res, c]) as tf.Tensor2D
}

/** Inverse of toWindows (the reference's window_reverse). */
export function fromWindows(x: tf.Tensor2D, batch: number, res: number, win: number): tf.Tensor2D {
  const c = x.shape[1]
  const perSide = res / win
  const t = tf.transpose(tf.reshape(x, [batch * perSide, perSide, win, win * c]), [0, 2, 1, 3])
  return tf.reshape(t, [batch * res * res, c]) as tf.Tensor2D
}

/** Rotate axis 1 of x [A, L, R] left by k (out[:, i] = x[:, (i + k) mod L]), without a gradient. */
function rotateAxis1(x: tf.Tensor3D, k: number): tf.Tensor3D {
  const l = x.shape[1]
  return tf.tidy(() => tf.concat([sliceAxis1(x, k, l - k), sliceAxis1(x, 0, k)], 1))
}

/** The roll of both map axes by the same amount, in slices along axis 1 (no wasm Slice kernel). */
function rollMaps(x: tf.Tensor2D, batch: number, res: number, k: number): tf.Tensor2D {
  const c = x.shape[1]
  return tf.tidy(() => {
    const rows = rotateAxis1(tf.reshape(x, [batch, res, res * c]), k)
    return tf.reshape(rotateAxis1(tf.reshape(rows, [batch * res, res, c]), k), [batch * res * res, c])
  })
}

/** Its gradient is the opposite roll. */
const rollOp = (batch: number, res: number, k: number) =>
  customOp(([x]) => ({
    value: rollMaps(x as tf.Tensor2D, batch, res, k),
    gradFunc: (dy) => [rollMaps(dy as tf.Tensor2D, batch, res, res - k)]
  }))

/** torch.roll(x, (s, s), dims=(1, 2)) of the res×res maps in x [B·res², C]; s may be negative. */
export function roll2d(x: tf.Tensor2D, batch: number, res: number, s: number): tf.Tensor2D {
  // torch.roll by s moves element i to i + s: a left rotation by -s.
  const k = (((-s) % res) + res) % res
  return k === 0 ? x : (rollOp(batch, res, k)(x) as tf.Tensor2D)
}

/** [G·N, C] rows → [G·H, N, d]. */
function splitHeads(t: tf.Tensor2D, groups: number, tokens: number, heads: number): tf.Tensor3D {
  const d = t.shape[1] / heads
  return tf.reshape(tf.transpose(tf.reshape(t, [groups, tokens, heads, d]), [0, 2, 1, 3]), [groups * heads, tokens, d])
}

/** [G·H, N, d] → [G·N, C] rows. */
function mergeHeads(t: tf.Tensor3D, groups: number, tokens: number, heads: number): tf.Tensor2D {
  const d = t.shape[2]
  return tf.reshape(tf.transpose(tf.reshape(t, [groups, heads, tokens, d]), [0, 2, 1, 3]), [groups * tokens, heads * d])
}

/**
 * The reference's WindowAttention on windows x [G·N, C] (G = B·nW windows of N tokens): qkv with
 * bias, scale head_dim^-0.5, + bias [G·H, N, N], softmax, output projection. One batched product per
 * step: Swin has many tiny groups, where a loop of 2-D products would cost more than it saves.
 */
export function windowAttention(x: tf.Tensor2D, groups: number, tokens: number, heads: number, w: AttentionWeights, bias: tf.Tensor3D): tf.Tensor2D {
  // Cut q | k | v out of whichever is smaller, the [C, 3C] weight (early stages, many tokens) or the
  // [G·N, 3C] projection (late stages, few tokens, wide weights), as row runs (pieces.ts).
  const [rows, width] = x.shape
  const third = (t: tf.Tensor, i: number) => tf.reshape(takeAxis1(tf.reshape(t, [-1, 3, width]), i, 1), [-1, width])
  let q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D
  // The bias thirds via Slice: wasm's fused product wants a bias allocated rank-1, not a reshaped piece.
  if (rows > width) [q, k, v] = [0, 1, 2].map((i) => linear(x, third(w.qkvW, i) as tf.Tensor2D, tf.slice(w.qkvB, [i * width], [width])))
  else {
    const qkv = linear(x, w.qkvW, w.qkvB)
    ;[q, k, v] = [0, 1, 2].map((i) => third(qkv, i) as tf.Tensor2D)
  }
  const scale = (x.shape[1] / heads) ** -0.5
  const split = (t: tf.Tensor2D) => splitHeads(t, groups, tokens, heads)
  const o = attentionCore(split(q), split(k), split(v), { scale, perGroup: false }, bias)
  return linear(mergeHeads(o, groups, tokens, heads), w.projW, w.projB)
}
