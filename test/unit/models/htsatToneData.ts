// Generated "tone" features for the HTS-AT and frame-head training tests: a class is a band of 5 mel
// bins lit up for a stretch of time, so clip labels and frame targets are known exactly.
import { expect } from 'vitest'
import { tf } from '../../../src/main/engine/platform/backend'
import { makeRng, type Rng } from '../../../src/main/engine/util/rng'
import { clipLoss, frameLoss } from '../../../src/main/engine/train/losses'
import type { TagModel } from '../../../src/main/engine/models/types'

export const FRAMES = 128
export const MEL = 32
export const CLASSES = 3

export interface ToneBatch {
  x: tf.Tensor3D
  clip: tf.Tensor2D
  frames: tf.Tensor3D
}

/**
 * n clips of [FRAMES, MEL] features: noise, plus for each class present (p = 0.5) its band of 5 mel
 * bins raised from a random onset for 16–63 frames. Frame targets at `steps` output steps: a class is
 * on in a step when it is on for at least half of the step's frames.
 */
function toneBatch(rng: Rng, n: number, steps: number): ToneBatch {
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

const disposeBatch = (b: ToneBatch) => tf.dispose([b.x, b.clip, b.frames])

export interface TrainResult {
  /** Mean loss of the first and of the last 20 steps. */
  first: number
  last: number
  /** tf.memory().numTensors after each step. */
  counts: number[]
}

type Forward = (x: tf.Tensor3D) => { logits: tf.Tensor2D; frameLogits: tf.Tensor3D }

/** Adam (2e-3) on clip BCE + frame BCE, a fresh generated batch per step. */
export function trainFrames(model: TagModel, forward: Forward, steps: number, batchSize: number, outSteps: number, seed: number): TrainResult {
  const rng = makeRng(seed)
  const opt = tf.train.adam(2e-3)
  const losses: number[] = []
  const counts: number[] = []
  for (let s = 0; s < steps; s++) {
    const batch = toneBatch(rng, batchSize, outSteps)
    const cost = opt.minimize(
      () => {
        const out = forward(batch.x)
        return tf.add(clipLoss(out.logits, batch.clip, { kind: 'bce' }), frameLoss(out.frameLogits, batch.frames, { kind: 'bce' })) as tf.Scalar
      },
      true,
      model.trainableVariables()
    )
    expect(cost).not.toBeNull()
    losses.push(cost!.dataSync()[0])
    cost!.dispose()
    disposeBatch(batch)
    counts.push(tf.memory().numTensors)
  }
  opt.dispose()
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length
  return { first: mean(losses.slice(0, 20)), last: mean(losses.slice(-20)), counts }
}

/** Share of held-out (clip, step, class) frame decisions at probability 0.5 that match the targets. */
export function frameAccuracy(frameLogits: (x: tf.Tensor3D) => tf.Tensor3D, outSteps: number): number {
  const batch = toneBatch(makeRng(999), 16, outSteps)
  const p = tf.tidy(() => tf.sigmoid(frameLogits(batch.x)))
  const pred = p.dataSync()
  const truth = batch.frames.dataSync()
  let right = 0
  for (let i = 0; i < truth.length; i++) if (pred[i] >= 0.5 === truth[i] >= 0.5) right++
  p.dispose()
  disposeBatch(batch)
  return right / truth.length
}
