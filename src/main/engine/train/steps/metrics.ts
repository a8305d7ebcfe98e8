// The numbers the evaluate and test steps report: clip metrics of a split, whole-recording metrics of
// a frame task, the selection score early stopping compares, and the run's test summary.
import type { DatasetRecord, MetricEntry } from '../../../../shared/api'
import type { compareThresholds } from '../../eval/thresholds'
import { frameTaskMetrics } from '../../eval/frameTask'
import { SED_EVAL_COLLARS } from '../../eval/sed'
import { DEFAULT_EVENT_OPTIONS, medianFrames } from '../../infer/events'
import { splitMetrics } from '../evaluate'
import type { RecordingPredictions } from '../recordings'

/** What early stopping compares: frameAP for a frame task, accuracy for single-label data, else mAP (null when undefined). */
export function selectionScore(record: DatasetRecord, m: Pick<MetricEntry, 'mAP' | 'accuracy' | 'frameAP'>): number | null {
  if (m.frameAP !== undefined) return m.frameAP
  if (!record.multiLabel && m.accuracy !== undefined) return m.accuracy
  return m.mAP ?? null
}

export function testSummary(m: ReturnType<typeof splitMetrics> & Pick<MetricEntry, 'frameAP' | 'frameF1Tuned' | 'eventF1Tuned' | 'predictedPositive'>, thresholds: ReturnType<typeof compareThresholds> | null): Record<string, number | null> {
  const out: Record<string, number | null> = { mAP: m.mAP ?? null, auc: m.auc ?? null, dprime: m.dprime ?? null, microF1: m.microF1 ?? null, macroF1: m.macroF1 ?? null }
  if (m.accuracy !== undefined) out.accuracy = m.accuracy
  if (m.frameF1 !== undefined) out.frameF1 = m.frameF1
  if (m.eventF1 !== undefined) out.eventF1 = m.eventF1
  for (const k of ['frameAP', 'frameF1Tuned', 'eventF1Tuned', 'predictedPositive'] as const) if (m[k] !== undefined) out[k] = m[k] ?? null
  for (const t of thresholds?.methods ?? []) {
    out[`microF1_${t.method}`] = t.microF1
    out[`macroF1_${t.method}`] = t.macroF1
  }
  return out
}

/** An epoch or best epoch as the run's status shows it. */
export const milestone = (m: { epoch: number; mAP: number | null; accuracy?: number }) => ({ epoch: m.epoch, mAP: m.mAP, ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}) })

/** Events are scored after the Tag page's median filter (0.25 s), so that eventF1 is what tagging gives. */
const eventMedian = (rate: number): number => medianFrames(DEFAULT_EVENT_OPTIONS.medianS, rate)

/** Clip metrics (recording-level, max over windows) and frame-task metrics at 0.5 of whole-recording predictions. */
export function recordingMetrics(pred: RecordingPredictions, C: number): ReturnType<typeof splitMetrics> & Pick<MetricEntry, 'frameAP' | 'predictedPositive'> {
  const clip = splitMetrics({ scores: pred.scores, targets: pred.targets, n: pred.n, loss: pred.loss }, C)
  const f = frameTaskMetrics(pred.recordings, C, pred.rate, 0.5, SED_EVAL_COLLARS, eventMedian(pred.rate))
  return { ...clip, frameAP: f.frameAP, frameF1: f.frameF1, eventF1: f.eventF1, predictedPositive: f.predictedPositive }
}

export function tunedMetrics(pred: RecordingPredictions, C: number, thresholds: number[]): Pick<MetricEntry, 'frameF1Tuned' | 'eventF1Tuned'> {
  const f = frameTaskMetrics(pred.recordings, C, pred.rate, thresholds, SED_EVAL_COLLARS, eventMedian(pred.rate))
  return { frameF1Tuned: f.frameF1, eventF1Tuned: f.eventF1 }
}

/** A model that predicts (almost) no positive frames has collapsed to zeros: say so in the run's log. */
export function warnCollapse(m: Pick<MetricEntry, 'predictedPositive'>, log: (m: string) => void, when: string): void {
  if (m.predictedPositive !== undefined && m.predictedPositive < 1e-3)
    log(
      `Warning (${when}): the model predicts ${(m.predictedPositive * 100).toFixed(3)}% of frames positive at threshold 0.5 — (almost) none. ` +
        'With sparse labels try the pos-bce frame loss, a higher event ratio, more epochs or a higher learning rate; the tuned threshold may still find events.'
    )
}
