// SED post-processing and metrics: the median filter against scipy.ndimage, collars and matching
// against cases worked out by hand from sed_eval's rules.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { binariseFrames, eventCounts, eventF1, frameF1, framesToEvents, medianFilter, type SedEvent } from '../../../src/main/engine/eval/sed'

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/metrics.json'), 'utf8')) as {
  medianFilter: { frames: number[]; nFrames: number; nClasses: number; size: number; filtered: number[] }
}

describe('median filter', () => {
  it('matches scipy.ndimage.median_filter(size=(5,1), mode="reflect")', () => {
    const m = fixture.medianFilter
    expect(Array.from(medianFilter(m.frames, m.nFrames, m.nClasses, m.size))).toEqual(m.filtered)
  })
  it('reflects at the edges and removes short blips', () => {
    // [1,0,0,0,0,1,1,0,1,1] with size 3: edges mirror the edge sample.
    const x = [1, 0, 0, 0, 0, 1, 1, 0, 1, 1]
    expect(Array.from(medianFilter(x, 10, 1, 3))).toEqual([1, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    expect(() => medianFilter(x, 10, 1, 4)).toThrow(/odd/)
  })
})

describe('frames to events', () => {
  it('threshold, filter and cut runs into events per class', () => {
    // 2 classes at 10 frames/s; class 0 active on frames 2..4, class 1 on 0..1 and 8..9 (with a blip at 5).
    const act = new Float32Array(20)
    for (const t of [2, 3, 4]) act[t * 2] = 0.9
    for (const t of [0, 1, 5, 8, 9]) act[t * 2 + 1] = 0.7
    const raw = framesToEvents(binariseFrames(act, 10, 2, { thresholds: 0.5 }), 10, 2, 10)
    expect(raw).toHaveLength(4)
    const filtered = framesToEvents(binariseFrames(act, 10, 2, { thresholds: [0.5, 0.5], medianFrames: 3 }), 10, 2, 10)
    expect(filtered).toEqual([
      { label: 1, onset: 0, offset: 0.2 },
      { label: 0, onset: 0.2, offset: 0.5 },
      { label: 1, onset: 0.8, offset: 1 }
    ])
    // Per-class thresholds: class 1 needs > 0.8 and so never fires.
    expect(framesToEvents(binariseFrames(act, 10, 2, { thresholds: [0.5, 0.8] }), 10, 2, 10).every((e) => e.label === 0)).toBe(true)
  })
})

describe('event-based F1 (sed_eval collars, optimal matching)', () => {
  const ev = (label: number, onset: number, offset: number): SedEvent => ({ label, onset, offset })
  it('onset collar ±200 ms', () => {
    expect(eventCounts([ev(0, 1, 2)], [ev(0, 1.2, 2)]).tp).toBe(1)
    expect(eventCounts([ev(0, 1, 2)], [ev(0, 1.25, 2)]).tp).toBe(0)
  })
  it('offset collar max(200 ms, 20% of the reference length)', () => {
    // 5 s reference: offset collar 1 s.
    expect(eventCounts([ev(0, 0, 5)], [ev(0, 0, 5.9)]).tp).toBe(1)
    expect(eventCounts([ev(0, 0, 5)], [ev(0, 0, 6.1)]).tp).toBe(0)
    // 0.5 s reference: 20% is 0.1 s, so the 0.2 s floor applies.
    expect(eventCounts([ev(0, 0, 0.5)], [ev(0, 0, 0.68)]).tp).toBe(1)
    expect(eventCounts([ev(0, 0, 0.5)], [ev(0, 0, 0.75)]).tp).toBe(0)
  })
  it('labels must agree', () => {
    expect(eventCounts([ev(0, 1, 2)], [ev(1, 1, 2)]).tp).toBe(0)
  })
  it('optimal matching finds 2 matches where greedy order would find 1', () => {
    // System event A fits both references, B only the first listed (onset 1.3). Greedy matching in list
    // order gives the first reference A and leaves the second with nothing; the maximum matching is 2.
    const ref = [ev(0, 1.3, 2.3), ev(0, 1.0, 2.0)]
    const sys = [ev(0, 1.15, 2.15), ev(0, 1.45, 2.45)]
    expect(eventCounts(ref, sys)).toEqual({ tp: 2, nRef: 2, nSys: 2 })
  })
  it('micro F1 over files', () => {
    const a = eventCounts([ev(0, 0, 1), ev(1, 2, 3)], [ev(0, 0.1, 1.1)])
    const b = eventCounts([ev(0, 0, 1)], [ev(0, 0, 1), ev(0, 5, 6)])
    expect(a).toEqual({ tp: 1, nRef: 2, nSys: 1 })
    expect(eventF1([a, b])).toBeCloseTo((2 * 2) / (3 + 3), 15)
    expect(eventF1([])).toBe(0)
  })
})

describe('frame F1', () => {
  it('is micro F1 over frames and classes', () => {
    // tp 2, fp 1, fn 1 → 4/6
    expect(frameF1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])).toBeCloseTo(4 / 6, 15)
    expect(frameF1([0, 0], [0, 0])).toBe(0)
    expect(() => frameF1([1], [1, 0])).toThrow(/targets/)
  })
})
