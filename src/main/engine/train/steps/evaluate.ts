// The evaluate step: closes the epoch's counters and scores the validation split into the epoch's
// metrics entry (clip metrics, or whole-recording metrics for a frame task), with the selection score
// that early stopping and ckpt/best compare. A cancel during validation rewinds to "epoch trained, not
// yet validated" and checkpoints there, so a resume validates it and goes on.
import type { MetricEntry } from '../../../../shared/api'
import { isCancel } from '../../control/cancel'
import type { TagModel } from '../../models/types'
import type { ClipSet } from '../data'
import { splitMetrics, type ScoreInputs, type SplitPredictions } from '../evaluate'
import { predictRecordings, type RecordingPredictions } from '../recordings'
import { lrAt } from '../schedule'
import { stopHere } from './checkpoint'
import { liveModel, type TrainContext } from './context'
import type { EpochTrained } from './epoch'
import { recordingMetrics, selectionScore, warnCollapse } from './metrics'

export interface Validated {
  entry: MetricEntry
  /** What selection compares (null without a validation split). */
  score: number | null
  /** The epoch's mean training loss. */
  trainLoss: number | undefined
  samplesPerS: number | null
}

/** What scoring a split of this run needs besides the model and the split. */
const scoreInputs = (ctx: TrainContext): ScoreInputs => ({ source: ctx.source, spec: ctx.spec, record: ctx.record, loss: ctx.loss, batch: ctx.batch, signal: ctx.io.signal })

/** Whole-recording predictions of a frame task's split (sliding windows, stitched). */
export function scoreRecordings(ctx: TrainContext, model: TagModel, set: ClipSet): Promise<RecordingPredictions> {
  return predictRecordings(model, set, scoreInputs(ctx), ctx.evalHop)
}

/** Clip predictions of a split on the run's engine. */
export function scoreClips(ctx: TrainContext, model: TagModel, set: ClipSet): Promise<SplitPredictions> {
  return ctx.engine.scoreSplit(model, set, scoreInputs(ctx))
}

export async function validateEpoch(ctx: TrainContext, trained: EpochTrained): Promise<Validated> {
  const { state, val, C } = ctx
  const e = trained.index
  const epochLossSoFar = { ...state.epochLoss }
  state.epoch = e + 1
  const trainLoss = state.epochLoss.samples > 0 ? state.epochLoss.sum / state.epochLoss.samples : undefined
  state.epochLoss = { sum: 0, samples: 0 }
  const entry: MetricEntry = { kind: 'epoch', step: state.step, epoch: state.epoch, time: '', lr: lrAt(Math.max(0, state.step - 1), ctx.stepsPerEpoch, ctx.schedule) }
  if (trainLoss !== undefined) entry.loss = trainLoss
  if (trained.samplesPerS !== null) entry.samplesPerS = trained.samplesPerS
  let score: number | null = null
  if (val.n > 0) {
    try {
      const model = liveModel(ctx)
      if (ctx.frameTask) {
        const pred = await scoreRecordings(ctx, model, val)
        Object.assign(entry, recordingMetrics(pred, C))
        if (pred.loss !== null) entry.valLoss = pred.loss
        warnCollapse(entry, ctx.io.log, `epoch ${state.epoch}`)
      } else {
        const pred = await scoreClips(ctx, model, val)
        Object.assign(entry, splitMetrics(pred, C))
        if (pred.loss !== null) entry.valLoss = pred.loss
      }
    } catch (err) {
      if (isCancel(err, ctx.io.signal)) {
        // Back to "epoch e trained, not yet validated": a resume validates it and goes on.
        state.epoch = e
        state.epochLoss = epochLossSoFar
        await stopHere(ctx)
      }
      throw err
    }
    score = selectionScore(ctx.record, entry)
  }
  entry.time = new Date().toISOString()
  return { entry, score, trainLoss, samplesPerS: trained.samplesPerS }
}
