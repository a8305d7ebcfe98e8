// Data-parallel gradients (train/parallel): with the same weights and batch, N shards over worker
// threads give the single-thread step's loss and gradients (float round-off aside); optimizer steps
// keep main and replicas in step (same losses as single-thread training over several steps); no
// thread leaks tensors; dropout streams are seeded; a worker that cannot start falls back to one thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { makeAstConfig, type AstConfigInput } from '../../../src/main/engine/models/ast/config'
import { createModel } from '../../../src/main/engine/models'
import type { TagModel } from '../../../src/main/engine/models/types'
import { createOptimizer } from '../../../src/main/engine/train/optimizer'
import { makeRng } from '../../../src/main/engine/util/rng'
import type { Batch } from '../../../src/main/engine/train/data'
import { createStepGradients, defaultTrainThreads, type StepGradients } from '../../../src/main/engine/train/parallel/pool'
import { shardSizes, sliceBatch, type LossContext } from '../../../src/main/engine/train/parallel/shard'

const T = 48
const F = 32
const C = 4
const CTX: LossContext = { loss: { kind: 'bce' }, classes: C, frames: null }
const config = (over: AstConfigInput = {}) =>
  makeAstConfig({ size: 'tiny', depth: 2, melBins: F, targetLength: T, fstride: 8, tstride: 8, numClasses: C, norm: { mean: 0, std: 0.5 }, ...over })

function randomBatch(seed: number, n: number): Batch {
  const rng = makeRng(seed)
  const x = Float32Array.from({ length: n * T * F }, () => rng.normal())
  const y = Float32Array.from({ length: n * C }, () => (rng.next() < 0.3 ? 1 : 0))
  return { size: n, x, y }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)

async function gradsOf(pool: StepGradients, batch: Batch, share = 1): Promise<{ loss: number; grads: Float32Array[] }> {
  const { loss, grads } = await pool.compute(batch, share)
  const host = grads.map((g) => Float32Array.from(g.dataSync() as Float32Array))
  tf.dispose(grads)
  return { loss, grads: host }
}

describe('data-parallel gradients', () => {
  let model: TagModel
  const pools: StepGradients[] = []
  const open = async (m: TagModel, threads: number, seed = 1, workerEntry?: URL, onLog?: (s: string) => void) => {
    const p = await createStepGradients(m, m.trainableVariables(), { threads, seed, lossContext: CTX, workerEntry, onLog })
    pools.push(p)
    return p
  }

  beforeAll(async () => {
    await initBackend('wasm')
    model = createModel(config(), 3)
  })
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.dispose()))
    model.dispose()
  })

  it('cuts batches into even contiguous shards', () => {
    expect(shardSizes(8, 2)).toEqual([4, 4])
    expect(shardSizes(5, 3)).toEqual([2, 2, 1])
    expect(shardSizes(2, 4)).toEqual([1, 1])
    const b = randomBatch(1, 5)
    const s = sliceBatch(b, 2, 2)
    expect(s.size).toBe(2)
    expect(Array.from(s.x)).toEqual(Array.from(b.x.subarray(2 * T * F, 4 * T * F)))
    expect(Array.from(s.y)).toEqual(Array.from(b.y.subarray(2 * C, 4 * C)))
  })

  it('defaults to one shard per core on wasm/cpu and to one on native backends', () => {
    expect(defaultTrainThreads('wasm')).toBeGreaterThanOrEqual(1)
    expect(defaultTrainThreads('cpu')).toBe(defaultTrainThreads('wasm'))
    expect(defaultTrainThreads('native')).toBe(1)
    expect(defaultTrainThreads('cuda')).toBe(1)
  })

  it('gives the single-thread loss and gradients with 2 and 3 shards (uneven ones included)', async () => {
    const single = await open(model, 1)
    const two = await open(model, 2)
    const three = await open(model, 3)
    expect([single.threads, two.threads, three.threads]).toEqual([1, 2, 3])
    const batch = randomBatch(7, 5)
    const want = await gradsOf(single, batch, 0.5)
    expect(want.grads).toHaveLength(model.trainableVariables().length)
    for (const pool of [two, three]) {
      const got = await gradsOf(pool, batch, 0.5)
      expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want.loss)))
      got.grads.forEach((g, i) => {
        expect(g.length).toBe(want.grads[i].length)
        expect(maxAbsDiff(g, want.grads[i])).toBeLessThanOrEqual(1e-5 * Math.max(1e-3, maxAbs(want.grads[i])))
      })
    }
  })

  it('trains in step with single-thread training, with a flat tensor count in every thread', async () => {
    const steps = 4
    const run = async (threads: number) => {
      const m = createModel(config(), 11)
      const vars = m.trainableVariables()
      const pool = await open(m, threads)
      const opt = createOptimizer(vars, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 })
      const losses: number[] = []
      const mainCounts: number[] = []
      const workerCounts: number[][] = []
      for (let s = 0; s < steps; s++) {
        const { loss, grads } = await pool.compute(randomBatch(100 + s, 6), 1)
        opt.apply(grads, 1e-3)
        tf.dispose(grads)
        losses.push(loss)
        mainCounts.push(tf.memory().numTensors)
        workerCounts.push(pool.workerStats().map((w) => w.tensors))
      }
      const weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array))
      opt.dispose()
      m.dispose()
      return { losses, mainCounts, workerCounts, weights }
    }
    const single = await run(1)
    const par = await run(2)
    // The loss moves (training happens) and the parallel run follows the single-thread one.
    expect(Math.abs(single.losses[steps - 1] - single.losses[0])).toBeGreaterThan(1e-3)
    par.losses.forEach((l, i) => expect(Math.abs(l - single.losses[i])).toBeLessThan(1e-4))
    par.weights.forEach((w, i) => expect(maxAbsDiff(w, single.weights[i])).toBeLessThan(1e-4))
    // Flat after the first step, in the main thread and in the worker.
    expect(new Set(par.mainCounts.slice(1)).size).toBe(1)
    expect(par.workerCounts[0]).toHaveLength(1)
    expect(new Set(par.workerCounts.map((c) => c[0])).size).toBe(1)
  })

  it('seeds each shard\'s dropout: the same seed repeats a step, another seed changes it', async () => {
    const lossWith = async (seed: number) => {
      const m = createModel(config({ dropout: 0.2, dropPath: 0.1 }), 5)
      const pool = await open(m, 2, seed)
      const { loss, grads } = await pool.compute(randomBatch(9, 4), 1)
      tf.dispose(grads)
      await pool.dispose()
      m.dispose()
      return loss
    }
    const a = await lossWith(1)
    expect(await lossWith(1)).toBe(a)
    expect(await lossWith(2)).not.toBe(a)
  })

  it('falls back to this thread, and says why, when no worker can start', async () => {
    const logs: string[] = []
    const pool = await open(model, 2, 1, new URL('./no-such-worker.mjs', import.meta.url), (m) => logs.push(m))
    expect(pool.threads).toBe(1)
    expect(logs.join('\n')).toMatch(/1 of 2 training threads started/)
    const { grads } = await pool.compute(randomBatch(3, 2), 1)
    expect(grads).toHaveLength(model.trainableVariables().length)
    tf.dispose(grads)
  })
})
