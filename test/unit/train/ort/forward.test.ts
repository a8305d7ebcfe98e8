// Validation and test scoring on the ort engine: the export graph with the current weights, run by
// ONNX Runtime, gives the tfjs model's logits and frame logits. Also the engine's thread spinning.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../../src/main/engine/platform/backend'
import { makeAstConfig } from '../../../../src/main/engine/models/ast/config'
import { createModel } from '../../../../src/main/engine/models'
import { frameHeadFrames } from '../../../../src/main/engine/models/frameHead'
import { makeRng } from '../../../../src/main/engine/util/rng'
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

describe('ort spinning decision (spinDecision)', () => {
  it('TAGBENCH_ORT_SPIN decides whatever the load', async () => {
    const { spinDecision } = await import('../../../../src/main/engine/train/ort/spinning')
    expect(spinDecision({ env: '0', load1: 0, cores: 16, threads: 1 }).spinning).toBe(false)
    expect(spinDecision({ env: '1', load1: 40, cores: 2, threads: 2 })).toEqual({ spinning: true, reason: 'TAGBENCH_ORT_SPIN=1' })
  })
  it('spins only when the cores the session leaves free can take the other load', async () => {
    const { spinDecision } = await import('../../../../src/main/engine/train/ort/spinning')
    const spin = (load1: number, cores: number, threads: number, ownThreads?: number) => spinDecision({ env: undefined, load1, cores, threads, ownThreads }).spinning
    // The 2-core machine, both cores: idle only.
    expect(spin(0.2, 2, 2)).toBe(true)
    expect(spin(0.6, 2, 2)).toBe(false)
    expect(spin(6, 2, 2)).toBe(false)
    // More threads than cores: as busy as all of them.
    expect(spin(0.2, 2, 4)).toBe(true)
    expect(spin(0.7, 2, 4)).toBe(false)
    // 16 cores, 8 threads: 8 cores to spare.
    expect(spin(8, 16, 8)).toBe(true)
    expect(spin(9, 16, 8)).toBe(false)
    // Mid-run, this process's own busy threads are in the load: 2.3 with 2 own is 0.3 of others.
    expect(spin(2.3, 2, 2, 2)).toBe(true)
    expect(spin(4.1, 2, 2, 2)).toBe(false)
    expect(spinDecision({ env: undefined, load1: 4.1, cores: 2, threads: 2, ownThreads: 2 }).reason).toMatch(/other load 2\.10 ≥ 0\.5: the cores are shared/)
  })
  it('a spinning engine stops spinning when the load rises mid-run, and its gradients stay the same', async () => {
    const os = (await import('node:os')).default
    const { createOrtStepGradients } = await import('../../../../src/main/engine/train/ort/engine')
    const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 1, melBins: 32, targetLength: 32, fstride: 16, tstride: 16, numClasses: 2, norm: { mean: 0, std: 0.5 } })
    const model = createModel(config, 1)
    const before = process.env.TAGBENCH_ORT_SPIN
    delete process.env.TAGBENCH_ORT_SPIN
    const cores = os.availableParallelism()
    const load = vi.spyOn(os, 'loadavg').mockReturnValue([0.1, 0.1, 0.1])
    const logs: string[] = []
    try {
      const e = await createOrtStepGradients(model, model.trainableVariables(), {
        threads: 1, provider: 'cpu', spinRecheckMs: 0, onLog: (m) => logs.push(m),
        lossContext: { loss: { kind: 'bce' }, classes: 2, frames: null }
      })
      expect(e.spinning).toBe(true)
      const batch = { size: 2, x: Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => Math.sin(i)), y: Float32Array.of(1, 0, 0, 1) }
      const a = await e.compute(batch, 1)
      expect(e.spinning).toBe(true)
      // Another job takes every core.
      load.mockReturnValue([cores + 2, 1, 1])
      const b = await e.compute(batch, 1)
      expect(e.spinning).toBe(false)
      expect(e.note).toMatch(/no spinning \[other load .* the cores are shared\]/)
      expect(logs.some((l) => /ORT threads stop spinning/.test(l))).toBe(true)
      expect(b.loss).toBe(a.loss)
      a.grads.forEach((g, i) => expect(Array.from(b.grads[i].dataSync())).toEqual(Array.from(g.dataSync())))
      tf.dispose([...a.grads, ...b.grads])
      await e.dispose()
    } finally {
      load.mockRestore()
      if (before !== undefined) process.env.TAGBENCH_ORT_SPIN = before
      model.dispose()
    }
  })
})

