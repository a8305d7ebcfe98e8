// An experiment's runs on a batch executor (executors/types.ts): submit them one job each, find the
// runs a resume submits again, and watch them until no job can change anything any more. Nothing
// here knows Slurm; executors/slurm/experiment.ts adds Slurm's options and checks.
import { appendLog, readRunState, updateRunStatus } from '../runs/store'
import type { BatchExecutor } from './types'

export interface SubmitReport {
  submitted: { runId: string; jobId: string }[]
  /** Runs whose submission the scheduler refused, with its message (also on the run). */
  refused: { runId: string; message: string }[]
}

/**
 * Submit runs one after another. After a refusal the rest are not tried (the scheduler would refuse
 * them alike) but marked failed with the reason, so that none is left 'queued' for ever.
 */
export async function submitRuns<O>(executor: BatchExecutor<O>, runIds: string[], options: O): Promise<SubmitReport> {
  const report: SubmitReport = { submitted: [], refused: [] }
  for (const runId of runIds) {
    if (report.refused.length > 0) {
      const first = report.refused[0]
      const message = `Not submitted: ${executor.label} refused the job of run ${first.runId} (${first.message.replace(/^Run \S+: /, '')})`
      updateRunStatus(runId, { status: 'failed', failure: message })
      appendLog(runId, message)
      continue
    }
    try {
      report.submitted.push({ runId, ...(await executor.submit(runId, options)) })
    } catch (err) {
      report.refused.push({ runId, message: (err as Error).message })
    }
  }
  return report
}

/** The runs a resume submits again: not done, and with no job that may still change them. */
export function runsToResume<O>(executor: BatchExecutor<O>, runIds: string[]): string[] {
  return runIds.filter((id) => {
    try {
      return readRunState(id).status !== 'done' && !executor.watching(id)
    } catch {
      return false // deleted
    }
  })
}

/** Runs whose job may still change them. */
export function unsettled<O>(executor: BatchExecutor<O>, runIds: string[]): string[] {
  return runIds.filter((id) => executor.watching(id))
}

const MAX_FAILURES = 5

export interface WatchOptions {
  intervalMs?: number
  signal?: AbortSignal
  /** The runs that changed at a refresh. */
  onChange?: (changed: string[]) => void
  /** After every refresh. */
  onTick?: () => void
  /** A refresh that failed (the watch goes on, up to a few in a row). */
  onError?: (err: Error) => void
}

/** Refresh these runs every `intervalMs` until no job can change them any more (or the signal aborts). */
export async function watchRuns<O>(executor: BatchExecutor<O>, runIds: string[], opts: WatchOptions = {}): Promise<void> {
  const interval = opts.intervalMs ?? 5000
  let failures = 0
  while (!opts.signal?.aborted) {
    let changed: string[] = []
    try {
      changed = await executor.refresh(runIds)
      failures = 0
    } catch (err) {
      // A scheduler that does not answer for a moment (squeue timing out) is worth waiting for;
      // one that keeps failing is reported.
      if (++failures >= MAX_FAILURES) throw new Error(`${executor.label} did not answer ${failures} times in a row: ${(err as Error).message}`)
      opts.onError?.(err as Error)
    }
    opts.onTick?.()
    if (changed.length) opts.onChange?.(changed)
    if (unsettled(executor, runIds).length === 0) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, interval)
      opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
  }
}

/** Refresh the runs still watched, for a listing; returns why it could not, or null. */
export async function refreshRuns<O>(executor: BatchExecutor<O>, runIds: string[]): Promise<string | null> {
  const ids = unsettled(executor, runIds)
  if (ids.length === 0) return null
  const why = await executor.unavailable()
  if (why) return `${ids.length} run(s) on ${executor.label} not refreshed: ${why}`
  try {
    await executor.refresh(ids)
    return null
  } catch (err) {
    return `${ids.length} run(s) on ${executor.label} not refreshed: ${(err as Error).message}`
  }
}
