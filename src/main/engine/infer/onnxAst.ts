// The AST forward pass (YuanGongND/ast over timm 0.4.5 DeiT blocks) as an ONNX graph, written the way
// ORT runs it fastest: a real Conv for the patch embedding, one fused qkv MatMul per block, attention
// as MatMul + Softmax on [B, H, N, d], native LayerNormalization, and the erf GELU pattern that ORT
// fuses. The batch axis stays symbolic: every Reshape copies it with a 0.
import { astGrid, type AstConfig } from '../models/config'
import { gelu, layerNorm, linear, type GraphBuilder, type WeightSource } from './onnxGraph'

/** The config fields the graph depends on (an AstConfig has them all). */
export type AstGraphSpec = Pick<AstConfig, 'embedDim' | 'depth' | 'heads' | 'fstride' | 'tstride' | 'melBins' | 'targetLength' | 'numClasses' | 'blockEps' | 'headEps'>

export interface AstGraphOutputs {
  logits: string
  embedding: string
  /** The final-normed token sequence [B, 2 + fDim·tDim, D], for a frame head. */
  tokens: string
}

/** Builds AST from `fbank` [B, T, F] (already normalised) and returns the names of its outputs. */
export function buildAstGraph(g: GraphBuilder, fbank: string, s: AstGraphSpec, w: WeightSource): AstGraphOutputs {
  const D = s.embedDim
  const H = s.heads
  const d = D / H
  if (!Number.isInteger(d)) throw new Error(`AST export: embedDim ${D} is not divisible by heads ${H}`)
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

  const scale = 1 / Math.sqrt(d)
  for (let i = 0; i < s.depth; i++) {
    const p = `v.blocks.${i}`
    // Attention. The 1/√d scale is folded into the q rows of the qkv projection (one Mul fewer per block).
    const h = layerNorm(g, x, `${p}.norm1`, w(`${p}.norm1.weight`, [D]), w(`${p}.norm1.bias`, [D]), s.blockEps)
    const qkvW = w(`${p}.attn.qkv.weight`, [3 * D, D]).slice()
    const qkvB = w(`${p}.attn.qkv.bias`, [3 * D]).slice()
    for (let k = 0; k < D * D; k++) qkvW[k] *= scale
    for (let k = 0; k < D; k++) qkvB[k] *= scale
    const qkv = linear(g, h, `${p}.attn.qkv`, qkvW, qkvB, 3 * D, D)
    const [q, k, v] = g.opN('Split', [qkv, g.ints([D, D, D])], 3, { axis: -1 }, `${p}.qkv`)
    const heads = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, H, d])])], { perm })
    const scores = g.op('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])], {}, `${p}.scores`)
    const probs = g.op('Softmax', [scores], { axis: -1 })
    const ctx = g.op('MatMul', [probs, heads(v, [0, 2, 1, 3])], {}, `${p}.context`)
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.ints([0, 0, D])])
    const attn = linear(g, merged, `${p}.attn.proj`, w(`${p}.attn.proj.weight`, [D, D]), w(`${p}.attn.proj.bias`, [D]), D, D)
    x = g.op('Add', [x, attn], {}, `${p}.res1`)
    // MLP.
    const h2 = layerNorm(g, x, `${p}.norm2`, w(`${p}.norm2.weight`, [D]), w(`${p}.norm2.bias`, [D]), s.blockEps)
    const hidden = 4 * D
    const fc1 = linear(g, h2, `${p}.mlp.fc1`, w(`${p}.mlp.fc1.weight`, [hidden, D]), w(`${p}.mlp.fc1.bias`, [hidden]), hidden, D)
    const fc2 = linear(g, gelu(g, fc1), `${p}.mlp.fc2`, w(`${p}.mlp.fc2.weight`, [D, hidden]), w(`${p}.mlp.fc2.bias`, [D]), D, hidden)
    x = g.op('Add', [x, fc2], {}, `${p}.res2`)
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
