// The 'train' job: trains (or resumes) one run in its own process, so a crash, an out-of-memory or a
// kill -9 ends that job only and leaves the run resumable from its last checkpoint.
import { resumeRun, trainRun, type TrainResult } from '../engine/train/trainer'
import type { RunnerContext } from './runners'

export interface TrainJobParams {
  runId: string
  /** Continue from ckpt/last; refused for a finished run or one that is running elsewhere. */
  resume?: boolean
}

export async function trainRunner(params: TrainJobParams, ctx: RunnerContext): Promise<TrainResult> {
  const stop = new AbortController()
  ctx.signal.addEventListener('abort', () => stop.abort(), { once: true })
  // Ctrl-C in a terminal reaches the whole process group, this job included: leave the decision to the
  // parent (the CLI asks for a cancel, which checkpoints first). If the parent itself goes away, stop
  // the same clean way rather than train on unattended.
  process.on('SIGINT', () => {})
  process.once('disconnect', () => stop.abort(new Error('The app or CLI that started this training has gone')))
  // Without a parent there is no one to tell; the run store still gets everything.
  const attached = () => process.connected !== false
  const opts = {
    onProgress: (u: Parameters<RunnerContext['onProgress']>[0]) => attached() && ctx.onProgress(u),
    emit: (e: Parameters<RunnerContext['emit']>[0]) => attached() && ctx.emit(e),
    signal: stop.signal
  }
  return params.resume ? resumeRun(params.runId, opts) : trainRun(params.runId, opts)
}
