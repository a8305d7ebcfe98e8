// Validation and test scoring on the ort engine: the export graph with the current weights, run by
// ONNX Runtime, gives the tfjs model's logits and frame logits.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../../src/main/engine/backend'
import { makeAstConfig } from '../../../../src/main/engine/models/ast/config'
import { createModel } from '../../../../src/main/engine/models'
import { frameHeadFrames } from '../../../../src/main/engine/models/frameHead'
import { makeRng } from '../../../../src/main/engine/rng'
import { createOrtForward } from '../../../../src/main/engine/train/ort/forward'

const maxRel = (a: Float32Array, b: Float32Array) => {
  let d = 0
  let s = 0
  b.forEach((v, i) => {
    d = Math.max(d, Math.abs(a[i] - v))
    s = Math.max(s, Math.abs(v))
  })
  return d / s
}

describe('ort engine scoring', () => {
  beforeAll(async () => {
    await initBackend()
  })
  it('gives the tfjs model\'s logits and frame logits', async () => {
    const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 2, melBins: 32, targetLength: 48, fstride: 10, tstride: 12, numClasses: 4, norm: { mean: 0, std: 0.5 }, frameHead: { frameRate: 25 } })
    const model = createModel(config, 5)
    const rng = makeRng(3)
    const x = Float32Array.from({ length: 3 * 48 * 32 }, () => rng.normal())
    const fwd = await createOrtForward(model, { threads: 1, provider: 'cpu', spinning: false })
    const got = await fwd.forward({ size: 3, x, y: new Float32Array(12) })
    await fwd.dispose()
    const out = model.apply(tf.tensor3d(x, [3, 48, 32]), false)
    expect(got.logits.length).toBe(12)
    expect(maxRel(got.logits, out.logits.dataSync() as Float32Array)).toBeLessThan(1e-4)
    expect(got.frameLogits!.length).toBe(3 * frameHeadFrames(config) * 4)
    expect(maxRel(got.frameLogits!, out.frameLogits!.dataSync() as Float32Array)).toBeLessThan(1e-4)
    tf.dispose([out.logits, out.embedding, out.frameLogits!])
    model.dispose()
  })
})

describe('ort engine thread spinning', () => {
  it('follows TAGBENCH_ORT_SPIN (what a job sharing the cores is given), and sharedCoresEnv sets it', async () => {
    const { createOrtStepGradients } = await import('../../../../src/main/engine/train/ort/engine')
    const { sharedCoresEnv } = await import('../../../../src/main/engine/train/ort/coverage')
    expect(sharedCoresEnv(true)).toEqual({ TAGBENCH_ORT_SPIN: '0' })
    expect(sharedCoresEnv(false)).toEqual({})
    const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 1, melBins: 32, targetLength: 32, fstride: 16, tstride: 16, numClasses: 2, norm: { mean: 0, std: 0.5 } })
    const model = createModel(config, 1)
    const ctx = { loss: { kind: 'bce' as const }, classes: 2, frames: null }
    const before = process.env.TAGBENCH_ORT_SPIN
    try {
      for (const [env, spinning] of [['0', false], ['1', true]] as const) {
        process.env.TAGBENCH_ORT_SPIN = env
        const e = await createOrtStepGradients(model, model.trainableVariables(), { threads: 1, provider: 'cpu', lossContext: ctx })
        expect(e.spinning).toBe(spinning)
        expect(e.note.includes('no spinning')).toBe(!spinning)
        await e.dispose()
      }
    } finally {
      if (before === undefined) delete process.env.TAGBENCH_ORT_SPIN
      else process.env.TAGBENCH_ORT_SPIN = before
      model.dispose()
    }
  })
})
