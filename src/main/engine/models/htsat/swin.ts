// HTS-AT's Swin pieces: the (shifted) window transformer block and patch merging, on token rows
// [B·res², C] (each sample's res×res map in row-major order, frequency rows first).
import * as tf from '@tensorflow/tfjs-core'
import type { Rng } from '../../util/rng'
import type { AttentionWeights } from '../layers/attention'
import { dropout, dropPath } from '../layers/dropout'
import { gelu } from '../layers/gelu'
import { layerNorm } from '../layers/layerNorm'
import { linear, matMul } from '../layers/linear'
import type { HtsatStage } from './config'
import { fromWindows, roll2d, toWindows, windowAttention, windowBias, type WindowConstants } from './windowAttention'

/** nn.LayerNorm's default eps, which HTS-AT uses everywhere. */
export const LN_EPS = 1e-5

export interface NormWeights {
  gamma: tf.Variable
  beta: tf.Variable
}

export interface SwinBlockWeights {
  norm1: NormWeights
  attn: AttentionWeights
  /** Relative position bias table [(2w-1)², H]. */
  table: tf.Variable
  norm2: NormWeights
  fc1W: tf.Variable
  fc1B: tf.Variable
  fc2W: tf.Variable
  fc2B: tf.Variable
}

export interface PatchMergeWeights {
  norm: NormWeights
  /** [4C, 2C], no bias. */
  reduction: tf.Variable
}

/** Randomness of one training pass; rates 0 (or training false) make the block deterministic. */
export interface BlockRegularisation {
  training: boolean
  dropout: number
  dropPath: number
  rng: Rng
}

export const norm = (x: tf.Tensor2D, w: NormWeights) => layerNorm(x, w.gamma as tf.Tensor1D, w.beta as tf.Tensor1D, LN_EPS)

/**
 * One SwinTransformerBlock: x + DropPath(W-MSA or SW-MSA(LN(x))), then x + DropPath(MLP(LN(x))).
 * `shifted` selects SW-MSA (odd blocks); stages whose window covers the map have shift 0 and no mask.
 */
export function swinBlock(
  x: tf.Tensor2D,
  batch: number,
  stage: HtsatStage,
  shifted: boolean,
  w: SwinBlockWeights,
  consts: WindowConstants,
  mask: tf.Tensor4D | null,
  reg: BlockRegularisation
): tf.Tensor2D {
  const { res, window: win, heads } = stage
  const shift = shifted ? stage.shift : 0
  const drop = <T extends tf.Tensor>(t: T) => (reg.training ? dropout(t, reg.dropout, reg.rng) : t)
  const branch = (t: tf.Tensor2D) => (reg.training ? dropPath(t, batch, reg.dropPath, reg.rng) : t)

  let h = norm(x, w.norm1)
  if (shift) h = roll2d(h, batch, res, -shift)
  const windows = (res / win) ** 2
  const bias = windowBias(consts.gatherBias(w.table as tf.Tensor2D), heads, win, batch, windows, shift ? mask : null)
  let a = drop(windowAttention(toWindows(h, batch, res, win), batch * windows, win * win, heads, w.attn, bias))
  a = fromWindows(a, batch, res, win)
  if (shift) a = roll2d(a, batch, res, shift)
  const y = tf.add(x, branch(a)) as tf.Tensor2D

  const hidden = drop(gelu(linear(norm(y, w.norm2), w.fc1W as tf.Tensor2D, w.fc1B as tf.Tensor1D)))
  const m = drop(linear(hidden, w.fc2W as tf.Tensor2D, w.fc2B as tf.Tensor1D))
  return tf.add(y, branch(m)) as tf.Tensor2D
}

/**
 * PatchMerging: each 2×2 neighbourhood concatenated as [x(0,0), x(1,0), x(0,1), x(1,1)] (row offset
 * fastest, as the reference's cat of x0..x3) → LayerNorm(4C) → Linear(4C → 2C). [B·res², C] → [B·(res/2)², 2C].
 */
export function patchMerge(x: tf.Tensor2D, batch: number, res: number, w: PatchMergeWeights): tf.Tensor2D {
  const c = x.shape[1]
  const half = res / 2
  // [B·res/2, dy, res/2, dx, C] → [B·res/2, res/2, dx, dy, C]
  const t = tf.transpose(tf.reshape(x, [batch * half, 2, half, 2, c]), [0, 2, 3, 1, 4])
  const rows = tf.reshape(t, [batch * half * half, 4 * c]) as tf.Tensor2D
  return matMul(norm(rows, w.norm), w.reduction as tf.Tensor2D)
}
