// The epoch step: the optimizer steps of one epoch, from wherever the state stands (mid-epoch on a
// resume from a step checkpoint). Each step sums its micro-batches' gradients (on the run's engine),
// checks the loss, clips, applies the optimizer at the schedule's learning rate and reports the step
// through the hooks. A cancel between micro-batches checkpoints the state as the step began.
import * as tf from '@tensorflow/tfjs-core'
import type { MetricEntry } from '../../../../shared/api'
import { cancelPoint, isCancel } from '../../control/cancel'
import { faultPause, faultPoint } from '../../control/faults'
import type { Batch } from '../data'
import { clipByGlobalNorm } from '../optimizer'
import type { StepGradients } from '../parallel/pool'
import { derivedSeed, stepBatches } from '../sampler'
import { lrAt } from '../schedule'
import { maybeStepCheckpoint, stopHere } from './checkpoint'
import { liveOptimizer, type TrainContext } from './context'
import type { Hooks } from './hooks'

/** Dropout masks: one seed per (step, micro-batch), so a resume draws the same masks (TagModel.reseedDropout). */
export const DROPOUT_STEP_STREAM = 5

export interface EpochTrained {
  /** 0-based index of the epoch trained. */
  index: number
  /** Samples per second over the epoch's steps in this process (the last step's rate when none ran). */
  samplesPerS: number | null
}

/**
 * Gradients of one optimizer step: each micro-batch's loss is weighted by its share of the step's
 * samples, so the summed gradient is that of the mean loss over the whole step. Returns the summed
 * gradients (the caller disposes them) in the order of the trainable variables, and that mean loss.
 * `engine` computes each micro-batch (tfjs shards, data-parallel or not, or ONNX Runtime).
 * Micro-batch m draws its dropout masks from a seed derived from `stepSeed` and m.
 */
export async function stepGradients(
  micro: Int32Array[],
  samples: number,
  makeBatch: (indices: Int32Array) => Promise<Batch>,
  engine: StepGradients,
  stepSeed: number,
  signal?: AbortSignal
): Promise<{ grads: tf.Tensor[]; loss: number }> {
  let grads: tf.Tensor[] | null = null
  let loss = 0
  try {
    for (const [m, idx] of micro.entries()) {
      // Between micro-batches: a cancel (or the parent's death) is seen here, on every backend.
      await cancelPoint(signal)
      const b = await makeBatch(idx)
      const share = b.size / samples
      const { loss: microLoss, grads: list } = await engine.compute(b, share, derivedSeed(stepSeed, m, DROPOUT_STEP_STREAM))
      if (grads === null) grads = list
      else {
        const prev: tf.Tensor[] = grads
        grads = prev.map((p, i) => tf.add(p, list[i]))
        tf.dispose([...prev, ...list])
      }
      loss += microLoss
      faultPoint('step')
      await faultPause('step')
    }
  } catch (err) {
    if (grads) tf.dispose(grads)
    throw err
  }
  if (!grads) throw new Error('an optimizer step without clips')
  return { grads, loss }
}

/** Trains the epoch the state stands in, to its end. */
export async function trainEpoch(ctx: TrainContext, hooks: Hooks): Promise<EpochTrained> {
  const { cfg, state, stepsPerEpoch, batch, accum, schedule, augRng } = ctx
  const { signal } = ctx.io
  const optimizer = liveOptimizer(ctx)
  const e = state.epoch
  const { order, makeBatch } = ctx.batches.forEpoch(e)
  const epochStart = performance.now()
  let epochSamples = 0
  let recentRate: number | null = null
  for (let s = state.step - e * stepsPerEpoch; s < stepsPerEpoch; s++) {
    const lr = lrAt(state.step, stepsPerEpoch, schedule)
    await hooks.call('onBatchBegin', { step: state.step + 1, epoch: e + 1, lr })
    const t0 = performance.now()
    const micro = stepBatches(order, batch, accum, s)
    const samples = micro.reduce((n, b) => n + b.length, 0)
    let step: Awaited<ReturnType<typeof stepGradients>>
    // The augmentation stream as the step starts: a cancel between its micro-batches saves this,
    // so that the resumed step draws the same masks and mixup partners as an uninterrupted one.
    const augAtStep = augRng.state()
    try {
      step = await stepGradients(micro, samples, makeBatch, ctx.engine.gradients, derivedSeed(cfg.seed, state.step, DROPOUT_STEP_STREAM), signal)
    } catch (err) {
      // The step's partial gradients are dropped: the model and state are those after the previous step.
      if (isCancel(err, signal)) await stopHere(ctx, augAtStep)
      throw err
    }
    let grads = step.grads
    const stepLoss = step.loss
    if (!Number.isFinite(stepLoss)) {
      tf.dispose(grads)
      throw new Error(`The loss became ${stepLoss} at step ${state.step + 1}: lower the learning rate (${cfg.lr}) or turn on gradient clipping`)
    }
    if (cfg.clipNorm && cfg.clipNorm > 0) {
      const clipped = clipByGlobalNorm(grads, cfg.clipNorm)
      tf.dispose([...grads, clipped.norm])
      grads = clipped.grads
    }
    optimizer.apply(grads, lr)
    tf.dispose(grads)
    state.step++
    state.epochLoss.sum += stepLoss * samples
    state.epochLoss.samples += samples
    epochSamples += samples
    const seconds = (performance.now() - t0) / 1000
    recentRate = samples / seconds
    const entry: MetricEntry = { kind: 'step', step: state.step, epoch: e + 1, time: new Date().toISOString(), loss: stepLoss, lr, samplesPerS: recentRate }
    await hooks.call('onBatchEnd', entry)
    await maybeStepCheckpoint(ctx, s)
  }
  const trainSeconds = (performance.now() - epochStart) / 1000
  return { index: e, samplesPerS: epochSamples > 0 ? epochSamples / trainSeconds : recentRate }
}
