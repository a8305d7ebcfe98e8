// HTS-AT (models/htsat, after RetroCirce/HTS-Audio-Transformer) as an ONNX graph: bn0 folded into one
// scale and shift per mel bin, the bicubic time resize as a constant MatMul, reshape_wav2img and the
// 4×4 patch conv as a real Conv, Swin stages on [B, res, res, C] maps (cyclic shifts as Slice +
// Concat, window partition as Reshape + Transpose, relative position bias and shift mask as one
// constant added to the scores), patch merging, and the token-semantic Conv2d as a real Conv.
// The same definition builds the ORT training graph (train/ort/htsatTrainGraph.ts) when its
// ParamBinding makes the parameters graph inputs: bn0 then normalises with the batch's statistics
// (and outputs them, for the running ones), the relative position bias is a Gather of the table,
// and both convs are Reshape/Transpose (+ zero-padded taps) and a MatMul, whose gradients are plain
// ONNX ops; dropout and drop-path masks come in as inputs in the tfjs model's draw order.
import { linearResampleMatrix } from '../frameHead'
import { htsatGeometry, type HtsatConfig, type HtsatStage } from './config'
import { bicubicResizeMatrix } from './image'
import { BN_EPS } from './melBatchNorm'
import { LN_EPS } from './swin'
import { relativePositionIndex, shiftMask } from './windowAttention'
import { constantBinding, layerNorm, linear, masked, mlp, selfAttention, type GraphBuilder, type ParamBinding, type WeightSource } from '../../infer/onnxGraph'

export interface HtsatGraphOutputs {
  logits: string
  embedding: string
  frameLogits: string
  /** Training graphs: bn0's batch mean and (biased) variance, [1, 1, F] each, for the running statistics. */
  batchStats?: { mean: string; variance: string }
}

/** The regularisation of one training graph: dropout rate and each block's drop-path rate. */
interface Regularisation {
  dropout: number
  dropPath: number
}

const ln = (g: GraphBuilder, x: string, name: string, P: ParamBinding, dim: number) => layerNorm(g, P, x, name, dim, LN_EPS)

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

/**
 * The trained score bias of one block (training graphs): the table [rows, H] gathered to [N·N, H],
 * as [H, N, N], plus the constant shift mask [nW, 1, N, N] when shifted.
 */
function trainedWindowBias(g: GraphBuilder, P: ParamBinding, name: string, stage: HtsatStage, shift: number): string {
  const { window: win, heads: H, res } = stage
  const n = win * win
  const table = P.tensor(`${name}.attn.relative_position_bias_table`, [(2 * win - 1) ** 2, H])
  const gathered = g.op('Gather', [table, g.ints(Array.from(relativePositionIndex(win)), 'relative_index')], { axis: 0 }, `${name}.attn.rel_bias`)
  const rel = g.op('Reshape', [g.op('Transpose', [gathered], { perm: [1, 0] }), g.ints([H, n, n])])
  if (!shift) return rel
  const nW = (res / win) ** 2
  const maskName = `shift_mask_${res}_${win}_${shift}`
  const mask = g.dimsOf(maskName) ? maskName : g.weight(maskName, [nW, 1, n, n], shiftMask(res, win, shift))
  return g.op('Add', [rel, mask])
}

/** One Swin block on x [B, res², C]. */
function swinBlock(g: GraphBuilder, x: string, name: string, stage: HtsatStage, shift: number, mlpRatio: number, P: ParamBinding, reg: Regularisation): string {
  const { res, window: win, heads: H, dim: C } = stage
  const per = res / win
  const n = win * win
  const B = P.batch ?? 0
  let h = g.op('Reshape', [ln(g, x, `${name}.norm1`, P, C), g.ints([0, res, res, C])])
  if (shift) h = roll(g, h, res, -shift)
  // window_partition: [B, res, res, C] → [B·nW, N, C], windows and their tokens row-major.
  const parted = g.op('Transpose', [g.op('Reshape', [h, g.ints([0, per, win, per, win, C])])], { perm: [0, 1, 3, 2, 4, 5] })
  const windows = g.op('Reshape', [parted, g.ints([-1, n, C])])
  const rows = (2 * win - 1) ** 2
  let biasName: string
  if (P.host) {
    const bias = windowBias(P.host(`${name}.attn.relative_position_bias_table`, [rows, H]), stage, shift)
    biasName = g.weight(`${name}.attn.bias`, bias.dims, bias.data)
  } else biasName = trainedWindowBias(g, P, name, stage, shift)
  const addBias = (scores: string) =>
    shift
      ? // Scores [B·nW, H, N, N] → [B, nW, H, N, N] so each window gets its own mask.
        g.op('Reshape', [g.op('Add', [g.op('Reshape', [scores, g.ints([-1, per * per, H, n, n])]), biasName]), g.ints([-1, H, n, n])])
      : g.op('Add', [scores, biasName])
  // Dropout on the attention output (window order, as the tfjs model draws it), then drop-path.
  const attn = masked(g, selfAttention(g, P, windows, `${name}.attn`, C, H, addBias), P.mask([B * per * per, n, C], reg.dropout))
  // window_reverse back to [B, res, res, C].
  const merged = g.op('Transpose', [g.op('Reshape', [attn, g.ints([-1, per, per, win, win, C])])], { perm: [0, 1, 3, 2, 4, 5] })
  let a = g.op('Reshape', [merged, g.ints([-1, res, res, C])])
  if (shift) a = roll(g, a, res, shift)
  const y = g.op('Add', [x, masked(g, g.op('Reshape', [a, g.ints([-1, res * res, C])]), P.mask([B, 1, 1], reg.dropPath))], {}, `${name}.res1`)
  const hidden = Math.floor(C * mlpRatio)
  const hiddenMask = P.mask([B, res * res, hidden], reg.dropout)
  const m = mlp(g, P, ln(g, y, `${name}.norm2`, P, C), `${name}.mlp`, C, hidden, hiddenMask)
  return g.op('Add', [y, masked(g, masked(g, m, P.mask([B, res * res, C], reg.dropout)), P.mask([B, 1, 1], reg.dropPath))], {}, `${name}.res2`)
}

