// HTS-AT and the AST frame head learn on tfjs-wasm: a small model trains on generated "tone" features
// (a class is a band of mel bins lit up for a stretch of time), the clip + frame loss falls clearly,
// the frame outputs come to follow the event times, and the tensor count stays flat step to step.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src/main/engine/backend'
import { makeRng, type Rng } from '../../../src/main/engine/rng'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { createHtsat } from '../../../src/main/engine/models/htsat/model'
import { frameOutput } from '../../../src/main/engine/models/frameHead'
import { clipLoss, frameLoss } from '../../../src/main/engine/train/losses'
import type { TagModel } from '../../../src/main/engine/models/types'

const FRAMES = 128
const MEL = 32
const CLASSES = 3

interface Batch {
  x: tf.Tensor3D
  clip: tf.Tensor2D
  frames: tf.Tensor3D
}

/**
 * n clips of [FRAMES, MEL] features: noise, plus for each class present (p = 0.5) its band of 5 mel
 * bins raised from a random onset for 16–63 frames. Frame targets at `steps` output steps: a class is
 * on in a step when it is on for at least half of the step's frames.
 */
function toneBatch(rng: Rng, n: number, steps: number): Batch {
  const x = new Float32Array(n * FRAMES * MEL)
  const clip = new Float32Array(n * CLASSES)
  const frames = new Float32Array(n * steps * CLASSES)
  const per = FRAMES / steps
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < FRAMES * MEL; i++) x[b * FRAMES * MEL + i] = 0.5 * rng.normal()
    for (let k = 0; k < CLASSES; k++) {
      if (rng.next() < 0.5) continue
      clip[b * CLASSES + k] = 1
      const len = 16 + rng.int(48)
      const on = rng.int(FRAMES - len)
      for (let t = on; t < on + len; t++) for (let m = 3 + 10 * k; m < 8 + 10 * k; m++) x[(b * FRAMES + t) * MEL + m] += 2.5
      for (let s = 0; s < steps; s++) {
        const overlap = Math.max(0, Math.min(on + len, (s + 1) * per) - Math.max(on, s * per))
        if (overlap >= per / 2) frames[(b * steps + s) * CLASSES + k] = 1
      }
    }
  }
  return { x: tf.tensor3d(x, [n, FRAMES, MEL]), clip: tf.tensor2d(clip, [n, CLASSES]), frames: tf.tensor3d(frames, [n, steps, CLASSES]) }
}

const disposeBatch = (b: Batch) => tf.dispose([b.x, b.clip, b.frames])

interface TrainResult {
  first: number
  last: number
  counts: number[]
}

/** Adam on clip BCE + frame BCE; returns the mean loss of the first and last 20 steps and the tensor count after each step. */
function train(model: TagModel, frameLogits: (x: tf.Tensor3D) => { logits: tf.Tensor2D; frameLogits: tf.Tensor3D }, steps: number, outSteps: number, seed: number): TrainResult {
  const rng = makeRng(seed)
  const opt = tf.train.adam(2e-3)
  const losses: number[] = []
  const counts: number[] = []
  for (let s = 0; s < steps; s++) {
    const batch = toneBatch(rng, 8, outSteps)
    const cost = opt.minimize(
      () => {
        const out = frameLogits(batch.x)
        return tf.add(clipLoss(out.logits, batch.clip, { kind: 'bce' }), frameLoss(out.frameLogits, batch.frames, { kind: 'bce' })) as tf.Scalar
      },
      true,
      model.trainableVariables()
    )!
    losses.push(cost.dataSync()[0])
    cost.dispose()
    disposeBatch(batch)
    counts.push(tf.memory().numTensors)
  }
  opt.dispose()
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length
  return { first: mean(losses.slice(0, 20)), last: mean(losses.slice(-20)), counts }
}

/** Share of held-out (clip, step, class) frame decisions at 0.5 that match the targets. */
function frameAccuracy(apply: (x: tf.Tensor3D) => tf.Tensor3D, outSteps: number): number {
  const batch = toneBatch(makeRng(999), 16, outSteps)
  const p = tf.tidy(() => tf.sigmoid(apply(batch.x)))
  const pred = p.dataSync()
  const truth = batch.frames.dataSync()
  let right = 0
  for (let i = 0; i < truth.length; i++) if (pred[i] >= 0.5 === truth[i] >= 0.5) right++
  p.dispose()
  disposeBatch(batch)
  return right / truth.length
}

beforeAll(async () => {
  await initBackend('wasm')
})

describe('training on wasm', () => {
  it('small HTS-AT: loss falls, frames follow the events, tensor count flat', () => {
    const config = makeHtsatConfig({
      size: 'tiny',
      specSize: 64,
      melBins: MEL,
      targetLength: FRAMES,
      embedDim: 16,
      depths: [2, 2],
      heads: [2, 4],
      window: 4,
      numClasses: CLASSES,
      dropPath: 0.1
    })
    const model = createHtsat(config, 7)
    const out = frameOutput(config)!
    expect(out.frames).toBe(16)
    const before = frameAccuracy((x) => model.apply(x, false).frameLogits!, out.frames)
    const r = train(model, (x) => model.apply(x, true) as { logits: tf.Tensor2D; frameLogits: tf.Tensor3D }, 200, out.frames, 1)
    const after = frameAccuracy((x) => model.apply(x, false).frameLogits!, out.frames)
    expect(r.last).toBeLessThan(0.5 * r.first)
    expect(after).toBeGreaterThan(0.9)
    expect(after).toBeGreaterThan(before)
    // Adam creates its moment variables on the first step; from then on nothing may leak.
    expect(new Set(r.counts.slice(1)).size).toBe(1)
    model.dispose()
  })
})
