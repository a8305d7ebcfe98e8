// Sound events from framewise activations: a per-class median filter (to remove flicker), a
// per-class threshold, and a minimum duration, the usual SED post-processing (as DCASE baselines do).
import type { TagEvent } from '../../../shared/types'

/**
 * Median over a centred window of `size` frames (odd), edges extended with the nearest value:
 * scipy.ndimage.median_filter(x, size, mode='nearest') along one axis.
 */
export function medianFilter(x: Float32Array, size: number): Float32Array {
  const n = x.length
  if (size <= 1 || n === 0) return x.slice()
  const half = Math.floor(size / 2)
  const out = new Float32Array(n)
  const win = new Float32Array(size)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < size; k++) win[k] = x[Math.min(n - 1, Math.max(0, i - half + k))]
    win.sort()
    out[i] = win[half]
  }
  return out
}

export interface EventOptions {
  /** Median filter length in seconds (rounded to an odd number of frames). */
  medianS: number
  /** Events shorter than this are dropped. */
  minDurationS: number
}

export const DEFAULT_EVENT_OPTIONS: EventOptions = { medianS: 0.25, minDurationS: 0.1 }

/** Odd frame count nearest to seconds · frameRate, at least 1. */
export function medianFrames(seconds: number, frameRate: number): number {
  const k = Math.max(1, Math.round(seconds * frameRate))
  return k % 2 === 1 ? k : k + 1
}

/**
 * Events from activations [frames, classes] (row-major) at frameRate: runs of frames whose filtered
 * activation is above the class threshold. Confidence is the highest unfiltered activation inside.
 * Sorted by onset, then label.
 */
export function detectEvents(act: Float32Array, frames: number, labels: string[], frameRate: number, thresholds: number[], opts: EventOptions = DEFAULT_EVENT_OPTIONS): TagEvent[] {
  const C = labels.length
  const k = medianFrames(opts.medianS, frameRate)
  const events: TagEvent[] = []
  const column = new Float32Array(frames)
  for (let c = 0; c < C; c++) {
    for (let t = 0; t < frames; t++) column[t] = act[t * C + c]
    const smooth = medianFilter(column, k)
    let start = -1
    let peak = 0
    for (let t = 0; t <= frames; t++) {
      const on = t < frames && smooth[t] > thresholds[c]
      if (on) {
        if (start < 0) {
          start = t
          peak = 0
        }
        peak = Math.max(peak, column[t])
      } else if (start >= 0) {
        const onset = start / frameRate
        const offset = t / frameRate
        if (offset - onset >= opts.minDurationS - 1e-9) events.push({ label: labels[c], onset, offset, confidence: peak })
        start = -1
      }
    }
  }
  return events.sort((a, b) => a.onset - b.onset || a.label.localeCompare(b.label))
}
