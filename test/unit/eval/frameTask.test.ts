// Frame-task metrics and the pos-bce loss against independent references made by
// test/fixtures/eval/make_frame_fixtures.py (sklearn for frameAP / frame F1, a sed_eval-definition
// event F1 with scipy's maximum bipartite matching, numpy for BCEWithLogits(pos_weight)).
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { frameAP, frameTaskMetrics, tuneFrameThresholds, type RecordingFrames } from '../../../src/main/engine/eval/frameTask'
import { frameLoss, positiveWeights } from '../../../src/main/engine/train/losses'
import { smoothFrameTargets } from '../../../src/main/engine/data/frames'

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/frame_metrics.json'), 'utf8'))
const C: number = fx.classes
const recs: RecordingFrames[] = fx.recordings.map((r: { frames: number; scores: number[]; targets: number[] }) => ({
  frames: r.frames,
  scores: Float32Array.from(r.scores),
  targets: Float32Array.from(r.targets)
}))
const close = (a: number | null, b: number, tol = 1e-9) => expect(Math.abs((a ?? NaN) - b)).toBeLessThan(tol)

beforeAll(async () => {
  await initBackend('wasm')
})

describe('frame-task metrics match sklearn and sed_eval’s definition', () => {
  it('frameAP (sklearn average_precision_score per class, macro)', () => {
    close(frameAP(recs, C), fx.at05.frameAP)
  })

  it('frame F1 and event F1 (200 ms onset collar, offset max(200 ms, 50% of length), optimal matching) at two thresholds', () => {
    const at05 = frameTaskMetrics(recs, C, fx.rate, 0.5)
    close(at05.frameF1, fx.at05.frameF1)
    close(at05.eventF1, fx.at05.eventF1)
    const at07 = frameTaskMetrics(recs, C, fx.rate, [0.7, 0.75])
    close(at07.frameF1, fx.at07.frameF1)
    close(at07.eventF1, fx.at07.eventF1)
    // Not every reference event is found at the higher thresholds: the matching is really tested.
    expect(fx.at07.counts[0]).toBeLessThan(fx.at07.counts[1])
  })

  it('thresholds tuned for frame F1 reach the brute-force optimum', () => {
    const tuned = tuneFrameThresholds(recs, C)
    close(frameTaskMetrics(recs, C, fx.rate, tuned).frameF1, fx.tunedF1)
    expect(fx.tunedF1).toBeGreaterThan(fx.at05.frameF1)
  })

  it('reports the share of predicted positives, ~0 for a collapsed model', () => {
    const zeros = recs.map((r) => ({ ...r, scores: new Float32Array(r.scores.length).fill(0.01) }))
    const m = frameTaskMetrics(zeros, C, fx.rate)
    expect(m.predictedPositive).toBe(0)
    expect(m.frameF1).toBe(0)
    expect(m.truePositive).toBeGreaterThan(0)
  })
})

describe('losses for sparse frames', () => {
  const p = fx.posBce
  it('pos-bce equals BCEWithLogitsLoss(pos_weight) (mean, and masked mean over real frames)', () => {
    const [mean, masked] = tf.tidy(() => {
      const x = tf.tensor3d(p.logits, [3, 5, C])
      const y = tf.tensor3d(p.targets, [3, 5, C])
      const opts = { kind: 'pos-bce' as const, posWeights: p.posWeights }
      return [frameLoss(x, y, opts).dataSync()[0], frameLoss(x, y, opts, tf.tensor2d(p.mask, [3, 5])).dataSync()[0]]
    })
    expect(Math.abs(mean - p.mean) / p.mean).toBeLessThan(2e-6)
    expect(Math.abs(masked - p.masked) / p.masked).toBeLessThan(2e-6)
  })

  it('positive weight from the label frequency: negatives ÷ positives, capped, 1 without positives', () => {
    expect(positiveWeights([20, 0, 1], 1000)).toEqual([49, 1, 100])
    expect(positiveWeights([20], 1000, 1000)).toEqual([49])
  })

  it('soft targets spread a label over ±k frames, falling linearly', () => {
    const y = Float32Array.from([0, 0, 0, 1, 0, 0, 0, 0])
    expect(Array.from(smoothFrameTargets(y, 8, 1, 2)).map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0.333, 0.667, 1, 0.667, 0.333, 0, 0])
    expect(Array.from(smoothFrameTargets(y, 8, 1, 0))).toEqual(Array.from(y))
  })
})

describe('event F1 after the median filter', () => {
  it('merges a flickering detection into one event (frame F1 unchanged)', () => {
    // One true event of 12 frames; the scores flicker below the threshold twice inside it.
    const targets = new Float32Array(60)
    targets.fill(1, 20, 32)
    const scores = Float32Array.from(targets, (v, i) => (v && i !== 24 && i !== 28 ? 0.9 : 0.1))
    const recs = [{ frames: 60, scores, targets }]
    const raw = frameTaskMetrics(recs, 1, 30)
    const filtered = frameTaskMetrics(recs, 1, 30, 0.5, undefined, 5)
    // Raw: three fragments, one of which (frames 25–28) happens to fit the collars: 2·1 / (1 + 3).
    expect(raw.eventF1).toBe(0.5)
    expect(filtered.eventF1).toBe(1)
    expect(filtered.frameF1).toBe(raw.frameF1)
  })
})
