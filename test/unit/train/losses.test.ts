// Losses against PyTorch (fixture from test/fixtures/eval/make_metric_fixtures.py) and closed forms.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { clipLoss, frameLoss, inverseFrequencyWeights, type LossOptions } from '../../../src/main/engine/train/losses'

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/losses.json'), 'utf8'))
const B: number = fx.B
const C: number = fx.C

beforeAll(async () => {
  await initBackend('wasm')
})

const t2 = (v: number[]) => tf.tensor2d(v, [B, C])
const oneHot = (labels: number[]) => labels.flatMap((l) => Array.from({ length: C }, (_, c) => (c === l ? 1 : 0)))
function value(logits: number[], targets: number[], opts: LossOptions): number {
  return tf.tidy(() => clipLoss(t2(logits), t2(targets), opts).dataSync()[0])
}
// float32 tensors against float64 torch values
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(2e-6 * Math.max(1, Math.abs(b)))

describe('clip losses match torch', () => {
  it('BCE with logits (hard and soft targets, |x| = 40 stays finite)', () => {
    close(value(fx.logits, fx.hard, { kind: 'bce' }), fx.bceHard)
    close(value(fx.logits, fx.soft, { kind: 'bce' }), fx.bceSoft)
  })
  it('BCE weighted per class (torch weight=)', () => {
    close(value(fx.logits, fx.hard, { kind: 'weighted-bce', classWeights: fx.weights }), fx.bceWeighted)
  })
  it('BCE with label smoothing y(1-e)+e/2', () => {
    close(value(fx.logits, fx.hard, { kind: 'bce', labelSmoothing: fx.labelSmoothing }), fx.bceSmoothed)
  })
  it('sigmoid focal loss (torchvision formula)', () => {
    close(value(fx.logits, fx.hard, { kind: 'focal', focalGamma: 2, focalAlpha: 0.25 }), fx.focalG2A025)
    close(value(fx.logits, fx.hard, { kind: 'focal', focalGamma: 1.5, focalAlpha: -1 }), fx.focalG15NoAlpha)
  })
  it('softmax cross-entropy: class targets, probability targets, label smoothing', () => {
    close(value(fx.logits, oneHot(fx.labels), { kind: 'ce' }), fx.ceIndex)
    close(value(fx.logits, oneHot(fx.labels), { kind: 'ce', labelSmoothing: fx.labelSmoothing }), fx.ceIndexSmoothed)
    close(value(fx.logits, fx.probs, { kind: 'ce' }), fx.ceProbs)
    close(value(fx.logits, fx.probs, { kind: 'ce', labelSmoothing: fx.labelSmoothing }), fx.ceProbsSmoothed)
  })
})

describe('frame losses match torch', () => {
  const f = fx.frame
  const t3 = (v: number[]) => tf.tensor3d(v, f.shape)
  const mask = () => tf.tensor2d(f.mask, [f.shape[0], f.shape[1]])
  it('masked BCE averages over real frames only', () => {
    close(tf.tidy(() => frameLoss(t3(f.logits), t3(f.targets), { kind: 'bce' }, mask()).dataSync()[0]), f.bceMasked)
    close(tf.tidy(() => frameLoss(t3(f.logits), t3(f.targets), { kind: 'bce' }).dataSync()[0]), f.bceUnmasked)
    expect(Math.abs(f.bceMasked - f.bceUnmasked)).toBeGreaterThan(1e-3)
  })
  it('focal and masked CE per frame', () => {
    close(tf.tidy(() => frameLoss(t3(f.logits), t3(f.targets), { kind: 'focal' }).dataSync()[0]), f.focalUnmasked)
    close(tf.tidy(() => frameLoss(t3(f.logits), t3(f.targets), { kind: 'ce' }, mask()).dataSync()[0]), f.ceMasked)
  })
  it('an all-padding mask gives 0, not NaN', () => {
    const v = tf.tidy(() => frameLoss(t3(f.logits), t3(f.targets), { kind: 'bce' }, tf.zeros([f.shape[0], f.shape[1]])).dataSync()[0])
    expect(v).toBe(0)
  })
})

describe('closed forms and gradients', () => {
  it('BCE of one logit from first principles', () => {
    // x = 2, y = 1: −log σ(2) = log(1 + e^−2)
    expect(value([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, ...new Array(19).fill(0)], { kind: 'bce' })).toBeCloseTo(
      (Math.log1p(Math.exp(-2)) + 19 * Math.log(2)) / 20,
      6
    )
    // CE of uniform logits = log C
    expect(value(new Array(20).fill(0.7), oneHot([0, 1, 2, 3]), { kind: 'ce' })).toBeCloseTo(Math.log(C), 6)
  })
  it('BCE gradient w.r.t. logits is (σ(x) − y) / N, and no tensor leaks', () => {
    const before = tf.memory().numTensors
    const g = tf.tidy(() => {
      const y = t2(fx.hard)
      const grad = tf.grad((x: tf.Tensor) => clipLoss(x as tf.Tensor2D, y, { kind: 'bce' }))(t2(fx.logits))
      return grad.dataSync()
    })
    expect(tf.memory().numTensors).toBe(before)
    fx.logits.forEach((x: number, i: number) => {
      const want = (1 / (1 + Math.exp(-x)) - fx.hard[i]) / (B * C)
      expect(Math.abs(g[i] - want)).toBeLessThan(1e-7)
    })
  })
  it('CE gradient w.r.t. logits is (softmax − q) / B', () => {
    const g = tf.tidy(() => {
      const q = t2(fx.probs)
      return tf.grad((x: tf.Tensor) => clipLoss(x as tf.Tensor2D, q, { kind: 'ce' }))(t2(fx.logits)).dataSync()
    })
    for (let b = 0; b < B; b++) {
      const row = fx.logits.slice(b * C, b * C + C) as number[]
      const m = Math.max(...row)
      const z = row.reduce((a, x) => a + Math.exp(x - m), 0)
      for (let c = 0; c < C; c++) expect(Math.abs(g[b * C + c] - (Math.exp(row[c] - m) / z - fx.probs[b * C + c]) / B)).toBeLessThan(1e-6)
    }
  })
  it('inverse-frequency weights have mean 1 and favour rare classes', () => {
    const w = inverseFrequencyWeights([100, 10, 0])
    expect(w.reduce((a, b) => a + b, 0) / 3).toBeCloseTo(1, 12)
    expect(w[0]).toBeLessThan(w[1])
    expect(w[1]).toBeLessThan(w[2])
    expect(w[1] / w[0]).toBeCloseTo(10, 12)
  })
  it('weighted-bce without weights is a clear error', () => {
    expect(() => value(fx.logits, fx.hard, { kind: 'weighted-bce' })).toThrow(/classWeights/)
    expect(() => value(fx.logits, fx.hard, { kind: 'weighted-bce', classWeights: [1, 2] })).toThrow(/2 class weights for 5/)
  })
})
