// Training windows of long recordings: the batch holds fbank frames [start, start + T) and frame
// targets cut to the same span (soft targets when asked), and its clip target is presence in the window.
import { describe, expect, it } from 'vitest'
import type { DatasetRecord } from '../../../src/shared/types'
import { buildBatch, type ClipSet, type FeatureSource, type InputSpec } from '../../../src/main/engine/train/data'
import { frameTargets, smoothFrameTargets } from '../../../src/main/engine/data/frames'

const F = 4
const frames = 600 // 6 s of fbank frames
const fb = Float32Array.from({ length: frames * F }, (_, k) => Math.floor(k / F))
const source: FeatureSource = {
  async get() {
    return { data: fb, frames, melBins: F }
  }
}
const record = {
  classNames: ['breath'],
  events: [
    { file: 'a.wav', onset: 1.0, offset: 1.3, label: 'breath' },
    { file: 'a.wav', onset: 4.5, offset: 4.6, label: 'breath' }
  ]
} as unknown as DatasetRecord
const set: ClipSet = { split: 'train', files: ['a.wav'], paths: ['/x/a.wav'], labels: [[0]], targets: Float32Array.from([1]), n: 1 }
const spec: InputSpec = { settings: { sampleRate: 16000, melBins: F }, targetLength: 200, norm: null, frames: { count: 60, rate: 30 }, frameLoss: true }

describe('window batches', () => {
  it('cut features and frame targets to the same window', async () => {
    const b = await buildBatch(set, [0, 0, 0], source, spec, record, null, [0, 80, 400])
    // Window 2 starts at frame 80 (0.8 s): fbank rows 80..279.
    expect(b.x[200 * F]).toBe(80)
    expect(b.x[200 * F + 199 * F]).toBe(279)
    expect(Array.from(b.frameY!.subarray(60, 120))).toEqual(Array.from(frameTargets(record, 'a.wav', 30, 60, 0.8)))
    // 1.0–1.3 s lies at 0.2–0.5 s into that window: frames 6..14.
    expect(Array.from(b.frameY!.subarray(60, 120)).flatMap((v, i) => (v ? [i] : []))).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14])
    // Clip targets: presence in the window (window 1 holds 1.0–1.3 s; window 3, 4–6 s, holds 4.5–4.6 s).
    expect(Array.from(b.y)).toEqual([1, 1, 1])
    const none = await buildBatch(set, [0], source, spec, record, null, [150])
    expect(Array.from(none.y)).toEqual([0])
    expect(Array.from(none.frameMask!)).toEqual(new Array(60).fill(1))
  })

  it('smooths frame targets over ±k frames, looking past the window edges', async () => {
    const b = await buildBatch(set, [0], source, { ...spec, frameSmoothing: 2 }, record, null, [140])
    // The window starts at 1.4 s, 3 frames after the event's end at 1.3 s: nothing within ±2 frames.
    expect(Array.from(b.frameY!).every((v) => v === 0)).toBe(true)
    const near = await buildBatch(set, [0], source, { ...spec, frameSmoothing: 2 }, record, null, [131])
    // Starts 1.31 s: the event's last frame (1.2667–1.3 s) ends just before; the smoothed tail leaks in.
    const wide = smoothFrameTargets(frameTargets(record, 'a.wav', 30, 64, 1.31 - 2 / 30), 64, 1, 2).slice(2, 62)
    expect(Array.from(near.frameY!)).toEqual(Array.from(wide))
    expect(near.frameY![0]).toBeGreaterThan(0)
  })
})
