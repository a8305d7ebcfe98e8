// HTS-AT forward (eval and training mode) and the frame head against the PyTorch reference values of
// test/fixtures/models/htsat/make_htsat_reference.py (tiny 3-stage config, random weights), on wasm.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { initBackend, tf } from '../../../src/main/engine/platform/backend'
import { makeHtsatConfig, type HtsatConfigInput } from '../../../src/main/engine/models/htsat/config'
import { createHtsat } from '../../../src/main/engine/models/htsat/model'
import { frameHeadApply } from '../../../src/main/engine/models/frameHead'
import type { WeightMap } from '../../../src/main/engine/models/types'

const DIR = path.join(__dirname, '../../fixtures/models/htsat')
interface Manifest {
  config: HtsatConfigInput & { numClasses: number }
  batch: number
  frameHead: { fDim: number; tDim: number }
  tensors: { name: string; shape: number[]; offset: number }[]
}
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'htsat_tiny.json'), 'utf8')) as Manifest
const blob = fs.readFileSync(path.join(DIR, 'htsat_tiny.bin'))
const all = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength))
const fixture = new Map(
  manifest.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1)
    return [t.name, { shape: t.shape, data: all.slice(t.offset, t.offset + n) }]
  })
)
const get = (name: string) => {
  const t = fixture.get(name)
  if (!t) throw new Error(`fixture has no ${name}`)
  return t
}

/** max|a − b| / max|b|, the agreed float32 parity measure. */
function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length)
  let diff = 0
  let scale = 0
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]))
    scale = Math.max(scale, Math.abs(expected[i]))
  }
  return diff / scale
}

const TOL = 1e-4
const cfg = makeHtsatConfig({ ...manifest.config, size: 'tiny', dropPath: 0 })

function weights(): WeightMap {
  const w: WeightMap = new Map()
  for (const [name, t] of fixture) if (name.startsWith('weights/')) w.set(name.slice('weights/'.length), t)
  return w
}

beforeAll(async () => {
  await initBackend('wasm')
})

