// CRNN configuration: the DCASE sound-event-detection baseline's shape (conv blocks that pool over
// frequency, a bidirectional GRU over time, a per-frame linear head), the model issue 15 asks for
// on long recordings with sparse frame labels, where AST's 16-frame patches are too coarse in time.
import type { ModelSize } from '../../../../shared/types'
import { commonConfig, type ConfigInput, type ModelConfigBase } from '../config'

export interface CrnnConfig extends ModelConfigBase {
  kind: 'crnn'
  size: ModelSize
  /** Output channels of each conv block (Conv2d 3×3 → BatchNorm → ReLU → MaxPool). */
  channels: number[]
  /** Frequency pooling of each block; time is pooled only in the first block, by timePool. */
  freqPools: number[]
  /** Time pooling of the first block: 100 / timePool steps per second reach the GRU. */
  timePool: number
  /** GRU hidden units per direction (2 layers, bidirectional). */
  hidden: number
  gruLayers: number
  /** Feature normalisation (x - mean) / (2 * std), as AST's (the training split's statistics). */
  norm: { mean: number; std: number }
}

/** Widths by size: 'tiny' is the size a CPU trains in minutes; 'base' is the DCASE baseline's width. */
export const CRNN_SIZES: Record<ModelSize, Pick<CrnnConfig, 'channels' | 'hidden'>> = {
  tiny: { channels: [16, 32, 64], hidden: 64 },
  small: { channels: [32, 64, 128], hidden: 96 },
  base: { channels: [64, 128, 256], hidden: 128 }
}

export interface CrnnGeometry {
  /** Mel bins left after the frequency pools. */
  freqOut: number
  /** Time steps the GRU sees (and the frame logits before resampling). */
  steps: number
  /** GRU input width: last channels × freqOut. */
  gruInput: number
}

export function crnnGeometry(c: Pick<CrnnConfig, 'melBins' | 'targetLength' | 'channels' | 'freqPools' | 'timePool'>): CrnnGeometry {
  if (c.channels.length < 1 || c.channels.length !== c.freqPools.length)
    throw new Error(`CRNN config: channels [${c.channels}] and freqPools [${c.freqPools}] must be non-empty and of equal length`)
  let f = c.melBins
  for (const p of c.freqPools) {
    f = Math.floor(f / p)
    if (f < 1) throw new Error(`CRNN config: ${c.melBins} mel bins cannot be pooled by [${c.freqPools}]`)
  }
  const steps = Math.floor(c.targetLength / c.timePool)
  if (steps < 1) throw new Error(`CRNN config: ${c.targetLength} frames cannot be pooled by ${c.timePool}`)
  return { freqOut: f, steps, gruInput: c.channels[c.channels.length - 1] * f }
}

/**
 * Time pooling that keeps the GRU's step rate at or above a label rate (frames per second), at most 4:
 * 30 labels/s → 3 (33.3 steps/s); 100 → 1; none (a clip task) → 4.
 */
export function timePoolFor(frameRate: number | undefined): number {
  if (!frameRate) return 4
  return Math.max(1, Math.min(4, Math.floor(100 / frameRate)))
}

/** Frequency pools of `blocks` blocks: 4 each while at least 4 bins are left, else what is left (64 bins → 4·4·4, 32 → 4·4·2). */
export function freqPoolsFor(melBins: number, blocks: number): number[] {
  const pools: number[] = []
  let f = melBins
  for (let i = 0; i < blocks; i++) {
    const p = Math.max(1, Math.min(4, f))
    pools.push(p)
    f = Math.floor(f / p)
  }
  return pools
}

export type CrnnConfigInput = ConfigInput<CrnnConfig>

/** A complete CrnnConfig: defaults tiny, 64 mel bins, 10 s windows, frequency pooled down to about one bin. */
export function makeCrnnConfig(input: CrnnConfigInput = {}): CrnnConfig {
  const size = input.size ?? 'tiny'
  const preset = CRNN_SIZES[size]
  const common = commonConfig(input, 'CRNN', { numClasses: 1, melBins: 64, targetLength: 1000, dropPath: 0 })
  const config: CrnnConfig = {
    kind: 'crnn',
    size,
    channels: input.channels ?? preset.channels,
    freqPools: input.freqPools ?? freqPoolsFor(common.melBins, (input.channels ?? preset.channels).length),
    timePool: input.timePool ?? timePoolFor(input.frameHead?.frameRate),
    hidden: input.hidden ?? preset.hidden,
    gruLayers: input.gruLayers ?? 2,
    ...common,
    norm: input.norm ?? { mean: 0, std: 0.5 }
  }
  if (!Number.isInteger(config.timePool) || config.timePool < 1) throw new Error(`CRNN config: timePool must be a positive integer, got ${config.timePool}`)
  if (!(config.gruLayers >= 1)) throw new Error(`CRNN config: gruLayers must be at least 1, got ${config.gruLayers}`)
  crnnGeometry(config)
  return config
}
