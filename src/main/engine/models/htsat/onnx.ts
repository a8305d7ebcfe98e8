// HTS-AT (models/htsat, after RetroCirce/HTS-Audio-Transformer) as an ONNX graph: bn0 folded into one
// scale and shift per mel bin, the bicubic time resize as a constant MatMul, reshape_wav2img and the
// 4×4 patch conv as a real Conv, Swin stages on [B, res, res, C] maps (cyclic shifts as Slice +
// Concat, window partition as Reshape + Transpose, relative position bias and shift mask as one
// constant added to the scores), patch merging, and the token-semantic Conv2d as a real Conv.
import { linearResampleMatrix } from '../frameHead'
import { htsatGeometry, type HtsatConfig, type HtsatStage } from './config'
import { bicubicResizeMatrix } from './image'
import { BN_EPS } from './melBatchNorm'
import { LN_EPS } from './swin'
import { relativePositionIndex, shiftMask } from './windowAttention'
import { constantBinding, layerNorm, linear, mlp, selfAttention, type GraphBuilder, type WeightSource } from '../../infer/onnxGraph'

export interface HtsatGraphOutputs {
  logits: string
  embedding: string
  frameLogits: string
}

const ln = (g: GraphBuilder, x: string, name: string, w: WeightSource, dim: number) =>
  layerNorm(g, constantBinding(g, w), x, name, dim, LN_EPS)

/** torch.roll(maps, (s, s), dims=(1, 2)) on [B, res, res, C]; s may be negative. */
function roll(g: GraphBuilder, x: string, res: number, s: number): string {
  const k = ((s % res) + res) % res
  let out = x
  for (const axis of [1, 2]) {
    const head = g.op('Slice', [out, g.ints([res - k]), g.ints([res]), g.ints([axis])])
    const tail = g.op('Slice', [out, g.ints([0]), g.ints([res - k]), g.ints([axis])])
    out = g.op('Concat', [head, tail], { axis })
  }
  return out
}

/**
 * The additive score bias of one block's window attention: relative position bias [H, N, N]
 * (gathered from the table at export time), plus the shift mask of each window when shifted, as
 * [nW, H, N, N].
 */
function windowBias(table: Float32Array, stage: HtsatStage, shift: number): { dims: number[]; data: Float32Array } {
  const { window: win, heads: H, res } = stage
  const n = win * win
  const idx = relativePositionIndex(win)
  const rel = new Float32Array(H * n * n)
  for (let h = 0; h < H; h++) for (let k = 0; k < n * n; k++) rel[h * n * n + k] = table[idx[k] * H + h]
  if (!shift) return { dims: [H, n, n], data: rel }
  const nW = (res / win) ** 2
  const mask = shiftMask(res, win, shift)
  const out = new Float32Array(nW * H * n * n)
  for (let wi = 0; wi < nW; wi++)
    for (let h = 0; h < H; h++)
      for (let k = 0; k < n * n; k++) out[(wi * H + h) * n * n + k] = rel[h * n * n + k] + mask[wi * n * n + k]
  return { dims: [nW, H, n, n], data: out }
}

/** One Swin block on x [B, res², C]. */
function swinBlock(g: GraphBuilder, x: string, name: string, stage: HtsatStage, shift: number, mlpRatio: number, w: WeightSource): string {
  const { res, window: win, heads: H, dim: C } = stage
  const per = res / win
  const n = win * win
  let h = g.op('Reshape', [ln(g, x, `${name}.norm1`, w, C), g.ints([0, res, res, C])])
  if (shift) h = roll(g, h, res, -shift)
  // window_partition: [B, res, res, C] → [B·nW, N, C], windows and their tokens row-major.
  const parted = g.op('Transpose', [g.op('Reshape', [h, g.ints([0, per, win, per, win, C])])], { perm: [0, 1, 3, 2, 4, 5] })
  const windows = g.op('Reshape', [parted, g.ints([-1, n, C])])
  const rows = (2 * win - 1) ** 2
  const bias = windowBias(w(`${name}.attn.relative_position_bias_table`, [rows, H]), stage, shift)
  const biasName = g.weight(`${name}.attn.bias`, bias.dims, bias.data)
  const addBias = (scores: string) =>
    shift
      ? // Scores [B·nW, H, N, N] → [B, nW, H, N, N] so each window gets its own mask.
        g.op('Reshape', [g.op('Add', [g.op('Reshape', [scores, g.ints([-1, per * per, H, n, n])]), biasName]), g.ints([-1, H, n, n])])
      : g.op('Add', [scores, biasName])
  const attn = selfAttention(g, constantBinding(g, w), windows, `${name}.attn`, C, H, addBias)
  // window_reverse back to [B, res, res, C].
  const merged = g.op('Transpose', [g.op('Reshape', [attn, g.ints([-1, per, per, win, win, C])])], { perm: [0, 1, 3, 2, 4, 5] })
  let a = g.op('Reshape', [merged, g.ints([-1, res, res, C])])
  if (shift) a = roll(g, a, res, shift)
  const y = g.op('Add', [x, g.op('Reshape', [a, g.ints([-1, res * res, C])])], {}, `${name}.res1`)
  const hidden = Math.floor(C * mlpRatio)
  return g.op('Add', [y, mlp(g, constantBinding(g, w), ln(g, y, `${name}.norm2`, w, C), `${name}.mlp`, C, hidden)], {}, `${name}.res2`)
}

