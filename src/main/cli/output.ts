// Shared output helpers for CLI commands: JSON for scripts, text for people, progress bars in a TTY.
import cliProgress from 'cli-progress'
import type { JobProgress } from '../../shared/api'

export function printResult<T>(json: boolean | undefined, value: T, text: () => string): void {
  if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n')
  else process.stdout.write(text() + '\n')
}

/** One progress bar fed by the same JobProgress events the UI gets; silent when not a TTY or with --json. */
export function progressBar(enabled: boolean): { update(p: Pick<JobProgress, 'done' | 'total' | 'rate' | 'unit' | 'etaS' | 'label'>): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} }
  const bar = new cliProgress.SingleBar(
    { format: '{label} [{bar}] {value}/{total} {unit} | {rate}/s | ETA {eta_s}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic
  )
  let started = false
  return {
    update(p) {
      const payload = { label: p.label, unit: p.unit, rate: p.rate.toFixed(1), eta_s: p.etaS == null ? '?' : `${Math.round(p.etaS)}s` }
      if (!started) {
        bar.start(p.total, p.done, payload)
        started = true
      } else {
        bar.setTotal(p.total)
        bar.update(p.done, payload)
      }
    },
    stop() {
      if (started) bar.stop()
    }
  }
}
