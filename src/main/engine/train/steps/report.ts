// The run's own hooks: what it records as it trains. `reportHook` appends each step, epoch and test
// entry to metrics.jsonl (and sends it to every UI as run.metrics), and after each epoch updates the
// run's status and writes its log line; `progressHook` drives the job's progress bar.
import type { MetricEntry, RunConfig } from '../../../../shared/api'
import { progressTracker } from '../../control/progress'
import { appendMetrics, updateRunStatus } from '../../runs/store'
import type { RunIO } from './context'
import type { TrainHook } from './hooks'
import { milestone } from './metrics'

export function reportHook(io: RunIO, cfg: Pick<RunConfig, 'epochs'>): TrainHook {
  const { runId } = io
  const record = (entries: MetricEntry[]) => {
    appendMetrics(runId, entries)
    io.emit({ type: 'run.metrics', runId, entries })
  }
  return {
    name: 'report',
    onBatchEnd: (entry) => record([entry]),
    onEpochEnd: ({ entry, best, samplesPerS }) => {
      record([entry])
      updateRunStatus(runId, {
        epochsDone: entry.epoch,
        last: milestone({ epoch: entry.epoch, mAP: entry.mAP ?? null, accuracy: entry.accuracy }),
        best: milestone(best),
        samplesPerS
      })
      io.log(`Epoch ${entry.epoch}/${cfg.epochs}: loss ${entry.loss?.toFixed(4) ?? '-'}, val mAP ${entry.mAP?.toFixed(4) ?? '-'}${
        entry.frameAP !== undefined ? `, frameAP ${entry.frameAP?.toFixed(4) ?? '-'}, frame F1 ${entry.frameF1?.toFixed(4)}, event F1 ${entry.eventF1?.toFixed(4)}` : ''
      }${entry.accuracy !== undefined ? `, accuracy ${entry.accuracy.toFixed(4)}` : ''}, ${samplesPerS?.toFixed(2) ?? '-'} samples/s`)
      io.changed()
    },
    onTestEnd: (entry) => record([entry])
  }
}

export function progressHook(io: RunIO, runName: string, totalSteps: number): TrainHook {
  const tracker = progressTracker(`Training ${runName}`, totalSteps, 'steps', io.onProgress)
  return {
    name: 'progress',
    onTrainBegin: ({ startStep }) => tracker.update(startStep, totalSteps, true),
    onBatchEnd: ({ step }) => tracker.update(step, totalSteps, step === totalSteps),
    onTestBegin: ({ progress }) => io.onProgress(progress)
  }
}