describe('HTS-AT matches the PyTorch reference', () => {
  it('loads every reference tensor and no more', () => {
    const model = createHtsat(cfg, 1)
    const given = weights()
    expect(model.loadWeights(given, 'htsat_tiny.bin')).toEqual([])
    const names = [...model.namedWeights().entries()].map(([n, t]) => (t.dispose(), n)).sort()
    expect(names).toEqual([...given.keys()].sort())
    model.dispose()
  })

  it('eval mode: clip logits, per-step logits, framewise output and embedding', () => {
    const model = createHtsat(cfg, 1)
    model.loadWeights(weights(), 'htsat_tiny.bin')
    const input = get('input')
    const x = tf.tensor3d(input.data, input.shape as [number, number, number])
    const out = model.apply(x, false)
    expect(out.logits.shape).toEqual([manifest.batch, cfg.numClasses])
    expect(out.frameLogits!.shape).toEqual(get('eval/frameLogits').shape)
    expect(relErr(out.logits.dataSync(), get('eval/clipLogits').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(out.frameLogits!.dataSync(), get('eval/frameLogits').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(out.embedding.dataSync(), get('eval/latent').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(tf.sigmoid(out.logits).dataSync(), get('eval/clipwise').data)).toBeLessThanOrEqual(TOL)
    // The reference's framewise_output: each step's sigmoid repeated over the frames it spans.
    const frames = get('eval/framewise').shape[1]
    const steps = out.frameLogits!.shape[1]
    const framewise = tf.tidy(() => {
      const p = tf.sigmoid(out.frameLogits!)
      return tf.reshape(tf.tile(tf.expandDims(p, 2), [1, 1, frames / steps, 1]), [manifest.batch, frames, cfg.numClasses])
    })
    expect(relErr(framewise.dataSync(), get('eval/framewise').data)).toBeLessThanOrEqual(TOL)
    tf.dispose([x, out.logits, out.embedding, out.frameLogits!, framewise])
    model.dispose()
  })

  it('training mode: bn0 batch statistics and the running-statistics update', () => {
    const model = createHtsat(cfg, 1)
    model.loadWeights(weights(), 'htsat_tiny.bin')
    const input = get('input')
    const x = tf.tensor3d(input.data, input.shape as [number, number, number])
    const out = model.apply(x, true)
    expect(relErr(out.logits.dataSync(), get('train/clipLogits').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(out.frameLogits!.dataSync(), get('train/frameLogits').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(out.embedding.dataSync(), get('train/latent').data)).toBeLessThanOrEqual(TOL)
    const named = model.namedWeights()
    expect(relErr(named.get('bn0.running_mean')!.dataSync(), get('train/newRunningMean').data)).toBeLessThanOrEqual(TOL)
    expect(relErr(named.get('bn0.running_var')!.dataSync(), get('train/newRunningVar').data)).toBeLessThanOrEqual(TOL)
    tf.dispose([x, out.logits, out.embedding, out.frameLogits!, ...named.values()])
    model.dispose()
  })
})

describe('HTS-AT gradients match PyTorch autograd', () => {
  it('d(projected clip + frame logits)/d(weights) in training mode', () => {
    const model = createHtsat(cfg, 1)
    model.loadWeights(weights(), 'htsat_tiny.bin')
    const input = get('input')
    const x = tf.tensor3d(input.data, input.shape as [number, number, number])
    const pc = get('train/projClip')
    const pf = get('train/projFrame')
    const projClip = tf.tensor(pc.data, pc.shape)
    const projFrame = tf.tensor(pf.data, pf.shape)
    const { grads } = tf.variableGrads(() => {
      const out = model.apply(x, true)
      return tf.add(tf.sum(tf.mul(out.logits, projClip)), tf.sum(tf.mul(out.frameLogits!, projFrame))) as tf.Scalar
    }, model.trainableVariables())
    const checked = [...fixture.keys()].filter((n) => n.startsWith('grad/'))
    expect(checked.length).toBeGreaterThan(10)
    for (const name of checked) {
      const p = model.params.list().find((q) => q.name === name.slice('grad/'.length))!
      const g = grads[p.variable.name]
      // Internal 'linear' layout is [in, out]; the reference's is [out, ...in].
      const torchLayout = tf.tidy(() => (p.layout === 'linear' ? tf.transpose(g) : g.clone()))
      expect(torchLayout.size).toBe(get(name).data.length)
      expect(relErr(torchLayout.dataSync(), get(name).data), name).toBeLessThanOrEqual(TOL)
      torchLayout.dispose()
    }
    tf.dispose([x, projClip, projFrame, ...Object.values(grads)])
    model.dispose()
  })
})

describe('frame head matches PyTorch (mean over frequency, Linear, linear resampling)', () => {
  const { fDim, tDim } = manifest.frameHead
  for (const frames of [tDim, 3, 16]) {
    it(`to ${frames} frames from ${tDim} steps`, () => {
      const tok = get('frameHead/tokens')
      const w = get('frameHead/weight') // [C, D]
      const [C, D] = w.shape
      const wT = new Float32Array(D * C)
      for (let c = 0; c < C; c++) for (let d = 0; d < D; d++) wT[d * C + c] = w.data[c * D + d]
      const weights = { w: tf.variable(tf.tensor2d(wT, [D, C])), b: tf.variable(tf.tensor1d(get('frameHead/bias').data)) }
      const tokens = tf.tensor3d(tok.data, tok.shape as [number, number, number])
      const out = frameHeadApply(tokens, fDim, tDim, weights, frames)
      expect(out.shape).toEqual([manifest.batch, frames, C])
      expect(relErr(out.dataSync(), get(`frameHead/frames${frames}`).data)).toBeLessThanOrEqual(TOL)
      tf.dispose([tokens, out, weights.w, weights.b])
    })
  }
})
