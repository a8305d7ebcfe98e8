// Window plans for frame tasks: every frame of every recording in every epoch, a fixed epoch size,
// the event ratio reached, and the same plan for the same (seed, epoch).
import { describe, expect, it } from 'vitest'
import { epochSize, epochWindows, gridStarts, windowsPerClip, type WindowPlanInput } from '../../../src/main/engine/train/windows'

const input: WindowPlanInput = {
  frames: [4500, 1000, 600, 2999, 12000],
  // Sparse events: a few 30-frame spans.
  events: [[[100, 130]], [], [[10, 40]], [], [[5000, 5030], [11900, 11950]]],
  windowFrames: 1000,
  hopFrames: 1000,
  eventRatio: 0.5
}

function covered(frames: number, starts: number[], T: number): boolean {
  const hit = new Uint8Array(frames)
  for (const s of starts) hit.fill(1, s, Math.min(frames, s + T))
  return hit.every((v) => v === 1)
}

describe('training windows', () => {
  it('cover every frame of every recording, in every epoch, with starts inside the recording', () => {
    for (let epoch = 0; epoch < 6; epoch++) {
      const w = epochWindows(input, epoch, 3)
      for (let c = 0; c < input.frames.length; c++) {
        const n = input.frames[c]
        // Grid windows are the first windowsPerClip of each recording in plan order; check all of a clip's starts.
        const starts = Array.from(w.start).filter((_, k) => w.clip[k] === c)
        expect(covered(n, starts, 1000)).toBe(true)
        for (const s of starts) expect(s >= 0 && (s + 1000 <= n || s === 0)).toBe(true)
      }
    }
  })

  it('shift the inner windows between epochs and keep coverage for any shift', () => {
    expect(gridStarts(4500, 1000, 1000)).toEqual([0, 875, 1750, 2625, 3500])
    expect(gridStarts(4500, 1000, 1000, 1)).not.toEqual(gridStarts(4500, 1000, 1000))
    for (const u of [-1, -0.5, 0.3, 1]) for (const [n, hop] of [[4500, 1000], [2999, 700], [12000, 400]]) expect(covered(n, gridStarts(n, 1000, hop, u), 1000)).toBe(true)
    expect(windowsPerClip(600, 1000, 1000)).toBe(1)
    expect(() => windowsPerClip(5000, 1000, 1200)).toThrow(/longer than the window/)
  })

  it('add windows around events until the ratio is reached; the epoch size is fixed', () => {
    const { grid, extra } = epochSize(input)
    expect(grid).toBe(5 + 1 + 1 + 3 + 12)
    expect(extra).toBeGreaterThan(0)
    const holds = (w: ReturnType<typeof epochWindows>, k: number) => input.events[w.clip[k]].some(([a, b]) => a < w.start[k] + 1000 && b > w.start[k])
    for (let epoch = 0; epoch < 3; epoch++) {
      const w = epochWindows(input, epoch, 9)
      expect(w.n).toBe(grid + extra)
      const share = Array.from({ length: w.n }, (_, k) => holds(w, k)).filter(Boolean).length / w.n
      expect(share).toBeGreaterThanOrEqual(0.5)
    }
    expect(epochSize({ ...input, eventRatio: 0 }).extra).toBe(0)
  })

  it('is a pure function of (seed, epoch)', () => {
    expect(epochWindows(input, 2, 5)).toEqual(epochWindows(input, 2, 5))
    expect(epochWindows(input, 2, 5).start).not.toEqual(epochWindows(input, 3, 5).start)
  })
})
