// One way to report progress for every long operation (import, features, training, tagging): done,
// total, rate and ETA, so the CLI bar and the UI bar come from the same numbers.
import type { JobProgress } from '../../../shared/api'

export type ProgressUpdate = Pick<JobProgress, 'done' | 'total' | 'rate' | 'unit' | 'etaS' | 'label'>
export type ProgressSink = (update: ProgressUpdate) => void

/** Tracks rate over a sliding window of recent updates, so a slow start does not skew the ETA forever. */
export function progressTracker(label: string, total: number, unit: string, sink: ProgressSink, windowS = 10) {
  const samples: { t: number; done: number }[] = []
  let last = 0
  return {
    update(done: number, newTotal = total, force = false): void {
      total = newTotal
      const t = performance.now() / 1000
      samples.push({ t, done })
      while (samples.length > 2 && t - samples[0].t > windowS) samples.shift()
      // Limit to ~10 updates/s: progress events cross a process boundary and a socket.
      if (!force && done < total && t - last < 0.1) return
      last = t
      const first = samples[0]
      const rate = t > first.t ? (done - first.done) / (t - first.t) : 0
      sink({ label, done, total, unit, rate, etaS: rate > 0 ? (total - done) / rate : null })
    }
  }
}
