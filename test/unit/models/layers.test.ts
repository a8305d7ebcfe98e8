// The hand-written gradients of the fast layers against tfjs autodiff through the plain formulas,
// on the wasm backend the engine trains on.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { linear, matMul } from '../../../src/main/engine/models/layers/linear'
import { layerNorm } from '../../../src/main/engine/models/layers/layerNorm'
import { gelu } from '../../../src/main/engine/models/layers/gelu'
import { mlp } from '../../../src/main/engine/models/layers/mlp'
import { attentionCore, selfAttention } from '../../../src/main/engine/models/layers/attention'
import { concatAxis1, sliceAxis1, takeAxis1, unstack0 } from '../../../src/main/engine/models/layers/pieces'
import { makeRng } from '../../../src/main/engine/util/rng'

beforeAll(async () => {
  await initBackend('wasm')
})

const rng = makeRng(7)
const randn = (shape: number[], scale = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale), shape)

/** Value and gradients of sum(f(...) · r) for a fixed random r, so every output element matters. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], r: tf.Tensor): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const value = f(...xs).dataSync() as Float32Array
    const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), r)))(xs)
    return { value: Float32Array.from(value), grads: grads.map((g) => Float32Array.from(g.dataSync())) }
  })
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  expect(a.length).toBe(b.length)
  let maxB = 0
  let maxDiff = 0
  for (let i = 0; i < a.length; i++) {
    maxB = Math.max(maxB, Math.abs(b[i]))
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]))
  }
  expect(maxB).toBeGreaterThan(0)
  expect(maxDiff / maxB).toBeLessThan(tol)
}

function compare(fast: (...xs: tf.Tensor[]) => tf.Tensor, plain: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], outShape: number[], tol = 1e-5) {
  const r = randn(outShape)
  const a = valueAndGrads(fast, xs, r)
  const b = valueAndGrads(plain, xs, r)
  expectClose(a.value, b.value, tol)
  a.grads.forEach((g, i) => expectClose(g, b.grads[i], tol))
  r.dispose()
  xs.forEach((x) => x.dispose())
}

describe('fast layers match autodiff', () => {
  it('matMul and linear', () => {
    compare((a, b) => matMul(a as tf.Tensor2D, b as tf.Tensor2D), (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), [randn([7, 5]), randn([5, 3])], [7, 3])
    compare(
      (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
      (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
      [randn([9, 6]), randn([6, 4]), randn([4])],
      [9, 4]
    )
  })

  it('linear without input gradient still trains the weights', () => {
    const [x, w, b] = [randn([4, 3]), randn([3, 2]), randn([2])]
    const g = tf.grads((w2: tf.Tensor, b2: tf.Tensor) => tf.sum(linear(x as tf.Tensor2D, w2 as tf.Tensor2D, b2 as tf.Tensor1D, false)))([w, b])
    const ref = tf.grads((w2: tf.Tensor, b2: tf.Tensor) => tf.sum(tf.add(tf.matMul(x as tf.Tensor2D, w2 as tf.Tensor2D), b2)))([w, b])
    expectClose(g[0].dataSync() as Float32Array, ref[0].dataSync() as Float32Array)
    expectClose(g[1].dataSync() as Float32Array, ref[1].dataSync() as Float32Array)
  })

  it('layerNorm (PyTorch semantics: biased variance, eps inside the root)', () => {
    const eps = 1e-5
    compare(
      (x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, eps),
      (x, g, b) => {
        const { mean, variance } = tf.moments(x, -1, true)
        return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b)
      },
      [randn([6, 8], 3), randn([8]), randn([8])],
      [6, 8],
      1e-4
    )
    // Known value: [1, 2, 3] normalises to [-√1.5, 0, √1.5] (eps small).
    const y = layerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]) as tf.Tensor1D, tf.zeros([3]) as tf.Tensor1D, 1e-12).dataSync()
    expect(y[0]).toBeCloseTo(-Math.sqrt(1.5), 5)
    expect(y[2]).toBeCloseTo(Math.sqrt(1.5), 5)
  })

  it('exact erf GELU', () => {
    compare((x) => gelu(x), (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1)), [randn([5, 7], 2)], [5, 7])
    // GELU(1) = Φ(1) = 0.8413447460685429
    expect(gelu(tf.tensor1d([1])).dataSync()[0]).toBeCloseTo(0.8413447, 6)
  })

  for (const masked of [false, true]) {
    it(`fused MLP fc2(GELU(fc1(x))${masked ? ' · dropout mask' : ''})`, () => {
      const mask = masked ? tf.tensor2d(Float32Array.from({ length: 6 * 16 }, (_, i) => (i % 3 === 0 ? 0 : 1.5)), [6, 16]) : null
      compare(
        (x, w1, b1, w2, b2) => mlp(x as tf.Tensor2D, { fc1W: w1 as tf.Tensor2D, fc1B: b1 as tf.Tensor1D, fc2W: w2 as tf.Tensor2D, fc2B: b2 as tf.Tensor1D }, mask),
        (x, w1, b1, w2, b2) => {
          const h = tf.add(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D), b1)
          let g = tf.mul(tf.mul(h, 0.5), tf.add(tf.erf(tf.div(h, Math.SQRT2)), 1))
          if (mask) g = tf.mul(g, mask)
          return tf.add(tf.matMul(g as tf.Tensor2D, w2 as tf.Tensor2D), b2)
        },
        [randn([6, 4]), randn([4, 16]), randn([16]), randn([16, 4]), randn([4])],
        [6, 4],
        1e-4
      )
      mask?.dispose()
    })
  }

  it('attention recomputes large probability maps in the backward pass with the same result', () => {
    // 1 × 2050² probabilities exceed the keep limit (4M values); the batched path keeps them.
    const [B, N, D, H] = [1, 2050, 4, 1]
    const w = { qkvW: randn([D, 3 * D], 0.5) as tf.Tensor2D, qkvB: randn([3 * D]) as tf.Tensor1D, projW: randn([D, D], 0.5) as tf.Tensor2D, projB: randn([D]) as tf.Tensor1D }
    compare(
      (x, qkvW) => selfAttention(x as tf.Tensor2D, B, N, H, { ...w, qkvW: qkvW as tf.Tensor2D }, true),
      (x, qkvW) => selfAttention(x as tf.Tensor2D, B, N, H, { ...w, qkvW: qkvW as tf.Tensor2D }, false),
      [randn([B * N, D]), w.qkvW],
      [B * N, D],
      1e-4
    )
  })

  for (const perGroup of [true, false]) {
    it(`attention core (${perGroup ? 'per-group 2-D products' : 'batched'}), with and without bias`, () => {
      const scale = 0.25
      const plain = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, bias?: tf.Tensor) => {
        let s = tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), scale)
        if (bias) s = tf.add(s, bias)
        return tf.matMul(tf.softmax(s) as tf.Tensor3D, v as tf.Tensor3D)
      }
      compare(
        (q, k, v) => attentionCore(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, { scale, perGroup }),
        (q, k, v) => plain(q, k, v),
        [randn([3, 5, 4]), randn([3, 5, 4]), randn([3, 5, 4])],
        [3, 5, 4]
      )
      compare(
        (q, k, v, b) => attentionCore(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, { scale, perGroup }, b as tf.Tensor3D),
        plain,
        [randn([2, 6, 3]), randn([2, 6, 3]), randn([2, 6, 3]), randn([2, 6, 6])],
        [2, 6, 3]
      )
    })
  }

  it('wasm-safe pieces equal tf.unstack / tf.slice / tf.concat, with gradients', () => {
    const x = randn([4, 3, 5])
    const parts = unstack0(x)
    const ref = tf.unstack(x)
    parts.forEach((p, i) => {
      expect(p.shape).toEqual([3, 5])
      expect(Array.from(p.dataSync())).toEqual(Array.from(ref[i].dataSync()))
    })
    expect(Array.from(sliceAxis1(x as tf.Tensor3D, 1, 2).dataSync())).toEqual(Array.from(tf.slice(x, [0, 1, 0], [-1, 2, -1]).dataSync()))
    compare((t) => takeAxis1(t as tf.Tensor3D, 1, 2), (t) => tf.slice(t, [0, 1, 0], [-1, 2, -1]), [randn([2, 4, 3])], [2, 2, 3])
    compare(
      (a, b, c) => concatAxis1([a, b, c] as tf.Tensor3D[]),
      (a, b, c) => tf.concat([a, b, c], 1),
      [randn([2, 1, 3]), randn([2, 1, 3]), randn([2, 4, 3])],
      [2, 6, 3]
    )
    tf.dispose([x, ...parts, ...ref])
  })

  for (const perGroup of [true, false]) {
    it(`fused multi-head self-attention (${perGroup ? 'per-group' : 'batched'}) matches timm's formula`, () => {
      const [B, N, D, H] = [2, 5, 12, 3]
      const plain = (x: tf.Tensor, qkvW: tf.Tensor, qkvB: tf.Tensor, projW: tf.Tensor, projB: tf.Tensor) => {
        // timm: qkv(x).reshape(B, N, 3, H, d).permute(2, 0, 3, 1, 4); softmax(q·kᵀ·scale)·v
        const qkv = tf.transpose(tf.reshape(tf.add(tf.matMul(x as tf.Tensor2D, qkvW as tf.Tensor2D), qkvB), [B, N, 3, H, D / H]), [2, 0, 3, 1, 4])
        const [q, k, v] = tf.unstack(qkv).map((t) => tf.reshape(t, [B * H, N, D / H]) as tf.Tensor3D)
        const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), (D / H) ** -0.5))
        const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(p as tf.Tensor3D, v), [B, H, N, D / H]), [0, 2, 1, 3]), [B * N, D])
        return tf.add(tf.matMul(o as tf.Tensor2D, projW as tf.Tensor2D), projB)
      }
      compare(
        (x, qkvW, qkvB, projW, projB) =>
          selfAttention(x as tf.Tensor2D, B, N, H, { qkvW: qkvW as tf.Tensor2D, qkvB: qkvB as tf.Tensor1D, projW: projW as tf.Tensor2D, projB: projB as tf.Tensor1D }, perGroup),
        plain,
        [randn([B * N, D]), randn([D, 3 * D], 0.5), randn([3 * D]), randn([D, D], 0.5), randn([D])],
        [B * N, D],
        1e-4
      )
    })
  }

  it('leaves no tensors behind after a gradient step', () => {
    const [x, w, b, g, be] = [randn([4, 6]), tf.variable(randn([6, 6])), tf.variable(randn([6])), tf.variable(tf.ones([6])), tf.variable(tf.zeros([6]))]
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const h = gelu(layerNorm(linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), g as tf.Tensor1D, be as tf.Tensor1D, 1e-6))
          const a = attentionCore(tf.reshape(h, [2, 2, 6]), tf.reshape(h, [2, 2, 6]), tf.reshape(h, [2, 2, 6]), { scale: 0.5 })
          return tf.sum(tf.square(a)) as tf.Scalar
        })
        for (const k of Object.keys(grads)) grads[k].dispose()
      })
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 3; i++) step()
    expect(tf.memory().numTensors).toBe(before)
  })
})
