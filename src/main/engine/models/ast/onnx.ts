// The AST forward pass (YuanGongND/ast over timm 0.4.5 DeiT blocks) as an ONNX graph: the one
// definition both the ONNX export and the ORT training graph (train/ort) are built from. How the
// parameters enter is the binding's business (onnxGraph's ParamBinding): constants for the export,
// which is written the way ORT runs it fastest (a real Conv for the patch embedding, the attention
// scale and the cls/dist position terms folded on the host, a Gemm head), graph inputs for training,
// where the patch embedding is a constant Gather of the input's 16×16 patches and a MatMul (Conv's
// weight gradient is no ONNX op; the gather only touches the input). Attention runs as MatMul +
// Softmax on [B, H, N, d], with native LayerNormalization and the erf GELU that ORT fuses. In the
// export the batch axis stays symbolic: every Reshape copies it with a 0.
import { AST_PATCH, astGrid, type AstConfig } from './config'
import { astPatchIndices } from './model'
import { linearResampleMatrix } from '../frameHead'
import { constantBinding, layerNorm, linear, masked, mlp, selfAttention, type GraphBuilder, type ParamBinding, type WeightSource } from '../../infer/onnxGraph'

/** The config fields the graph depends on (an AstConfig has them all; dropout rates default to 0). */
export type AstGraphSpec = Pick<AstConfig, 'embedDim' | 'depth' | 'heads' | 'fstride' | 'tstride' | 'melBins' | 'targetLength' | 'numClasses' | 'blockEps' | 'headEps'> &
  Partial<Pick<AstConfig, 'dropout' | 'dropPath'>>

export interface AstGraphOutputs {
  logits: string
  embedding: string
  /** The final-normed token sequence [B, 2 + fDim·tDim, D], for a frame head. */
  tokens: string
}

/**
 * models/frameHead.ts's AST head: patch tokens (no cls/dist) → mean over frequency → Linear(D, C) per
 * time step → [B, tDim, C], then linear resampling to `frames` steps by a constant [frames, tDim]
 * matrix (MatMul broadcasts it over the batch).
 */
export function buildAstFrameHead(g: GraphBuilder, tokens: string, s: AstGraphSpec, w: WeightSource | ParamBinding, frames: number): string {
  const P = typeof w === 'function' ? constantBinding(g, w) : w
  const D = s.embedDim
  const C = s.numClasses
  const { fDim, tDim } = astGrid(s)
  const patches = g.op('Slice', [tokens, g.ints([2]), g.ints([2 + fDim * tDim]), g.ints([1])])
  const grid = g.op('Reshape', [patches, g.ints([0, fDim, tDim, D])])
  const perTime = g.op('ReduceMean', [grid], { axes: [1], keepdims: 0 }, 'frame_head.pool')
  const logits = linear(g, P, perTime, 'frame_head', C, D)
  if (frames === tDim) return logits
  return g.op('MatMul', [g.weight('frame_head.resample', [frames, tDim], linearResampleMatrix(frames, tDim)), logits], {}, 'frame_head.resampled')
}

/** fbank [B, T, F] → patch embeddings [B, fDim·tDim, D] in the reference's patch order. */
function patchEmbed(g: GraphBuilder, P: ParamBinding, fbank: string, s: AstGraphSpec): string {
  const D = s.embedDim
  const { fDim, tDim } = astGrid(s)
  const nPatches = fDim * tDim
  const kk = AST_PATCH * AST_PATCH
  if (P.host) {
    // (B, T, F) → (B, 1, F, T) → Conv → (B, D, fDim, tDim) → (B, fDim·tDim, D).
    const image = g.op('Unsqueeze', [g.op('Transpose', [fbank], { perm: [0, 2, 1] }), g.ints([1])])
    const conv = g.op('Conv', [image, P.tensor('v.patch_embed.proj.weight', [D, 1, AST_PATCH, AST_PATCH]), P.tensor('v.patch_embed.proj.bias', [D])], {
      kernel_shape: [AST_PATCH, AST_PATCH],
      strides: [s.fstride, s.tstride]
    }, 'patch_embed')
    return g.op('Transpose', [g.op('Reshape', [conv, g.ints([0, D, nPatches])])], { perm: [0, 2, 1] })
  }
  // Training: the patches gathered from the flat input, then the conv as one [256, D] product.
  const flat = g.op('Reshape', [fbank, g.ints([0, s.targetLength * s.melBins])])
  const indices = g.ints(Array.from(astPatchIndices(s)), 'patch_indices')
  const cols = g.op('Reshape', [g.op('Gather', [flat, indices], { axis: 1 }), g.ints([0, nPatches, kk])], {}, 'patches')
  return linear(g, P, cols, 'v.patch_embed.proj', D, kk)
}

/**
 * cls and dist tokens with their position terms, [1, 2, D], and the patches' position terms
 * [1, nPatches, D]. Constant weights are folded on the host; trained ones are sliced in the graph.
 */
