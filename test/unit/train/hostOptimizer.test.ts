// The ort engine's host optimizer (Float32Array loops) against the tfjs optimizer it replaces: the
// same gradients give the same weights and moments after many steps (float32 rounding at most: the
// loops round every operation as tfjs does), clipping and micro-batch sums agree with tfjs's, it
// matches PyTorch's fixture as the tfjs one does, and either optimizer's state resumes on the other.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { initBackend, tf } from '../../../src/main/engine/backend'
import { clipByGlobalNorm, createOptimizer, type Optimizer, type OptimizerConfig } from '../../../src/main/engine/train/optimizer'
import { addInto, clipHostByGlobalNorm, createHostOptimizer } from '../../../src/main/engine/train/hostOptimizer'
import { makeRng } from '../../../src/main/engine/rng'

const SHAPES = [[64, 48], [48], [3, 5, 7], [1]]
const STEPS = 25

/** Uniform values in (-scale, scale), a few exact zeros and tiny ones among them (Adam's ε matters there). */
function randomArrays(seed: number, scale: number): Float32Array[] {
  const rng = makeRng(seed)
  return SHAPES.map((s) => {
    const n = s.reduce((a, b) => a * b, 1)
    const out = new Float32Array(n)
    for (let k = 0; k < n; k++) {
      const r = rng.next()
      out[k] = k % 17 === 0 ? 0 : k % 13 === 0 ? (r - 0.5) * 1e-9 : (r * 2 - 1) * scale
    }
    return out
  })
}

const variables = (init: Float32Array[]) => init.map((w, i) => tf.variable(tf.tensor(w, SHAPES[i]), true))

/** Largest |a−b| / max(|b|, 1e-6) over the arrays, and how many values differ at all. */
function compare(got: readonly ArrayLike<number>[], want: readonly ArrayLike<number>[]): { rel: number; differing: number } {
  let rel = 0
  let differing = 0
  got.forEach((g, i) => {
    for (let k = 0; k < g.length; k++) {
      const d = Math.abs(g[k] - want[i][k])
      if (d > 0) differing++
      rel = Math.max(rel, d / Math.max(Math.abs(want[i][k]), 1e-6))
    }
  })
  return { rel, differing }
}

const CONFIGS: { name: string; cfg: OptimizerConfig; clip: number | null }[] = [
  { name: 'adam, L2 5e-7 (AST)', cfg: { kind: 'adam', beta1: 0.95, beta2: 0.999, eps: 1e-8, weightDecay: 5e-7 }, clip: null },
  { name: 'adam, no decay, clip 0.5', cfg: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-6, weightDecay: 0 }, clip: 0.5 },
  { name: 'adamw 0.05 (HTS-AT)', cfg: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 }, clip: null },
  { name: 'adamw 0.05, clip 1', cfg: { kind: 'adamw', beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.05 }, clip: 1 }
]

/** STEPS updates of `opt` (the tfjs or the host one) with the same gradients and learning rates. */
function train(opt: Optimizer, host: boolean, clip: number | null, from = 0, to = STEPS): void {
  for (let t = from; t < to; t++) {
    const lr = 1e-3 * (1 + Math.sin(t)) + 1e-5
    const grads = randomArrays(1000 + t, 0.3 + t * 0.05)
    if (host) {
      if (clip !== null) clipHostByGlobalNorm(grads, clip)
      ;(opt as ReturnType<typeof createHostOptimizer>).applyHost(grads, lr)
    } else {
      let g = grads.map((a, i) => tf.tensor(a, SHAPES[i]))
      if (clip !== null) {
        const c = clipByGlobalNorm(g, clip)
        tf.dispose([...g, c.norm])
        g = c.grads
      }
      opt.apply(g, lr)
      tf.dispose(g)
    }
  }
}

