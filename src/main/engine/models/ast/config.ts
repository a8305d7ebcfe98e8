// AST's configuration: the DeiT sizes, the patch grid and makeAstConfig (the reference's defaults).
import type { ModelSize } from '../../../../shared/types'
import { commonConfig, type ConfigInput, type ModelConfigBase } from '../config'

/** Audio Spectrogram Transformer (YuanGongND/ast, timm 0.4.5 DeiT blocks). */
export interface AstConfig extends ModelConfigBase {
  kind: 'ast'
  size: ModelSize
  embedDim: number
  depth: number
  heads: number
  /** Patch strides along frequency and time (16 = no overlap, 10 = the AST paper's overlap). */
  fstride: number
  tstride: number
  /** Feature normalisation (x - mean) / (2 * std), the AST dataloader's. */
  norm: { mean: number; std: number }
  /** LayerNorm eps inside the blocks and of the final norm: 1e-6 (timm), or the HF config's value. */
  blockEps: number
  /** LayerNorm eps of the classification head: 1e-5 (PyTorch default in AST), or the HF config's value. */
  headEps: number
}

/** Width and heads of the DeiT sizes. */
export const AST_SIZES: Record<ModelSize, { embedDim: number; heads: number }> = {
  tiny: { embedDim: 192, heads: 3 },
  small: { embedDim: 384, heads: 6 },
  base: { embedDim: 768, heads: 12 }
}

export const AST_PATCH = 16

/** Patch grid of an AST: f_dim × t_dim, as the reference computes it from a conv on (F, T). */
export function astGrid(c: Pick<AstConfig, 'melBins' | 'targetLength' | 'fstride' | 'tstride'>): { fDim: number; tDim: number } {
  const fDim = Math.floor((c.melBins - AST_PATCH) / c.fstride) + 1
  const tDim = Math.floor((c.targetLength - AST_PATCH) / c.tstride) + 1
  if (fDim < 1 || tDim < 1)
    throw new Error(`AST needs at least ${AST_PATCH} mel bins and ${AST_PATCH} frames (got ${c.melBins} bins, ${c.targetLength} frames)`)
  return { fDim, tDim }
}

export type AstConfigInput = ConfigInput<AstConfig>

/**
 * A complete AstConfig from a few choices; defaults are the reference's (AST tiny, 12 blocks,
 * stride 10, 128 × 1024, AudioSet normalisation, timm eps). Labels default to class_0..class_{C-1}.
 */
export function makeAstConfig(input: AstConfigInput = {}): AstConfig {
  const size = input.size ?? 'tiny'
  const dims = AST_SIZES[size]
  const common = commonConfig(input, 'AST', { numClasses: 527, melBins: 128, targetLength: 1024, dropPath: 0 })
  const embedDim = input.embedDim ?? dims.embedDim
  const heads = input.heads ?? dims.heads
  if (embedDim % heads !== 0) throw new Error(`AST config: embedDim ${embedDim} is not divisible by ${heads} heads`)
  const config: AstConfig = {
    kind: 'ast',
    size,
    embedDim,
    depth: input.depth ?? 12,
    heads,
    fstride: input.fstride ?? 10,
    tstride: input.tstride ?? 10,
    ...common,
    norm: input.norm ?? { mean: -4.2677393, std: 4.5689974 },
    blockEps: input.blockEps ?? 1e-6,
    headEps: input.headEps ?? 1e-5
  }
  astGrid(config)
  return config
}
