// HTS-AT's size and cost for the estimate (train/estimate.ts): close (Swin blocks and patch merging
// counted, small terms such as norms and the relative-position tables included, the token-semantic
// conv too).
import type { CostConfig, ModelCounts } from '../kind'
import { HTSAT_SIZES, htsatGeometry } from './config'

export function htsatCounts(c: CostConfig, classes: number): ModelCounts {
  const size = HTSAT_SIZES[c.size]
  const geo = htsatGeometry({ specSize: 256, melBins: c.melBins ?? 64, patchSize: 4, window: 8, ...size })
  let params = 16 * size.embedDim + size.embedDim + 2 * size.embedDim + 2 * (c.melBins ?? 64)
  let macs = geo.grid * geo.grid * 16 * size.embedDim
  geo.stages.forEach((s, i) => {
    const N = s.res * s.res
    const d = s.dim
    params += s.depth * (12 * d * d + 13 * d + (2 * s.window - 1) ** 2 * s.heads)
    macs += s.depth * (12 * N * d * d + 2 * N * s.window * s.window * d)
    if (i < geo.stages.length - 1) {
      // Patch merging: LayerNorm(4d) then Linear(4d → 2d) on N/4 tokens.
      params += 8 * d + 8 * d * d
      macs += (N / 4) * 8 * d * d
    }
  })
  const F = geo.numFeatures
  const kernel = geo.tscamHeight * 3
  params += 2 * F + classes * F * kernel + classes
  macs += classes * F * kernel * geo.outFrames
  return { fDim: geo.grid, tDim: geo.grid, tokens: geo.grid * geo.grid, params, gflopsPerClip: (2 * macs) / 1e9 }
}
