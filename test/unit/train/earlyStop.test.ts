import { describe, expect, it } from 'vitest'
import { earlyStopDecision, slope, smoothScores, trendRule } from '../../../src/main/engine/train/earlyStop'

/** When the decision first says stop, replaying the history epoch by epoch as the trainer does (1-based), or null. */
function stopEpoch(scores: number[], patience: number, epochs = scores.length): number | null {
  for (let e = 1; e <= scores.length; e++) if (earlyStopDecision(scores.slice(0, e), { patience, epochs }).stop) return e
  return null
}

/** The old rule: stop when no raw score beat the best for `patience` epochs. */
function naiveStopEpoch(scores: number[], patience: number): number | null {
  let best = -Infinity
  let since = 0
  for (let e = 1; e <= scores.length; e++) {
    if (scores[e - 1] > best) {
      best = scores[e - 1]
      since = 0
    } else since++
    if (since >= patience) return e
  }
  return null
}

// A validation curve of the practice set's kind: rising about 0.02 per epoch with ±0.03 noise (90 clips).
const NOISE = [0.02, -0.03, 0.025, -0.02, -0.01, 0.03, -0.03, -0.025, 0.02, -0.015, 0.03, -0.03, -0.02, 0.01, 0.025, -0.03, -0.02, 0.02, -0.01, 0.0]
const RISING = NOISE.map((n, i) => 0.4 + 0.02 * i + n)

describe('early stopping', () => {
  it('smooths with a trailing mean and fits a least-squares slope', () => {
    expect(smoothScores([3, 0, 3, 6], 3)).toEqual([3, 1.5, 2, 3])
    expect(slope([1, 2, 3, 4])).toBeCloseTo(1, 12)
    expect(slope([0.5, 0.5, 0.5])).toBe(0)
    expect(slope([3])).toBe(0)
    expect(slope([0, 1, 0, 1])).toBeCloseTo(0.2, 12)
  })

  it('does not stop a noisy rising curve that the plain patience rule stops', () => {
    // The plain rule stops it early: two dips in a row after a lucky epoch.
    expect(naiveStopEpoch(RISING, 2)).not.toBeNull()
    expect(stopEpoch(RISING, 2)).toBeNull()
    expect(stopEpoch(RISING, 3)).toBeNull()
  })

  it('stops a plateau, patience epochs after the smoothed score stopped rising', () => {
    // Rises for 6 epochs, then flat at 0.7 with noise.
    const plateau = [0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.69, 0.71, 0.7, 0.69, 0.7, 0.71, 0.7, 0.69, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    const e = stopEpoch(plateau, 3)
    expect(e).not.toBeNull()
    expect(e!).toBeGreaterThanOrEqual(9)
    expect(e!).toBeLessThanOrEqual(13)
  })

  it('stops a falling (overfitting) curve', () => {
    const falling = [0.5, 0.6, 0.7, 0.68, 0.66, 0.64, 0.62, 0.6, 0.58, 0.56]
    expect(stopEpoch(falling, 3)).toBe(8)
  })

  it('waits at least a sixth of the run', () => {
    const plateau = [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    expect(earlyStopDecision(plateau.slice(0, 5), { patience: 2, epochs: 60 }).patience).toBe(10)
    expect(stopEpoch(plateau, 2, 60)).toBeNull()
    expect(stopEpoch(plateau, 2, 12)).toBe(6)
  })

  it('never stops with patience 0, and says why it goes on', () => {
    expect(stopEpoch([0.5, 0.4, 0.3, 0.2, 0.1], 0)).toBeNull()
    const d = earlyStopDecision([0.5, 0.6], { patience: 3, epochs: 10 })
    expect(d.stop).toBe(false)
    expect(d.reason).toMatch(/patience 3/)
  })

  it("takes the trainer's stop input: patience, epochs and the scores so far", () => {
    expect(trendRule({ patience: 0, epochs: 10, scores: () => [0.5, 0.4, 0.3, 0.2] }).stop).toBe(false)
    expect(trendRule({ patience: 3, epochs: 10, scores: () => [0.5, 0.6, 0.7, 0.68, 0.66, 0.64, 0.62, 0.6] })).toMatchObject({ stop: true })
    expect(trendRule({ patience: 2, epochs: 20, scores: () => RISING }).stop).toBe(false)
  })
})
