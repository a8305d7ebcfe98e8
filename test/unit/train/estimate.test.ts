// Cost estimates: AST's grid and token counts from the reference, parameter counts equal to the
// models Tagbench builds, and the FLOP count of a block worked out by hand.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { createModel } from '../../../src/main/engine/models/index'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createHtsat } from '../../../src/main/engine/models/htsat/model'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { estimateCost, measuredTrainRate } from '../../../src/main/engine/train/estimate'
import type { CostConfig } from '../../../src/main/engine/train/estimate'

const base: CostConfig & Record<string, unknown> = {
  dataset: 'd', model: 'ast', size: 'tiny', depth: 12, pretrained: { kind: 'none' }, fstride: 10, tstride: 10, melBins: 128, targetLength: 1024,
  frozen: false, specAugment: true, mixup: 0, loss: 'bce', optimizer: 'adam', lr: 1e-4, weightDecay: 0, warmupSteps: 0, schedule: 'constant', epochs: 1, batchSize: 8, seed: 0
}

const paramCount = (vars: { size: number }[]) => vars.reduce((n, v) => n + v.size, 0)

describe('estimateCost', () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  it("gives AST's patch grids: 12×101 at stride 10 and 8×64 at stride 16 for 128×1024", () => {
    expect(estimateCost(base, 527, null)).toMatchObject({ fDim: 12, tDim: 101, tokens: 1212, secondsPerEpoch: null })
    expect(estimateCost({ ...base, fstride: 16, tstride: 16 }, 527, null)).toMatchObject({ fDim: 8, tDim: 64, tokens: 512 })
  })

  it('counts the parameters of the AST and HTS-AT that Tagbench builds', () => {
    for (const c of [{ depth: 2, size: 'tiny' as const, fstride: 16, tstride: 16, targetLength: 400 }, { depth: 1, size: 'small' as const, fstride: 10, tstride: 12, targetLength: 128 }]) {
      const model = createModel(makeAstConfig({ ...c, numClasses: 10 }), 0)
      expect(estimateCost({ ...base, ...c }, 10, null).params).toBe(paramCount(model.trainableVariables()))
      model.dispose()
    }
    const h = createHtsat(makeHtsatConfig({ size: 'tiny', numClasses: 7 }), 0)
    const est = estimateCost({ ...base, model: 'htsat', size: 'tiny', melBins: 64 }, 7, null).params
    expect(Math.abs(est - paramCount(h.trainableVariables())) / est).toBeLessThan(0.01)
    h.dispose()
  })

  it('counts forward FLOPs as 2 × multiply-adds: patches, 12·N·D² + 2·N²·D per block, head', () => {
    // 128 × 16 frames, stride 16: 8 patches, N = 10 tokens, D = 192, one block, 2 classes.
    const c = { ...base, depth: 1, fstride: 16, tstride: 16, targetLength: 16 }
    const macs = 8 * 256 * 192 + (12 * 10 * 192 * 192 + 2 * 100 * 192) + 2 * 192
    const e = estimateCost(c, 2, 1000, 10)
    expect(e.gflopsPerClip).toBeCloseTo((2 * macs) / 1e9, 12)
    // Training ≈ 3 forward passes per clip; a frozen backbone about 1.
    expect(e.secondsPerEpoch).toBeCloseTo((1000 * 3 * e.gflopsPerClip) / 10, 9)
    expect(estimateCost({ ...c, frozen: true }, 2, 1000, 10).secondsPerEpoch).toBeCloseTo((1000 * e.gflopsPerClip) / 10, 9)
  })

  it('calibrates the rate from finished runs (median)', () => {
    const g = estimateCost(base, 5, null).gflopsPerClip
    const runs = [2, 1, 4].map((s) => ({ config: base, samplesPerS: s, status: 'done', classes: 5 }))
    expect(measuredTrainRate([...runs, { config: base, samplesPerS: 9, status: 'failed', classes: 5 }])).toBeCloseTo(2 * 3 * g, 9)
    expect(measuredTrainRate([])).toBeNull()
  })

  it('counts only the runs of the engine asked about (runs without one were tfjs)', () => {
    const g = estimateCost(base, 5, null).gflopsPerClip
    const runs = [
      { config: base, samplesPerS: 2, status: 'done', classes: 5 },
      { config: base, samplesPerS: 8, status: 'done', classes: 5, engine: 'ort' as const },
      { config: base, samplesPerS: 3, status: 'done', classes: 5, engine: 'tfjs' as const }
    ]
    expect(measuredTrainRate(runs, 'ort')).toBeCloseTo(8 * 3 * g, 9)
    expect(measuredTrainRate(runs, 'tfjs')).toBeCloseTo(3 * 3 * g, 9)
    expect(measuredTrainRate(runs.slice(0, 1), 'ort')).toBeNull()
  })
})
