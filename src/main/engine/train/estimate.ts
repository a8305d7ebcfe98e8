// What a run config costs before it runs: AST's patch grid and token count (f_dim · t_dim), the
// parameter count, forward GFLOPs per clip and a rough seconds per training epoch. Counts for AST are
// exact for the model Tagbench builds; HTS-AT's are close (Swin blocks and patch merging counted,
// small terms such as norms and the relative-position tables included, the token-semantic conv too).
import type { CostEstimate, RunConfig } from '../../../shared/types'

/** The fields of a resolved run config that the cost depends on. */
export type CostConfig = Pick<RunConfig, 'model' | 'size' | 'depth' | 'fstride' | 'tstride' | 'melBins' | 'targetLength' | 'frozen'> & Partial<Pick<RunConfig, 'frameHead' | 'frameRate'>>
import { AST_PATCH, AST_SIZES, astGrid } from '../models/config'
import { HTSAT_SIZES, htsatGeometry } from '../models/htsat/config'
import { CRNN_SIZES, crnnGeometry, freqPoolsFor, timePoolFor } from '../models/crnn/config'

/**
 * Training throughput of one tfjs-wasm thread in forward-equivalent GFLOP/s, used until the app has
 * timed runs of its own: the quick preset (AST, 4 blocks, 202 tokens, 0.86 forward GFLOPs) trained at
 * 7.5–8.9 clips/s on one thread of an otherwise idle 2-core AMD EPYC (2026-11-23), and training costs
 * ≈ 3 forward passes: 8 × 3 × 0.86 ≈ 20.
 */
const DEFAULT_TRAIN_GFLOPS_PER_S = 20

/** Backward ≈ 2 × forward. */
const TRAIN_FORWARD_RATIO = 3

interface Counts {
  fDim: number
  tDim: number
  tokens: number
  params: number
  gflopsPerClip: number
}

function astCounts(c: CostConfig, classes: number): Counts {
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

function htsatCounts(c: CostConfig, classes: number): Counts {
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

/** CRNN counts: the conv blocks (3×3 MACs at each block's resolution), the two BiGRU layers, the head. */
function crnnCounts(c: CostConfig, classes: number): Counts {
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

/**
 * The estimate for a complete run config with `classes` classes and `trainClips` training clips.
 * `gflopsPerS` is the measured training rate of this machine (see measuredTrainRate), if known.
 */
export function estimateCost(c: CostConfig, classes: number, trainClips: number | null, gflopsPerS = DEFAULT_TRAIN_GFLOPS_PER_S): CostEstimate {
  const k = c.model === 'htsat' ? htsatCounts(c, classes) : c.model === 'crnn' ? crnnCounts(c, classes) : astCounts(c, classes)
  // A frozen backbone needs no backward pass through it: about one forward pass per clip.
  const perClip = k.gflopsPerClip * (c.frozen ? 1 : TRAIN_FORWARD_RATIO)
  return {
    fDim: k.fDim,
    tDim: k.tDim,
    tokens: k.tokens,
    params: k.params,
    gflopsPerClip: k.gflopsPerClip,
    secondsPerEpoch: trainClips === null ? null : (trainClips * perClip) / gflopsPerS
  }
}

/**
 * This machine's training rate from finished runs (median over the most recent ten): their measured
 * samples/s times their own training GFLOPs per clip. With `engine`, only runs trained on that engine
 * count (ONNX Runtime and tfjs differ several times over; runs without a recorded engine were tfjs).
 * Null when there are none to go by.
 */
export function measuredTrainRate(
  runs: { config: CostConfig; samplesPerS: number | null; status: string; classes: number; engine?: 'ort' | 'tfjs' }[],
  engine?: 'ort' | 'tfjs'
): number | null {
  const rates = runs
    .filter((r) => r.status === 'done' && r.samplesPerS && r.samplesPerS > 0 && !r.config.frozen)
    .filter((r) => engine === undefined || (r.engine ?? 'tfjs') === engine)
    .slice(0, 10)
    .map((r) => {
      try {
        return r.samplesPerS! * estimateCost(r.config, r.classes, null).gflopsPerClip * TRAIN_FORWARD_RATIO
      } catch {
        return null
      }
    })
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b)
  return rates.length ? rates[Math.floor(rates.length / 2)] : null
}
