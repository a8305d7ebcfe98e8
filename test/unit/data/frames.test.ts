import { describe, expect, it } from 'vitest'
import { makeRng } from '../../../src/main/engine/util/rng'
import { clipFrameCount, eventFrameRange, frameSparsity, frameTargets } from '../../../src/main/engine/data/frames'
import type { DatasetFile, StrongEvent } from '../../../src/shared/types'

const classNames = ['piano', 'violin', 'drum']

describe('frameTargets', () => {
  it('marks every frame an event overlaps, row-major [frames, classes]', () => {
    const events: StrongEvent[] = [
      { file: 'a.wav', onset: 0.25, offset: 0.55, label: 'violin' },
      { file: 'a.wav', onset: 0.9, offset: 5, label: 'drum' },
      { file: 'b.wav', onset: 0, offset: 1, label: 'piano' },
      { file: 'a.wav', onset: 0.1, offset: 0.2, label: 'not-a-class' }
    ]
    // 10 frames/s, 10 frames: frame i = [i/10, (i+1)/10).
    const t = frameTargets({ classNames, events }, 'a.wav', 10, 10)
    expect(t.length).toBe(30)
    const column = (c: number): number[] => Array.from({ length: 10 }, (_, i) => t[i * 3 + c])
    expect(column(0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(column(1)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]) // 0.25..0.55 touches frames 2..5
    expect(column(2)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) // clipped at the clip's end
    expect(Array.from(frameTargets({ classNames, events }, 'none.wav', 10, 4))).toEqual(new Array(12).fill(0))
  })

  it('keeps boundaries that fall on a frame edge in floating point on that edge', () => {
    // 1.86 × 100 = 186.00000000000003 and 0.61 × 100 = 61.00000000000001 in doubles.
    expect(eventFrameRange(0.61, 1.86, 100, 400)).toEqual([61, 186])
    expect(eventFrameRange(0.01, 4.0, 100, 400)).toEqual([1, 400])
    expect(clipFrameCount(4.0, 100)).toBe(400)
    expect(clipFrameCount(1.0001, 100)).toBe(101)
  })

  it('rejects a bad frame rate or frame count', () => {
    expect(() => frameTargets({ classNames, events: [] }, 'a.wav', 0, 10)).toThrow(/frameRate/)
    expect(() => frameTargets({ classNames, events: [] }, 'a.wav', 10, 2.5)).toThrow(/nFrames/)
  })
})

describe('frameSparsity', () => {
  it('equals the share of zeros in the built frame targets, with overlapping events merged', () => {
    const rng = makeRng(8)
    const files: DatasetFile[] = Array.from({ length: 30 }, (_, i) => ({ path: `c${i}.wav`, labels: ['piano'], split: 'train', durationS: 1 + rng.int(5) + rng.next(), sampleRate: 16000 }))
    const events: StrongEvent[] = []
    for (const f of files) {
      for (let k = rng.int(4); k > 0; k--) {
        const onset = rng.next() * f.durationS!
        events.push({ file: f.path, onset, offset: onset + rng.next() * 2, label: classNames[rng.int(3)] })
      }
    }
    for (const rate of [10, 31.25, 100]) {
      let zeros = 0
      let cells = 0
      for (const f of files) {
        const t = frameTargets({ classNames, events }, f.path, rate, clipFrameCount(f.durationS!, rate))
        cells += t.length
        zeros += t.filter((v) => v === 0).length
      }
      expect(frameSparsity(files, events, classNames, rate)).toBeCloseTo(zeros / cells, 12)
    }
    expect(frameSparsity(files, [], classNames, 10)).toBeUndefined()
  })
})
