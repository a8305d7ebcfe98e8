// The test step: the best checkpoint scores the test split (and the validation split, whose
// predictions choose the thresholds applied to test: per-class thresholds compared by method for clip
// tasks, frame-F1-tuned thresholds for frame tasks). Predictions, thresholds and frame curves are
// stored with the run; the test entry goes through the hooks (metrics.jsonl).
import type { MetricEntry } from '../../../../shared/api'
import { CANCELLED } from '../../control/cancel'
import { tuneFrameThresholds } from '../../eval/frameTask'
import { compareThresholds } from '../../eval/thresholds'
import { loadCheckpoint } from '../../models/checkpoint'
import type { TagModel } from '../../models/types'
import { saveFrameCurves } from '../../runs/frameCurves'
import { checkpointDir, savePredictions, saveThresholds } from '../../runs/store'
import { splitMetrics, type SplitPredictions } from '../evaluate'
import type { TrainContext } from './context'
import { scoreClips, scoreRecordings } from './evaluate'
import type { Hooks } from './hooks'
import { recordingMetrics, testSummary, tunedMetrics, warnCollapse } from './metrics'

export interface Tested {
  /** 1-based epoch of the best checkpoint, the one tested. */
  bestEpoch: number | null
  test: Record<string, number | null> | null
}

/** Tests with ckpt/best, which stays loaded in ctx.res.model until the run ends. */
export async function testBest(ctx: TrainContext, hooks: Hooks): Promise<Tested> {
  if (ctx.io.signal?.aborted) throw new Error(CANCELLED)
  const best = loadCheckpoint(checkpointDir(ctx.runId, 'best'))
  ctx.res.model = best
  const bestEpoch = ctx.state.best?.epoch ?? null
  if (ctx.test.n === 0) {
    ctx.io.log('No test clips: the run ends without a test evaluation')
    return { bestEpoch, test: null }
  }
  const unit = ctx.frameTask ? 'recordings' : 'clips'
  const progress = { label: `Testing ${ctx.runName}`, done: 0, total: ctx.test.n + ctx.val.n, rate: 0, unit, etaS: null }
  await hooks.call('onTestBegin', { progress })
  const test = ctx.frameTask ? await testFrames(ctx, best, bestEpoch, hooks) : await testClips(ctx, best, bestEpoch, hooks)
  return { bestEpoch, test }
}

function testEntry(ctx: TrainContext, bestEpoch: number | null, metrics: object, loss: number | null): MetricEntry {
  const entry: MetricEntry = { kind: 'test', step: ctx.state.step, epoch: bestEpoch ?? ctx.state.epoch, time: new Date().toISOString(), ...metrics }
  if (loss !== null) entry.valLoss = loss
  return entry
}

/** A frame task: whole recordings; thresholds tuned for frame F1 on validation recordings, applied to test. */
async function testFrames(ctx: TrainContext, best: TagModel, bestEpoch: number | null, hooks: Hooks): Promise<Record<string, number | null>> {
  const { runId, test, val, C, record } = ctx
  const testPred = await scoreRecordings(ctx, best, test)
  const valPred = val.n > 0 ? await scoreRecordings(ctx, best, val) : null
  const tuned = valPred ? tuneFrameThresholds(valPred.recordings, C) : null
  const metrics = { ...recordingMetrics(testPred, C), ...(tuned ? tunedMetrics(testPred, C, tuned) : {}) }
  warnCollapse(metrics, ctx.io.log, 'test')
  savePredictions(runId, 'test', { scores: testPred.scores, targets: testPred.targets, nClips: test.n, nClasses: C, files: test.files })
  if (valPred) savePredictions(runId, 'val', { scores: valPred.scores, targets: valPred.targets, nClips: val.n, nClasses: C, files: val.files })
  saveFrameCurves(runId, { rate: testPred.rate, classNames: record.classNames, thresholds: tuned ?? new Array<number>(C).fill(0.5), recordings: testPred.recordings })
  const summary = testSummary(metrics, null)
  await hooks.call('onTestEnd', testEntry(ctx, bestEpoch, metrics, testPred.loss))
  ctx.io.log(
    `Test (best epoch ${bestEpoch}): frameAP ${metrics.frameAP?.toFixed(4) ?? '-'}, frame F1 ${metrics.frameF1?.toFixed(4)} (tuned ${metrics.frameF1Tuned?.toFixed(4) ?? '-'}), ` +
      `event F1 ${metrics.eventF1?.toFixed(4)} (tuned ${metrics.eventF1Tuned?.toFixed(4) ?? '-'}), mAP ${metrics.mAP?.toFixed(4) ?? '-'}`
  )
  return summary
}

/** A clip task: test clips on the run's engine; thresholds chosen on validation by each method, compared on test. */
async function testClips(ctx: TrainContext, best: TagModel, bestEpoch: number | null, hooks: Hooks): Promise<Record<string, number | null>> {
  const { runId, test, val, C, record } = ctx
  const testPred = await scoreClips(ctx, best, test)
  const valPred: SplitPredictions | null = val.n > 0 ? await scoreClips(ctx, best, val) : null
  const metrics = splitMetrics(testPred, C)
  savePredictions(runId, 'test', { scores: testPred.scores, targets: testPred.targets, nClips: test.n, nClasses: C, files: test.files })
  let thresholds = null
  if (valPred) {
    savePredictions(runId, 'val', { scores: valPred.scores, targets: valPred.targets, nClips: val.n, nClasses: C, files: val.files })
    thresholds = compareThresholds(valPred.scores, valPred.targets, testPred.scores, testPred.targets, record.classNames)
    saveThresholds(runId, thresholds)
  }
  const summary = testSummary(metrics, thresholds)
  await hooks.call('onTestEnd', testEntry(ctx, bestEpoch, metrics, testPred.loss))
  ctx.io.log(`Test (best epoch ${bestEpoch}): mAP ${metrics.mAP?.toFixed(4) ?? '-'}${metrics.accuracy !== undefined ? `, accuracy ${metrics.accuracy.toFixed(4)}` : ''}`)
  return summary
}
