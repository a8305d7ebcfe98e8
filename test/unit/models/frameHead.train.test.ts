// The AST frame head learns event times on tfjs-wasm: a small AST with config.frameHead trains on
// generated tone features (see htsatToneData.ts), its frame loss falls clearly, held-out frame decisions
// come to follow the events, and the tensor count stays flat step to step.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createAst } from '../../../src/main/engine/models/ast/model'
import { frameOutput } from '../../../src/main/engine/models/frameHead'
import { CLASSES, FRAMES, MEL, frameAccuracy, trainFrames } from './htsatToneData'

beforeAll(async () => {
  await initBackend('wasm')
})

describe('AST frame head on wasm', () => {
  it('names its weights, trains, and tracks event times', () => {
    const config = makeAstConfig({
      embedDim: 32,
      heads: 2,
      depth: 2,
      melBins: MEL,
      targetLength: FRAMES,
      fstride: 16,
      tstride: 16,
      numClasses: CLASSES,
      norm: { mean: 0, std: 0.5 },
      // 12.5 steps/s over 1.28 s = 16 steps, resampled from the 8 patch columns.
      frameHead: { frameRate: 12.5 }
    })
    const model = createAst(config, 3)
    const out = frameOutput(config)!
    expect(out).toEqual({ frames: 16, frameRate: 12.5 })
    const named = model.namedWeights()
    expect(named.get('frame_head.weight')!.shape).toEqual([CLASSES, 32])
    expect(named.get('frame_head.bias')!.shape).toEqual([CLASSES])
    for (const t of named.values()) t.dispose()

    const apply = (x: Parameters<typeof model.apply>[0], training: boolean) => {
      const o = model.apply(x, training)
      return { logits: o.logits, frameLogits: o.frameLogits! }
    }
    const before = frameAccuracy((x) => apply(x, false).frameLogits, out.frames)
    const r = trainFrames(model, (x) => apply(x, true), 250, 4, out.frames, 2)
    const after = frameAccuracy((x) => apply(x, false).frameLogits, out.frames)
    expect(r.last).toBeLessThan(0.4 * r.first)
    expect(after).toBeGreaterThan(0.93)
    expect(after).toBeGreaterThan(before + 0.2)
    expect(new Set(r.counts.slice(1)).size).toBe(1)
    model.dispose()
  })
})
