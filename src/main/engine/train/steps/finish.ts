// How a run ends: done (with its test summary), or cancelled / failed with a log line that says what
// a resume will do. The bookkeeping of a failure may fail too (a full disk fails every write): the
// first error is the one reported, and a run left marked 'running' shows as interrupted once this
// process is gone, and can be resumed.
import { isCancel } from '../../control/cancel'
import { releaseRunLock, updateRunStatus } from '../../runs/store'
import type { CheckpointMarks, RunIO } from './context'

export function finishRun(io: RunIO, test: Record<string, number | null> | null): void {
  updateRunStatus(io.runId, { status: 'done', test })
  io.changed()
}

/** Records a cancel or a failure (`err`) in the run's status and log; never throws. */
export function recordFailure(io: RunIO, marks: CheckpointMarks, err: unknown): void {
  const { runId, log, signal } = io
  const message = err instanceof Error ? err.message : String(err)
  try {
    if (isCancel(err, signal)) {
      updateRunStatus(runId, { status: 'cancelled' })
      const reason = signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? `${signal.reason.message}. ` : ''
      log(
        `${reason}${
          marks.stoppedAt !== null
            ? `Cancelled at step ${marks.stoppedAt}: a checkpoint was written there and a resume continues from it`
            : marks.lastSaved !== null
              ? `Cancelled; the checkpoint at step ${marks.lastSaved} is kept and a resume continues from it`
              : 'Cancelled before the first checkpoint; a resume starts from the beginning'
        }`
      )
    } else {
      updateRunStatus(runId, { status: 'failed', failure: message })
      log(`Failed: ${message}`)
    }
  } catch {
    // Reported through the job's error; the run reads as interrupted and can be resumed.
    releaseRunLock(runId)
  }
  io.changed()
}