/** PatchMerging: [B, res², C] → [B, (res/2)², 2C], 2×2 neighbours concatenated as the reference's x0..x3. */
function patchMerge(g: GraphBuilder, x: string, name: string, res: number, C: number, w: WeightSource): string {
  const half = res / 2
  const t = g.op('Transpose', [g.op('Reshape', [x, g.ints([-1, 2, half, 2, C])])], { perm: [0, 2, 3, 1, 4] })
  const rows = g.op('Reshape', [t, g.ints([-1, half * half, 4 * C])])
  const normed = ln(g, rows, `${name}.norm`, w, 4 * C)
  return linear(g, constantBinding(g, w), normed, `${name}.reduction`, 2 * C, 4 * C, false)
}

/** Builds HTS-AT from `fbank` [B, T, F] (log-mel, unnormalised: bn0 is in the graph). */
export function buildHtsatGraph(g: GraphBuilder, fbank: string, c: HtsatConfig, w: WeightSource, frameHeadFrames: number | null): HtsatGraphOutputs {
  const geo = htsatGeometry(c)
  const F = c.melBins
  const S = c.specSize
  const r = geo.freqRatio

  // bn0 (eval): x · γ/√(var + eps) + (β - mean · γ/√(var + eps)), per mel bin.
  const gamma = w('bn0.weight', [F])
  const beta = w('bn0.bias', [F])
  const mean = w('bn0.running_mean', [F])
  const variance = w('bn0.running_var', [F])
  const scale = Float32Array.from(gamma, (gm, i) => gm / Math.sqrt(variance[i] + BN_EPS))
  const shift = Float32Array.from(beta, (b, i) => b - mean[i] * scale[i])
  let x = g.op('Add', [g.op('Mul', [fbank, g.weight('bn0.scale', [F], scale)]), g.weight('bn0.shift', [F], shift)], {}, 'bn0')
  if (c.targetLength < geo.imageFrames)
    x = g.op('MatMul', [g.weight('resize_time', [geo.imageFrames, c.targetLength], bicubicResizeMatrix(geo.imageFrames, c.targetLength)), x], {}, 'resize')

  // reshape_wav2img: [B, r·S, F] → [B, r, F, S] → image [B, 1, S, S] (row chunk·F + f, column t).
  const image = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [x, g.ints([0, r, S, F])])], { perm: [0, 1, 3, 2] }), g.ints([0, 1, S, S])])
  const D0 = c.embedDim
  const p = c.patchSize
  const conv = g.op('Conv', [image, g.weight('patch_embed.proj.weight', [D0, 1, p, p], w('patch_embed.proj.weight', [D0, 1, p, p])), g.weight('patch_embed.proj.bias', [D0], w('patch_embed.proj.bias', [D0]))], {
    kernel_shape: [p, p],
    strides: [p, p]
  }, 'patch_embed')
  const tokens = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, D0, geo.grid * geo.grid])])], { perm: [0, 2, 1] })
  let h = ln(g, tokens, 'patch_embed.norm', w, D0)

  geo.stages.forEach((stage, i) => {
    for (let j = 0; j < stage.depth; j++) h = swinBlock(g, h, `layers.${i}.blocks.${j}`, stage, j % 2 === 1 ? stage.shift : 0, c.mlpRatio, w)
    if (i < geo.stages.length - 1) h = patchMerge(g, h, `layers.${i}.downsample`, stage.res, stage.dim, w)
  })
  const Cf = geo.numFeatures
  const side = geo.finalRes
  const normed = ln(g, h, 'norm', w, Cf)
  const embedding = g.op('ReduceMean', [normed], { axes: [1], keepdims: 0 }, 'embedding')

  // Token-semantic module: regroup to [B, Cf, F', r·side] (step chunk·side + t reads row chunk·F' + f),
  // then Conv2d(Cf, classes, (F', 3), padding (0, 1)) → [B, classes, 1, T'].
  const fPrime = geo.tscamHeight
  const K = c.numClasses
  const grid = g.op('Reshape', [normed, g.ints([0, r, fPrime, side, Cf])])
  const regrouped = g.op('Reshape', [g.op('Transpose', [grid], { perm: [0, 4, 2, 1, 3] }), g.ints([0, Cf, fPrime, r * side])])
  const tscam = g.op('Conv', [regrouped, g.weight('tscam_conv.weight', [K, Cf, fPrime, 3], w('tscam_conv.weight', [K, Cf, fPrime, 3])), g.weight('tscam_conv.bias', [K], w('tscam_conv.bias', [K]))], {
    kernel_shape: [fPrime, 3],
    pads: [0, 1, 0, 1]
  }, 'tscam')
  const steps = geo.outFrames
  const frames = g.op('Transpose', [g.op('Reshape', [tscam, g.ints([0, K, steps])])], { perm: [0, 2, 1] }, 'tscam_frames')
  const logits = g.op('ReduceMean', [frames], { axes: [1], keepdims: 0 }, 'clip_logits')
  const frameLogits =
    frameHeadFrames !== null && frameHeadFrames !== steps
      ? g.op('MatMul', [g.weight('frame_head.resample', [frameHeadFrames, steps], linearResampleMatrix(frameHeadFrames, steps)), frames], {}, 'frame_resampled')
      : frames
  return { logits, embedding, frameLogits }
}
