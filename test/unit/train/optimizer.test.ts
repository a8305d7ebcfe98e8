// Hand-written Adam/AdamW and global-norm clipping against PyTorch 1.13 (fixture from
// test/fixtures/train/make_optim_fixture.py), and the state round trip a resumed run depends on.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { initBackend, tf } from '../../../src/main/engine/platform/backend'
import { clipByGlobalNorm, createOptimizer, type OptimizerConfig } from '../../../src/main/engine/train/optimizer'

interface Case {
  kind: 'adam' | 'adamw'
  weightDecay: number
  betas: [number, number]
  eps: number
  clip: number | null
  after: number[][][]
  norms: number[]
  m: number[][]
  v: number[][]
}
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/train/optim.json'), 'utf8')) as {
  shapes: number[][]
  init: number[][]
  grads: number[][][]
  lrs: number[]
  cases: Case[]
}

function maxRelErr(got: ArrayLike<number>, want: number[]): number {
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i])))
  return worst
}

/** A variable from values; the temporary tensor it copies is disposed. */
function variable(values: number[], shape: number[]): tf.Variable {
  const t = tf.tensor(values, shape)
  const v = tf.variable(t)
  t.dispose()
  return v
}

function runCase(c: Case, steps: number[], opt?: ReturnType<typeof createOptimizer>, vars?: tf.Variable[]) {
  const cfg: OptimizerConfig = { kind: c.kind, beta1: c.betas[0], beta2: c.betas[1], eps: c.eps, weightDecay: c.weightDecay }
  vars ??= fx.shapes.map((s, i) => variable(fx.init[i], s))
  opt ??= createOptimizer(vars, cfg)
  for (const k of steps) {
    const raw = fx.grads[k].map((g, i) => tf.tensor(g, fx.shapes[i]))
    if (c.clip !== null) {
      const { grads, norm } = clipByGlobalNorm(raw, c.clip)
      expect(norm.dataSync()[0]).toBeCloseTo(c.norms[k], 4)
      opt.apply(grads, fx.lrs[k])
      tf.dispose([...grads, norm])
    } else opt.apply(raw, fx.lrs[k])
    tf.dispose(raw)
    vars.forEach((v, i) => expect(maxRelErr(v.dataSync(), c.after[k][i])).toBeLessThan(2e-5))
  }
  return { opt, vars, cfg }
}

describe('optimizer vs torch.optim', () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  for (const c of fx.cases)
    it(`${c.kind} wd=${c.weightDecay} eps=${c.eps} clip=${c.clip} matches PyTorch over ${fx.lrs.length} steps`, () => {
      const before = tf.memory().numTensors
      const { opt, vars } = runCase(c, fx.lrs.map((_, k) => k))
      const st = opt.state()
      expect(st.step).toBe(fx.lrs.length)
      st.m.forEach((m, i) => expect(maxRelErr(m.data, c.m[i])).toBeLessThan(2e-5))
      st.v.forEach((v, i) => expect(maxRelErr(v.data, c.v[i])).toBeLessThan(2e-5))
      opt.dispose()
      tf.dispose(vars)
      expect(tf.memory().numTensors).toBe(before)
    })

  it('a restored state continues exactly where the saved one stopped', () => {
    const c = fx.cases[3]
    const first = runCase(c, [0, 1, 2])
    const saved = first.opt.state()
    const weights = first.vars.map((v) => Array.from(v.dataSync()))
    first.opt.dispose()
    tf.dispose(first.vars)
    const vars = weights.map((w, i) => variable(w, fx.shapes[i]))
    const opt = createOptimizer(vars, first.cfg, saved)
    expect(opt.step).toBe(3)
    runCase(c, [3, 4, 5], opt, vars)
    opt.dispose()
    tf.dispose(vars)
  })

  it('refuses a state that does not fit the variables', () => {
    const v = [variable([0, 0, 0, 0], [2, 2])]
    const cfg: OptimizerConfig = { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }
    expect(() => createOptimizer(v, cfg, { step: 1, m: [{ shape: [3], data: new Float32Array(3) }], v: [{ shape: [3], data: new Float32Array(3) }] })).toThrow(/shape \[3\]/)
    expect(() => createOptimizer(v, cfg, { step: 1, m: [], v: [] })).toThrow(/0 moments for 1/)
    tf.dispose(v)
  })
})