function positions(g: GraphBuilder, P: ParamBinding, D: number, nPatches: number): { lead: string; patchPos: string } {
  if (P.host) {
    const pos = P.host('v.pos_embed', [1, nPatches + 2, D])
    const cls = P.host('v.cls_token', [1, 1, D])
    const dist = P.host('v.dist_token', [1, 1, D])
    const tokens = new Float32Array(2 * D)
    for (let i = 0; i < D; i++) {
      tokens[i] = cls[i] + pos[i]
      tokens[D + i] = dist[i] + pos[D + i]
    }
    return { lead: g.weight('v.tokens_plus_pos', [1, 2, D], tokens), patchPos: g.weight('v.pos_embed.patches', [1, nPatches, D], pos.slice(2 * D)) }
  }
  const pos = P.tensor('v.pos_embed', [1, nPatches + 2, D])
  const two = g.op('Concat', [P.tensor('v.cls_token', [1, 1, D]), P.tensor('v.dist_token', [1, 1, D])], { axis: 1 })
  const lead = g.op('Add', [two, g.op('Slice', [pos, g.ints([0]), g.ints([2]), g.ints([1])])])
  return { lead, patchPos: g.op('Slice', [pos, g.ints([2]), g.ints([nPatches + 2]), g.ints([1])]) }
}

/** Builds AST from `fbank` [B, T, F] (already normalised) and returns the names of its outputs. */
export function buildAstGraph(g: GraphBuilder, fbank: string, s: AstGraphSpec, w: WeightSource | ParamBinding): AstGraphOutputs {
  const P = typeof w === 'function' ? constantBinding(g, w) : w
  const D = s.embedDim
  const H = s.heads
  if (D % H !== 0) throw new Error(`AST export: embedDim ${D} is not divisible by heads ${H}`)
  const { fDim, tDim } = astGrid(s)
  const nPatches = fDim * tDim
  const N = nPatches + 2
  const B = P.batch ?? 0

  const patches = patchEmbed(g, P, fbank, s)
  const { lead, patchPos } = positions(g, P, D, nPatches)
  const placed = g.op('Add', [patches, patchPos])
  const tokenShape = P.batch !== null ? g.ints([P.batch, 2, D]) : g.op('Concat', [g.op('Shape', [fbank], { start: 0, end: 1 }, 'batch'), g.ints([2, D])], { axis: 0 })
  let x = g.op('Concat', [g.op('Expand', [lead, tokenShape]), placed], { axis: 1 }, 'tokens')

  // Dropout masks in the tfjs model's draw order (./model.ts, trunk): after the position
  // embedding; then per block the attention output, its drop-path, the MLP's hidden units, the MLP
  // output and its drop-path. timm's drop-path rate rises linearly from 0 to dropPath over the blocks.
  const drop = s.dropout ?? 0
  const dpr = (i: number) => (s.depth > 1 ? ((s.dropPath ?? 0) * i) / (s.depth - 1) : (s.dropPath ?? 0))
  x = masked(g, x, P.mask([B, N, D], drop))
  for (let i = 0; i < s.depth; i++) {
    const p = `v.blocks.${i}`
    const attn = selfAttention(g, P, layerNorm(g, P, x, `${p}.norm1`, D, s.blockEps), `${p}.attn`, D, H)
    x = g.op('Add', [x, masked(g, masked(g, attn, P.mask([B, N, D], drop)), P.mask([B, 1, 1], dpr(i)))], {}, `${p}.res1`)
    const hiddenMask = P.mask([B, N, 4 * D], drop)
    const m = mlp(g, P, layerNorm(g, P, x, `${p}.norm2`, D, s.blockEps), `${p}.mlp`, D, 4 * D, hiddenMask)
    x = g.op('Add', [x, masked(g, masked(g, m, P.mask([B, N, D], drop)), P.mask([B, 1, 1], dpr(i)))], {}, `${p}.res2`)
  }
  const normed = layerNorm(g, P, x, 'v.norm', D, s.blockEps)

  // (x[:, 0] + x[:, 1]) / 2 → LayerNorm(headEps) → Linear.
  const pair = g.op('Slice', [normed, g.ints([0]), g.ints([2]), g.ints([1])])
  const embedding = g.op('ReduceMean', [pair], { axes: [1], keepdims: 0 }, 'pooled')
  const headIn = layerNorm(g, P, embedding, 'mlp_head.0', D, s.headEps)
  const C = s.numClasses
  const logits = P.host
    ? g.op('Gemm', [headIn, P.tensor('mlp_head.1.weight', [C, D]), P.tensor('mlp_head.1.bias', [C])], { transB: 1 }, 'head')
    : linear(g, P, headIn, 'mlp_head.1', C, D)
  return { logits, embedding, tokens: normed }
}
