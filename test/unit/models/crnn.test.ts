// The CRNN against PyTorch (test/fixtures/models/crnn/make_crnn_reference.py): the GRU layer's
// outputs and gradients against torch.nn.GRU (2 layers, bidirectional), and the whole CRNN's per-step
// logits against the same network written with torch.nn modules, on wasm. Plus checkpoint names.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { makeCrnnConfig } from '../../../src/main/engine/models/crnn/config'
import { createCrnn, gruNames, GRU_DIRECTIONS } from '../../../src/main/engine/models/crnn/model'
import { gruDirection } from '../../../src/main/engine/models/crnn/gru'
import type { WeightMap } from '../../../src/main/engine/models/types'
import { estimateCost } from '../../../src/main/engine/train/estimate'
import type { RunConfig as RunConfig } from '../../../src/shared/types'

interface T {
  shape: number[]
  data: number[]
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/models/crnn/crnn_reference.json'), 'utf8')) as {
  gru: { input: T; output: T; proj: T; inputGrad: T; weights: Record<string, T>; grads: Record<string, T> }
  crnn: { config: { channels: number[]; freqPools: number[]; timePool: number; melBins: number; targetLength: number; hidden: number; numClasses: number }; input: T; steps: T; weights: Record<string, T> }
}
const tensor = (t: T) => tf.tensor(t.data, t.shape)

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

beforeAll(async () => {
  await initBackend('wasm')
})

describe('GRU layer against torch.nn.GRU (2 layers, bidirectional)', () => {
  const g = fixture.gru
  /** The two-layer bidirectional GRU from gruDirection, weights as tensors in tfjs layout ([in, 3H]). */
  function run(x: tf.Tensor3D, w: Record<string, tf.Tensor>): tf.Tensor3D {
    let seq = x
    for (let l = 0; l < 2; l++) {
      seq = tf.concat(
        GRU_DIRECTIONS.map((d, k) => {
          const n = gruNames(l, d)
          return gruDirection(seq, { wih: w[n.wih] as tf.Tensor2D, whh: w[n.whh] as tf.Tensor2D, bih: w[n.bih] as tf.Tensor1D, bhh: w[n.bhh] as tf.Tensor1D }, k === 1)
        }),
        2
      ) as tf.Tensor3D
    }
    return seq
  }
  const names = Object.keys(g.weights).sort()
  // weight_* are [3H, in] in PyTorch; the layer takes them transposed.
  const toLayer = (name: string, t: tf.Tensor) => (name.includes('weight') ? tf.transpose(t) : t)

  it('gives PyTorch\'s outputs (1e-5)', () => {
    const w = Object.fromEntries(names.map((n) => [n, toLayer(n, tensor(g.weights[n]))]))
    const y = run(tensor(g.input) as tf.Tensor3D, w)
    expect(y.shape).toEqual(g.output.shape)
    expect(maxAbsDiff(y.dataSync(), g.output.data)).toBeLessThan(1e-5)
  })

  it('gives PyTorch\'s gradients for the input and every weight (1e-5)', () => {
    const proj = tensor(g.proj)
    const inputs = [tensor(g.input), ...names.map((n) => toLayer(n, tensor(g.weights[n])))]
    const f = (...args: tf.Tensor[]) => {
      const w = Object.fromEntries(names.map((n, i) => [n, args[i + 1]]))
      return tf.sum(tf.mul(run(args[0] as tf.Tensor3D, w), proj))
    }
    const grads = tf.grads(f)(inputs)
    expect(maxAbsDiff(grads[0].dataSync(), g.inputGrad.data)).toBeLessThan(1e-5)
    names.forEach((n, i) => {
      const got = n.includes('weight') ? tf.transpose(grads[i + 1]) : grads[i + 1]
      expect(got.shape, n).toEqual(g.grads[n].shape)
      expect(maxAbsDiff(got.dataSync(), g.grads[n].data), n).toBeLessThan(1e-5)
    })
  })
})

describe('CRNN against the same network in torch.nn', () => {
  const c = fixture.crnn
  it('loads the PyTorch state_dict by name and gives its per-step logits, clip logits = their max (1e-5)', () => {
    const model = createCrnn(makeCrnnConfig({ ...c.config, labels: ['a', 'b'] }), 1)
    const weights: WeightMap = new Map(Object.entries(c.weights).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]))
    expect(model.loadWeights(weights, 'crnn_reference.json')).toEqual([])
    const x = tensor(c.input) as tf.Tensor3D
    const out = model.apply(x, false)
    expect(out.frameLogits!.shape).toEqual(c.steps.shape)
    expect(maxAbsDiff(out.frameLogits!.dataSync(), c.steps.data)).toBeLessThan(1e-5)
    const [B, S, K] = c.steps.shape
    const clip = Array.from({ length: B * K }, (_, i) => Math.max(...Array.from({ length: S }, (_, s) => c.steps.data[(Math.floor(i / K) * S + s) * K + (i % K)])))
    expect(maxAbsDiff(out.logits.dataSync(), clip)).toBeLessThan(1e-5)
    // Checkpoints round-trip under the same names and shapes.
    const named = model.namedWeights()
    expect([...named.keys()].sort()).toEqual(Object.keys(c.weights).sort())
    for (const [k, t] of named) expect(t.shape, k).toEqual(c.weights[k].shape)
    tf.dispose([...named.values()])
    model.dispose()
  })

  it('refuses a weight of the wrong shape, naming the file and tensor', () => {
    const model = createCrnn(makeCrnnConfig({ ...c.config, labels: ['a', 'b'] }), 1)
    const bad: WeightMap = new Map([['head.weight', { shape: [3, 6], data: new Float32Array(18) }]])
    expect(() => model.loadWeights(bad, 'ckpt.safetensors')).toThrow(/ckpt\.safetensors: tensor head\.weight has shape \[3,6\]/)
    model.dispose()
  })
})

describe('CRNN cost estimate', () => {
  it('counts exactly the parameters the model has (running statistics excluded) and its GRU steps', () => {
    for (const size of ['tiny', 'small'] as const) {
      const run = { model: 'crnn', size, melBins: 64, targetLength: 1000, frameHead: true, frameRate: 30, frozen: false } as RunConfig
      const est = estimateCost(run, 2, 100)
      const model = createCrnn(makeCrnnConfig({ size, melBins: 64, targetLength: 1000, labels: ['a', 'b'], frameHead: { frameRate: 30 } }), 0)
      const params = model.params.list().filter((p) => p.variable.trainable).reduce((a, p) => a + p.variable.size, 0)
      expect(est.params, size).toBe(params)
      // 30 labels/s: time pooled by 3, 333 GRU steps.
      expect(est.tDim).toBe(model.geometry.steps)
      expect(model.geometry.steps).toBe(333)
      model.dispose()
    }
  })
})