describe('the host optimizer (ort engine) against the tfjs optimizer', () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  for (const { name, cfg, clip } of CONFIGS)
    it(`${name}: same weights and moments after ${STEPS} steps`, () => {
      const init = randomArrays(7, 0.5)
      const [va, vb] = [variables(init), variables(init)]
      const tfOpt = createOptimizer(va, cfg)
      const hostOpt = createHostOptimizer(vb, cfg)
      train(tfOpt, false, clip)
      train(hostOpt, true, clip)
      const want = va.map((v) => v.dataSync() as Float32Array)
      // The host weights, and the tfjs variables the host optimizer writes them into.
      // Measured bit for bit on tfjs-wasm (0 values differ, 2026-12-05); the bound is float32 rounding.
      const w = compare(hostOpt.weights, want)
      expect(w.rel).toBeLessThan(1e-6)
      expect(compare(vb.map((v) => v.dataSync() as Float32Array), want).differing).toBe(w.differing)
      const [sa, sb] = [tfOpt.state(), hostOpt.state()]
      expect(sb.step).toBe(STEPS)
      expect(compare(sb.m.map((t) => t.data), sa.m.map((t) => t.data)).rel).toBeLessThan(1e-6)
      expect(compare(sb.v.map((t) => t.data), sa.v.map((t) => t.data)).rel).toBeLessThan(1e-6)
      sb.m.forEach((t, i) => expect(t.shape).toEqual(sa.m[i].shape))
      tfOpt.dispose()
      hostOpt.dispose()
      tf.dispose([...va, ...vb])
    })

  it('either optimizer\'s state resumes on the other', () => {
    const { cfg, clip } = CONFIGS[3]
    const init = randomArrays(9, 0.5)
    // Reference: the tfjs optimizer all the way.
    const ref = variables(init)
    const refOpt = createOptimizer(ref, cfg)
    train(refOpt, false, clip)
    // tfjs for 10 steps, host for 10, tfjs again for the rest: each from the other's saved state.
    let vars = variables(init)
    let opt: Optimizer = createOptimizer(vars, cfg)
    const legs: [number, number, boolean][] = [[0, 10, false], [10, 20, true], [20, STEPS, false]]
    for (const [from, to, host] of legs) {
      if (from > 0) {
        const saved = opt.state()
        const weights = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array))
        opt.dispose()
        tf.dispose(vars)
        vars = variables(weights)
        opt = host ? createHostOptimizer(vars, cfg, saved) : createOptimizer(vars, cfg, saved)
        expect(opt.step).toBe(from)
      }
      train(opt, host, clip, from, to)
    }
    expect(compare(vars.map((v) => v.dataSync() as Float32Array), ref.map((v) => v.dataSync() as Float32Array)).rel).toBeLessThan(1e-6)
    opt.dispose()
    refOpt.dispose()
    tf.dispose([...vars, ...ref])
  })

  it('clips to the same gradients and sums micro-batches exactly as tf.add', () => {
    const grads = randomArrays(3, 2)
    const host = grads.map((g) => Float32Array.from(g))
    const t = grads.map((g, i) => tf.tensor(g, SHAPES[i]))
    const clipped = clipByGlobalNorm(t, 1)
    const norm = clipHostByGlobalNorm(host, 1)
    expect(Math.abs(norm - clipped.norm.dataSync()[0]) / norm).toBeLessThan(1e-6)
    expect(norm).toBeGreaterThan(1)
    expect(compare(host, clipped.grads.map((g) => g.dataSync() as Float32Array)).rel).toBeLessThan(1e-6)
    // Under the limit nothing changes.
    const small = randomArrays(4, 1e-4)
    const before = small.map((g) => Float32Array.from(g))
    expect(clipHostByGlobalNorm(small, 1)).toBeLessThan(1)
    expect(compare(small, before).differing).toBe(0)
    // Micro-batch sums: float32 additions, bit for bit tf.add's.
    const more = randomArrays(5, 3)
    const sum = t.map((g, i) => tf.add(g, tf.tensor(more[i], SHAPES[i])))
    const into = grads.map((g) => Float32Array.from(g))
    addInto(into, more)
    expect(compare(into, sum.map((s) => s.dataSync() as Float32Array)).differing).toBe(0)
    tf.dispose([...t, ...clipped.grads, clipped.norm, ...sum])
  })

  it('matches PyTorch\'s fixture as the tfjs optimizer does', () => {
    const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/train/optim.json'), 'utf8')) as {
      shapes: number[][]
      init: number[][]
      grads: number[][][]
      lrs: number[]
      cases: { kind: 'adam' | 'adamw'; weightDecay: number; betas: [number, number]; eps: number; clip: number | null; after: number[][][] }[]
    }
    for (const c of fx.cases) {
      const vars = fx.init.map((w, i) => tf.variable(tf.tensor(w, fx.shapes[i])))
      const opt = createHostOptimizer(vars, { kind: c.kind, beta1: c.betas[0], beta2: c.betas[1], eps: c.eps, weightDecay: c.weightDecay })
      fx.lrs.forEach((lr, k) => {
        const g = fx.grads[k].map((x) => Float32Array.from(x))
        if (c.clip !== null) clipHostByGlobalNorm(g, c.clip)
        opt.applyHost(g, lr)
        opt.weights.forEach((w, i) => w.forEach((x, j) => expect(Math.abs(x - c.after[k][i][j]) / Math.max(1e-3, Math.abs(c.after[k][i][j]))).toBeLessThan(2e-5)))
      })
      tf.dispose(vars)
    }
  })

  it('refuses a state that does not fit the variables', () => {
    const v = [tf.variable(tf.zeros([2, 2]))]
    const cfg = CONFIGS[0].cfg
    expect(() => createHostOptimizer(v, cfg, { step: 1, m: [{ shape: [3], data: new Float32Array(3) }], v: [{ shape: [3], data: new Float32Array(3) }] })).toThrow(/shape \[3\]/)
    expect(() => createHostOptimizer(v, cfg, { step: 1, m: [], v: [] })).toThrow(/0 moments for 1/)
    tf.dispose(v)
  })
})
