// HTS-AT configuration (Chen et al. 2022, RetroCirce/HTS-Audio-Transformer `model/htsat.py` and
// `config.py`) and the geometry every part of the model derives from it.
//
// Front end: the reference computes 64 log-mel bins at 32 kHz with torchlibrosa (window 1024, hop 320,
// 50–14000 Hz). Tagbench feeds HTS-AT the same Kaldi fbank as AST (AUDIO area: 16 kHz, 25 ms window,
// 10 ms hop), with 64 mel bins by default. So a pretrained reference checkpoint sees slightly different
// features here; models trained in Tagbench see the same features in training and tagging.
import type { ModelSize } from '../../../../shared/types'
import { commonConfig, type ConfigInput, type ModelConfigBase } from '../config'

export interface HtsatConfig extends ModelConfigBase {
  kind: 'htsat'
  size: ModelSize
  /** Side of the square "image" the Swin backbone sees (reference spec_size: 256). */
  specSize: number
  /** Patch side and stride of the patch embedding conv (reference: 4, no overlap). */
  patchSize: number
  /** Width of the first stage; each later stage doubles it (reference: 96 → 768). */
  embedDim: number
  /** Swin blocks per stage (reference: [2, 2, 6, 2]). */
  depths: number[]
  /** Attention heads per stage (reference: [4, 8, 16, 32]). */
  heads: number[]
  /** Attention window side (reference: 8); clamped per stage as the reference does. */
  window: number
  /** MLP hidden width / block width (reference: 4). */
  mlpRatio: number
}

/**
 * Backbones by size. 'base' is the paper's model (about 31M parameters with 527 classes); 'small' and
 * 'tiny' are Tagbench's narrower and shallower variants for CPU training, not from the paper.
 */
export const HTSAT_SIZES: Record<ModelSize, Pick<HtsatConfig, 'embedDim' | 'depths' | 'heads'>> = {
  tiny: { embedDim: 24, depths: [1, 1, 2, 1], heads: [1, 2, 4, 8] },
  small: { embedDim: 48, depths: [2, 2, 6, 2], heads: [2, 4, 8, 16] },
  base: { embedDim: 96, depths: [2, 2, 6, 2], heads: [4, 8, 16, 32] }
}

export interface HtsatStage {
  /** Token width. */
  dim: number
  heads: number
  depth: number
  /** Side of the (square) token map. */
  res: number
  /** Window side after the reference's clamp: the whole map when the map is no larger than the window. */
  window: number
  /** Cyclic shift of the odd blocks (window / 2, or 0 once the window covers the map). */
  shift: number
}

export interface HtsatGeometry {
  /** Time chunks stacked along frequency: specSize / melBins (reference freq_ratio). */
  freqRatio: number
  /** Frames the image holds, specSize · freqRatio; shorter inputs are resized to it (bicubic). */
  imageFrames: number
  /** Side of the patch grid, specSize / patchSize. */
  grid: number
  stages: HtsatStage[]
  /** Width of the last stage (reference num_features). */
  numFeatures: number
  /** Side of the last token map. */
  finalRes: number
  /** Frequency rows of the regrouped final map = height of the token-semantic kernel. */
  tscamHeight: number
  /** Time steps T' of the framewise output. */
  outFrames: number
}

export function htsatGeometry(c: Pick<HtsatConfig, 'specSize' | 'melBins' | 'patchSize' | 'embedDim' | 'depths' | 'heads' | 'window'>): HtsatGeometry {
  const fail = (why: string): never => {
    throw new Error(`HTS-AT config: ${why}`)
  }
  if (c.depths.length < 1 || c.depths.length !== c.heads.length) fail(`depths [${c.depths}] and heads [${c.heads}] must be non-empty and of equal length`)
  if (c.specSize % c.melBins !== 0) fail(`specSize ${c.specSize} must be a multiple of melBins ${c.melBins}`)
  if (c.specSize % c.patchSize !== 0) fail(`specSize ${c.specSize} must be a multiple of patchSize ${c.patchSize}`)
  const freqRatio = c.specSize / c.melBins
  const grid = c.specSize / c.patchSize
  const stages: HtsatStage[] = c.depths.map((depth, i) => {
    const res = grid / 2 ** i
    if (!Number.isInteger(res) || res < 1) fail(`a ${grid}×${grid} patch grid cannot be halved ${i} times`)
    const dim = c.embedDim * 2 ** i
    if (dim % c.heads[i] !== 0) fail(`stage ${i} width ${dim} is not divisible by ${c.heads[i]} heads`)
    const clamped = res <= c.window
    const window = clamped ? res : c.window
    if (res % window !== 0) fail(`stage ${i}: a ${res}×${res} map does not split into ${window}×${window} windows`)
    return { dim, heads: c.heads[i], depth, res, window, shift: clamped ? 0 : Math.floor(c.window / 2) }
  })
  const last = stages[stages.length - 1]
  if (last.res % freqRatio !== 0) fail(`the final ${last.res}×${last.res} map does not regroup into ${freqRatio} time chunks`)
  return {
    freqRatio,
    imageFrames: c.specSize * freqRatio,
    grid,
    stages,
    numFeatures: last.dim,
    finalRes: last.res,
    tscamHeight: last.res / freqRatio,
    outFrames: last.res * freqRatio
  }
}

export type HtsatConfigInput = ConfigInput<HtsatConfig>

/**
 * A complete HtsatConfig from a few choices. Defaults: the paper's backbone ('base'), 64 mel bins,
 * 1024 frames (10.24 s at Tagbench's 10 ms hop), drop-path 0.1, 527 classes.
 */
export function makeHtsatConfig(input: HtsatConfigInput = {}): HtsatConfig {
  const size = input.size ?? 'base'
  const preset = HTSAT_SIZES[size]
  const common = commonConfig(input, 'HTS-AT', { numClasses: 527, melBins: 64, targetLength: 1024, dropPath: 0.1 })
  const config: HtsatConfig = {
    kind: 'htsat',
    size,
    specSize: input.specSize ?? 256,
    patchSize: input.patchSize ?? 4,
    embedDim: input.embedDim ?? preset.embedDim,
    depths: input.depths ?? preset.depths,
    heads: input.heads ?? preset.heads,
    window: input.window ?? 8,
    mlpRatio: input.mlpRatio ?? 4,
    ...common
  }
  const geo = htsatGeometry(config)
  if (config.targetLength > geo.imageFrames)
    throw new Error(`HTS-AT config: targetLength ${config.targetLength} exceeds the ${geo.imageFrames} frames a ${config.specSize}×${config.specSize} image holds`)
  return config
}
