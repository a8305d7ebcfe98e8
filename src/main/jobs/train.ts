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
  const opts = { onProgress: ctx.onProgress, emit: ctx.emit, signal: ctx.signal }
  return params.resume ? resumeRun(params.runId, opts) : trainRun(params.runId, opts)
}
