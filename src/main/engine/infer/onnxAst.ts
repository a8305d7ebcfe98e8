// The AST forward pass (YuanGongND/ast over timm 0.4.5 DeiT blocks) as an ONNX graph, written the way
// ORT runs it fastest: a real Conv for the patch embedding, one fused qkv MatMul per block, attention
// as MatMul + Softmax on [B, H, N, d], native LayerNormalization, and the erf GELU pattern that ORT
// fuses (see onnxGraph's selfAttention). The batch axis stays symbolic: every Reshape copies it with a 0.
import { astGrid, type AstConfig } from '../models/config'
import { linearResampleMatrix } from '../models/frameHead'
import { layerNorm, linear, mlp, selfAttention, type GraphBuilder, type WeightSource } from './onnxGraph'

/** The config fields the graph depends on (an AstConfig has them all). */
export type AstGraphSpec = Pick<AstConfig, 'embedDim' | 'depth' | 'heads' | 'fstride' | 'tstride' | 'melBins' | 'targetLength' | 'numClasses' | 'blockEps' | 'headEps'>

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
export function buildAstFrameHead(g: GraphBuilder, tokens: string, s: AstGraphSpec, w: WeightSource, frames: number): string {
  const D = s.embedDim
  const C = s.numClasses
  const { fDim, tDim } = astGrid(s)
  const patches = g.op('Slice', [tokens, g.ints([2]), g.ints([2 + fDim * tDim]), g.ints([1])])
  const grid = g.op('Reshape', [patches, g.ints([0, fDim, tDim, D])])
  const perTime = g.op('ReduceMean', [grid], { axes: [1], keepdims: 0 }, 'frame_head.pool')
  const logits = linear(g, perTime, 'frame_head', w('frame_head.weight', [C, D]), w('frame_head.bias', [C]), C, D)
  if (frames === tDim) return logits
  return g.op('MatMul', [g.weight('frame_head.resample', [frames, tDim], linearResampleMatrix(frames, tDim)), logits], {}, 'frame_head.resampled')
}

/** Builds AST from `fbank` [B, T, F] (already normalised) and returns the names of its outputs. */
export function buildAstGraph(g: GraphBuilder, fbank: string, s: AstGraphSpec, w: WeightSource): AstGraphOutputs {
  const D = s.embedDim
  const H = s.heads
  if (D % H !== 0) throw new Error(`AST export: embedDim ${D} is not divisible by heads ${H}`)
  const { fDim, tDim } = astGrid(s)
  const nPatches = fDim * tDim

  // (B, T, F) → (B, 1, F, T) → Conv → (B, D, fDim, tDim) → (B, fDim·tDim, D): the reference's patch order.
  const image = g.op('Unsqueeze', [g.op('Transpose', [fbank], { perm: [0, 2, 1] }), g.ints([1])])
  const conv = g.op('Conv', [image, g.weight('v.patch_embed.proj.weight', [D, 1, 16, 16], w('v.patch_embed.proj.weight', [D, 1, 16, 16])), g.weight('v.patch_embed.proj.bias', [D], w('v.patch_embed.proj.bias', [D]))], {
    kernel_shape: [16, 16],
    strides: [s.fstride, s.tstride]
  }, 'patch_embed')
  const patchesDN = g.op('Reshape', [conv, g.ints([0, D, nPatches])])
  const patches = g.op('Transpose', [patchesDN], { perm: [0, 2, 1] })

  // Position embeddings are constants: add the token part to cls/dist once at export time.
  const pos = w('v.pos_embed', [1, nPatches + 2, D])
  const tokens = new Float32Array(2 * D)
  const cls = w('v.cls_token', [1, 1, D])
  const dist = w('v.dist_token', [1, 1, D])
  for (let i = 0; i < D; i++) {
    tokens[i] = cls[i] + pos[i]
    tokens[D + i] = dist[i] + pos[D + i]
  }
  const patchPos = g.weight('v.pos_embed.patches', [1, nPatches, D], pos.slice(2 * D))
  const placed = g.op('Add', [patches, patchPos])
  const batch = g.op('Shape', [fbank], { start: 0, end: 1 }, 'batch')
  const tokenShape = g.op('Concat', [batch, g.ints([2, D])], { axis: 0 })
  const lead = g.op('Expand', [g.weight('v.tokens_plus_pos', [1, 2, D], tokens), tokenShape])
  let x = g.op('Concat', [lead, placed], { axis: 1 }, 'tokens')

  for (let i = 0; i < s.depth; i++) {
    const p = `v.blocks.${i}`
    const h = layerNorm(g, x, `${p}.norm1`, w(`${p}.norm1.weight`, [D]), w(`${p}.norm1.bias`, [D]), s.blockEps)
    const attn = selfAttention(g, h, `${p}.attn`, w, D, H)
    x = g.op('Add', [x, attn], {}, `${p}.res1`)
    const h2 = layerNorm(g, x, `${p}.norm2`, w(`${p}.norm2.weight`, [D]), w(`${p}.norm2.bias`, [D]), s.blockEps)
    x = g.op('Add', [x, mlp(g, h2, `${p}.mlp`, w, D, 4 * D)], {}, `${p}.res2`)
  }
  const normed = layerNorm(g, x, 'v.norm', w('v.norm.weight', [D]), w('v.norm.bias', [D]), s.blockEps)

  // (x[:, 0] + x[:, 1]) / 2 → LayerNorm(headEps) → Linear.
  const pair = g.op('Slice', [normed, g.ints([0]), g.ints([2]), g.ints([1])])
  const embedding = g.op('ReduceMean', [pair], { axes: [1], keepdims: 0 }, 'pooled')
  const headIn = layerNorm(g, embedding, 'mlp_head.0', w('mlp_head.0.weight', [D]), w('mlp_head.0.bias', [D]), s.headEps)
  const C = s.numClasses
  const logits = g.op('Gemm', [headIn, g.weight('mlp_head.1.weight', [C, D], w('mlp_head.1.weight', [C, D])), g.weight('mlp_head.1.bias', [C], w('mlp_head.1.bias', [C]))], { transB: 1 }, 'head')
  return { logits, embedding, tokens: normed }
}
