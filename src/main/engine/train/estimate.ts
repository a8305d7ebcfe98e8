// What a run config costs before it runs: the model's input grid and token count (AST: f_dim · t_dim),
// the parameter count, forward GFLOPs per clip and a rough seconds per training epoch. Each model kind
// counts its own model (models/<kind>/cost.ts, through the registry); this adds the training rate.
import type { CostEstimate } from '../../../shared/types'
import { modelKind } from '../models/registry'
import type { CostConfig } from '../models/kind'

export type { CostConfig }

/**
 * Training throughput of one tfjs-wasm thread in forward-equivalent GFLOP/s, used until the app has
 * timed runs of its own: the quick preset (AST, 4 blocks, 202 tokens, 0.86 forward GFLOPs) trained at
 * 7.5–8.9 clips/s on one thread of an otherwise idle 2-core AMD EPYC (2026-11-23), and training costs
 * ≈ 3 forward passes: 8 × 3 × 0.86 ≈ 20.
 */
const DEFAULT_TRAIN_GFLOPS_PER_S = 20

/** Backward ≈ 2 × forward. */
const TRAIN_FORWARD_RATIO = 3

/**
 * The estimate for a complete run config with `classes` classes and `trainClips` training clips.
 * `gflopsPerS` is the measured training rate of this machine (see measuredTrainRate), if known.
 */
export function estimateCost(c: CostConfig, classes: number, trainClips: number | null, gflopsPerS = DEFAULT_TRAIN_GFLOPS_PER_S): CostEstimate {
  const k = modelKind(c.model).cost(c, classes)
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
