// The CRNN's size and cost for the estimate (train/estimate.ts).
import type { CostConfig, ModelCounts } from '../kind'
import { CRNN_SIZES, crnnGeometry, freqPoolsFor, timePoolFor } from './config'

/** CRNN counts: the conv blocks (3×3 MACs at each block's resolution), the two BiGRU layers, the head. */
export function crnnCounts(c: CostConfig, classes: number): ModelCounts {
  const size = CRNN_SIZES[c.size]
  const melBins = c.melBins ?? 64
  const targetLength = c.targetLength ?? 1000
  const timePool = timePoolFor(c.frameHead ? c.frameRate : undefined)
  const freqPools = freqPoolsFor(melBins, size.channels.length)
  const geo = crnnGeometry({ melBins, targetLength, channels: size.channels, freqPools, timePool })
  let params = 0
  let macs = 0
  let cin = 1
  let t = targetLength
  let f = melBins
  size.channels.forEach((cout, i) => {
    params += cout * cin * 9 + cout + 2 * cout
    macs += t * f * cout * cin * 9
    if (i === 0) t = Math.floor(t / timePool)
    f = Math.floor(f / freqPools[i])
    cin = cout
  })
  const H = size.hidden
  for (let l = 0; l < 2; l++) {
    const inDim = l === 0 ? geo.gruInput : 2 * H
    params += 2 * (3 * H * (inDim + H) + 6 * H)
    macs += 2 * geo.steps * 3 * H * (inDim + H)
  }
  params += classes * 2 * H + classes
  macs += geo.steps * classes * 2 * H
  return { fDim: geo.freqOut, tDim: geo.steps, tokens: geo.steps, params, gflopsPerClip: (2 * macs) / 1e9 }
}
