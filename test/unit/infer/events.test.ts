import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { readJsonSync } from '../../../src/main/engine/io/fsutil'
import { detectEvents, medianFilter, medianFrames } from '../../../src/main/engine/infer/events'

const FIX = path.resolve(__dirname, '../../fixtures/infer')

describe('medianFilter', () => {
  it('equals scipy.ndimage.median_filter(mode="nearest")', () => {
    const cases = readJsonSync<{ x: number[]; size: number; y: number[] }[]>(path.join(FIX, 'medfilt.json'))
    for (const c of cases) {
      const y = medianFilter(Float32Array.from(c.x), c.size)
      expect(Array.from(y)).toEqual(Array.from(Float32Array.from(c.y)))
    }
  })
})

describe('detectEvents', () => {
  const labels = ['dog', 'bird']
  /** Activations [frames, 2] from per-class series. */
  const acts = (a: number[], b: number[]) => Float32Array.from(a.flatMap((v, i) => [v, b[i]]))

  it('finds onsets and offsets per class, removes flicker with the median filter and drops short events', () => {
    // 10 frames/s. dog: on for frames 2..6 with a one-frame dip at 4 (filtered away); bird: a lone
    // frame at 1 (removed by the filter), then frames 7..9 (0.3 s, runs to the end).
    const dog = [0, 0, 0.9, 0.8, 0.1, 0.95, 0.7, 0, 0, 0]
    const bird = [0, 0.9, 0, 0, 0, 0, 0, 0.6, 0.7, 0.8]
    const ev = detectEvents(acts(dog, bird), 10, labels, 10, [0.5, 0.5], { medianS: 0.3, minDurationS: 0.1 })
    expect(ev).toHaveLength(2)
    expect(ev[0]).toMatchObject({ label: 'dog', confidence: Math.fround(0.95) })
    expect(ev[0].onset).toBeCloseTo(0.2, 9)
    expect(ev[0].offset).toBeCloseTo(0.7, 9)
    expect(ev[1]).toMatchObject({ label: 'bird', confidence: Math.fround(0.8) })
    expect(ev[1].onset).toBeCloseTo(0.7, 9)
    expect(ev[1].offset).toBeCloseTo(1.0, 9)
    // The same series with a 0.35 s minimum keeps dog (0.5 s) and drops bird (0.3 s).
    const long = detectEvents(acts(dog, bird), 10, labels, 10, [0.5, 0.5], { medianS: 0.3, minDurationS: 0.35 })
    expect(long.map((e) => e.label)).toEqual(['dog'])
  })

  it('uses a threshold per class', () => {
    const dog = [0.6, 0.6, 0.6, 0.6]
    const bird = [0.6, 0.6, 0.6, 0.6]
    const ev = detectEvents(acts(dog, bird), 4, labels, 4, [0.5, 0.7], { medianS: 0, minDurationS: 0 })
    expect(ev.map((e) => [e.label, e.onset, e.offset])).toEqual([['dog', 0, 1]])
  })

  it('rounds the median length to an odd frame count', () => {
    expect(medianFrames(0.25, 10)).toBe(3)
    expect(medianFrames(0.3, 10)).toBe(3)
    expect(medianFrames(0.4, 10)).toBe(5)
    expect(medianFrames(0, 100)).toBe(1)
  })
})
