// AST's size and cost for the estimate (train/estimate.ts): exact for the model Tagbench builds.
import type { CostConfig, ModelCounts } from '../kind'
import { AST_PATCH, AST_SIZES, astGrid } from './config'

export function astCounts(c: CostConfig, classes: number): ModelCounts {
  const D = AST_SIZES[c.size].embedDim
  const depth = c.depth ?? 12
  const { fDim, tDim } = astGrid({ melBins: c.melBins ?? 128, targetLength: c.targetLength ?? 1024, fstride: c.fstride, tstride: c.tstride })
  const patches = fDim * tDim
  const N = patches + 2
  const kk = AST_PATCH * AST_PATCH
  const block = 12 * D * D + 13 * D // qkv 3D²+3D, proj D²+D, fc1 4D²+4D, fc2 4D²+D, two norms 4D
  const params = kk * D + D + 2 * D + N * D + depth * block + 2 * D + 2 * D + classes * D + classes
  // Multiply-accumulates: patch projection, per block 12·N·D² (linears) + 2·N²·D (QKᵀ and AV), head.
  const macs = patches * kk * D + depth * (12 * N * D * D + 2 * N * N * D) + classes * D
  return { fDim, tDim, tokens: patches, params, gflopsPerClip: (2 * macs) / 1e9 }
}