/** PatchMerging: [B, res², C] → [B, (res/2)², 2C], 2×2 neighbours concatenated as the reference's x0..x3. */
function patchMerge(g: GraphBuilder, x: string, name: string, res: number, C: number, P: ParamBinding): string {
  const half = res / 2
  const t = g.op('Transpose', [g.op('Reshape', [x, g.ints([-1, 2, half, 2, C])])], { perm: [0, 2, 3, 1, 4] })
  const rows = g.op('Reshape', [t, g.ints([-1, half * half, 4 * C])])
  const normed = ln(g, rows, `${name}.norm`, P, 4 * C)
  return linear(g, P, normed, `${name}.reduction`, 2 * C, 4 * C, false)
}

/** Builds HTS-AT from `fbank` [B, T, F] (log-mel, unnormalised: bn0 is in the graph). */
export function buildHtsatGraph(g: GraphBuilder, fbank: string, c: HtsatConfig, w: WeightSource | ParamBinding, frameHeadFrames: number | null): HtsatGraphOutputs {
  const P = typeof w === 'function' ? constantBinding(g, w) : w
  const geo = htsatGeometry(c)
  const F = c.melBins
  const S = c.specSize
  const r = geo.freqRatio
  const B = P.batch ?? 0

  let x: string
  let batchStats: HtsatGraphOutputs['batchStats']
  if (P.host) {
    // bn0 (eval): x · γ/√(var + eps) + (β - mean · γ/√(var + eps)), per mel bin.
    const gamma = P.host('bn0.weight', [F])
    const beta = P.host('bn0.bias', [F])
    const mean = P.host('bn0.running_mean', [F])
    const variance = P.host('bn0.running_var', [F])
    const scale = Float32Array.from(gamma, (gm, i) => gm / Math.sqrt(variance[i] + BN_EPS))
    const shift = Float32Array.from(beta, (b, i) => b - mean[i] * scale[i])
    x = g.op('Add', [g.op('Mul', [fbank, g.weight('bn0.scale', [F], scale)]), g.weight('bn0.shift', [F], shift)], {}, 'bn0')
  } else {
    // bn0 (training, models/htsat/melBatchNorm): the batch's mean and biased variance per mel bin.
    const mean = g.op('ReduceMean', [fbank], { axes: [0, 1], keepdims: 1 }, 'bn0.mean')
    const centred = g.op('Sub', [fbank, mean])
    const variance = g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes: [0, 1], keepdims: 1 }, 'bn0.var')
    const normed = g.op('Div', [centred, g.op('Sqrt', [g.op('Add', [variance, g.scalar(BN_EPS)])])])
    x = g.op('Add', [g.op('Mul', [normed, P.tensor('bn0.weight', [F])]), P.tensor('bn0.bias', [F])], {}, 'bn0')
    batchStats = { mean, variance }
  }
  if (c.targetLength < geo.imageFrames)
    x = g.op('MatMul', [g.weight('resize_time', [geo.imageFrames, c.targetLength], bicubicResizeMatrix(geo.imageFrames, c.targetLength)), x], {}, 'resize')

  // reshape_wav2img: [B, r·S, F] → [B, r, F, S] → image [B, 1, S, S] (row chunk·F + f, column t).
  const image = g.op('Reshape', [g.op('Transpose', [g.op('Reshape', [x, g.ints([0, r, S, F])])], { perm: [0, 1, 3, 2] }), g.ints([0, 1, S, S])])
  const D0 = c.embedDim
  const p = c.patchSize
  const cells = geo.grid * geo.grid
  let tokens: string
  if (P.host) {
    const conv = g.op('Conv', [image, P.tensor('patch_embed.proj.weight', [D0, 1, p, p]), P.tensor('patch_embed.proj.bias', [D0])], {
      kernel_shape: [p, p],
      strides: [p, p]
    }, 'patch_embed')
    tokens = g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, D0, cells])])], { perm: [0, 2, 1] })
  } else {
    // The non-overlapping p×p conv as its patches ([B, cells, p·p], taps in (kh, kw) order) times [p·p, D0].
    const tiles = g.op('Transpose', [g.op('Reshape', [image, g.ints([0, geo.grid, p, geo.grid, p])])], { perm: [0, 1, 3, 2, 4] })
    tokens = linear(g, P, g.op('Reshape', [tiles, g.ints([0, cells, p * p])], {}, 'patches'), 'patch_embed.proj', D0, p * p)
  }
  let h = masked(g, ln(g, tokens, 'patch_embed.norm', P, D0), P.mask([B, cells, D0], c.dropout))

  // Stochastic depth: linspace(0, dropPath, all blocks), as models/htsat/model.ts.
  const totalBlocks = c.depths.reduce((a, b) => a + b, 0)
  let k = 0
  geo.stages.forEach((stage, i) => {
    for (let j = 0; j < stage.depth; j++) {
      const dropPath = totalBlocks > 1 ? (c.dropPath * k++) / (totalBlocks - 1) : 0
      h = swinBlock(g, h, `layers.${i}.blocks.${j}`, stage, j % 2 === 1 ? stage.shift : 0, c.mlpRatio, P, { dropout: c.dropout, dropPath })
    }
    if (i < geo.stages.length - 1) h = patchMerge(g, h, `layers.${i}.downsample`, stage.res, stage.dim, P)
  })
  const Cf = geo.numFeatures
  const side = geo.finalRes
  const normed = ln(g, h, 'norm', P, Cf)
  const embedding = g.op('ReduceMean', [normed], { axes: [1], keepdims: 0 }, 'embedding')

  // Token-semantic module: regroup to [B, Cf, F', r·side] (step chunk·side + t reads row chunk·F' + f),
  // then Conv2d(Cf, classes, (F', 3), padding (0, 1)) → [B, classes, 1, T'].
  const fPrime = geo.tscamHeight
  const K = c.numClasses
  const steps = geo.outFrames
  const grid = g.op('Reshape', [normed, g.ints([0, r, fPrime, side, Cf])])
  let frames: string
  if (P.host) {
    const regrouped = g.op('Reshape', [g.op('Transpose', [grid], { perm: [0, 4, 2, 1, 3] }), g.ints([0, Cf, fPrime, r * side])])
    const tscam = g.op('Conv', [regrouped, P.tensor('tscam_conv.weight', [K, Cf, fPrime, 3]), P.tensor('tscam_conv.bias', [K])], {
      kernel_shape: [fPrime, 3],
      pads: [0, 1, 0, 1]
    }, 'tscam')
    frames = g.op('Transpose', [g.op('Reshape', [tscam, g.ints([0, K, steps])])], { perm: [0, 2, 1] }, 'tscam_frames')
  } else {
    // The conv spans all F' rows: per step, the (c, f) columns of the 3 neighbouring steps (zero
    // padded at both ends) times the kernel as a [Cf·F'·3, K] matrix (tokenSemantic.ts).
    const width = Cf * fPrime
    const seq = g.op('Reshape', [g.op('Transpose', [grid], { perm: [0, 1, 3, 4, 2] }), g.ints([B, steps, width])])
    const zeros = g.op('Expand', [g.scalar(0), g.ints([B, 1, width])])
    const padded = g.op('Concat', [zeros, seq, zeros], { axis: 1 })
    const taps = [0, 1, 2].map((t) => g.op('Unsqueeze', [g.op('Slice', [padded, g.ints([t]), g.ints([t + steps]), g.ints([1])]), g.ints([3])]))
    const cols = g.op('Reshape', [g.op('Concat', taps, { axis: 3 }), g.ints([B, steps, width * 3])], {}, 'tscam_cols')
    frames = linear(g, P, cols, 'tscam_conv', K, width * 3)
  }
  const logits = g.op('ReduceMean', [frames], { axes: [1], keepdims: 0 }, 'clip_logits')
  const frameLogits =
    frameHeadFrames !== null && frameHeadFrames !== steps
      ? g.op('MatMul', [g.weight('frame_head.resample', [frameHeadFrames, steps], linearResampleMatrix(frameHeadFrames, steps)), frames], {}, 'frame_resampled')
      : frames
  return batchStats ? { logits, embedding, frameLogits, batchStats } : { logits, embedding, frameLogits }
}
