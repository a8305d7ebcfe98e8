// The training loop of one run, meant to run in a job process. It reads the run's config (written once
// at creation), builds features through the AUDIO cache, the model (scratch or pretrained, new head),
// and trains with seeded batches, SpecAugment and mixup, Adam/AdamW, warm-up + cosine/step decay,
// clipping and gradient accumulation. Every step streams a metrics entry; every epoch evaluates the
// validation split and checkpoints (last, and best on improvement); at the end the best checkpoint is
// tested and its predictions and threshold comparison stored. A run with a ckpt/last continues from it
// with the same schedule, optimizer moments, data order and augmentation stream.
import os from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
import type { ApiEvent, DatasetRecord, MetricEntry, RunConfigInput, TrainingEngineChoice } from '../../../shared/api'
import { initBackend } from '../backend'
import { extractFeatures, type FeatureSettings } from '../audio/cache'
import { statsAccumulator } from '../audio/features'
import { loadDataset } from '../data/record'
import { compareThresholds } from '../eval/thresholds'
import { loadCheckpoint } from '../models/checkpoint'
import { frameOutput } from '../models/frameHead'
import type { TagModel } from '../models/types'
import { progressTracker, type ProgressSink } from '../progress'
import { makeRng } from '../rng'
import {
  appendLog,
  appendMetrics,
  checkpointDir,
  readRunConfig,
  readRunState,
  recoverCheckpoints,
  releaseRunLock,
  runProcessAlive,
  savePredictions,
  saveThresholds,
  updateRunStatus
} from '../runs/store'
import { clipSets, featureSource, withoutFiles, buildBatch, type Batch, type ClipSet, type FeatureSource, type InputSpec } from './data'
import { predictSplit, splitMetrics, type SplitPredictions } from './evaluate'
import { inverseFrequencyWeights, type LossOptions } from './losses'
import { buildModel, inputNorm, needsNormStats, type FeatureNorm } from './model'
import { clipByGlobalNorm, createOptimizer, type Optimizer, type OptimizerConfig } from './optimizer'
import { derivedSeed, epochOrder, labelFrequencyWeights, stepBatches, stepLayout } from './sampler'
import { createStepGradients, defaultTrainThreads, type StepGradients } from './parallel/pool'
import { chooseEngine, createOrtStepGradients, type OrtStepGradients } from './ort/engine'
import { createOrtForward } from './ort/forward'
import { ortReport } from '../ortInfo'
import { lrAt, type ScheduleConfig } from './schedule'
import { loadTrainingCheckpoint, rewindMetrics, saveTrainingCheckpoint, type TrainerState } from './state'

export interface TrainOptions {
  onProgress?: ProgressSink
  /** run.metrics / run.changed events for every UI. */
  emit?: (event: ApiEvent) => void
  signal?: AbortSignal
  /** Train on this engine instead of the run config's (a resume may switch: both share one checkpoint format). */
  engine?: TrainingEngineChoice
}

export interface TrainResult {
  runId: string
  /** 1-based epoch of the best checkpoint, the one tested. */
  bestEpoch: number | null
  epochsDone: number
  test: Record<string, number | null> | null
}

const AUG_STREAM = 2
/** Dropout masks: one seed per (step, micro-batch), so a resume draws the same masks (TagModel.reseedDropout). */
const DROPOUT_STEP_STREAM = 5
const CANCELLED = 'Training cancelled'

/** AST trains with Adam betas (0.95, 0.999); AdamW follows PyTorch's (and HTS-AT's) defaults. */
export function optimizerConfig(cfg: Pick<RunConfigInput, 'optimizer' | 'weightDecay'>): OptimizerConfig {
  return cfg.optimizer === 'adam'
    ? { kind: 'adam', beta1: 0.95, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
    : { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
}

function lossOptions(cfg: RunConfigInput, train: ClipSet, classes: number): LossOptions {
  const opts: LossOptions = { kind: cfg.loss, labelSmoothing: cfg.labelSmoothing ?? 0 }
  if (cfg.loss === 'focal') Object.assign(opts, { focalGamma: cfg.focalGamma, focalAlpha: cfg.focalAlpha })
  if (cfg.loss === 'weighted-bce') {
    const positives = new Array<number>(classes).fill(0)
    for (const ls of train.labels) for (const c of ls) positives[c]++
    opts.classWeights = inverseFrequencyWeights(positives)
  }
  return opts
}

/** Mean and std of every raw fbank value of the training split (AST normalises with the dataset's statistics). */
async function trainingStats(train: ClipSet, source: FeatureSource, signal?: AbortSignal): Promise<FeatureNorm> {
  const acc = statsAccumulator()
  for (const p of train.paths) {
    if (signal?.aborted) throw new Error(CANCELLED)
    acc.add((await source.get(p)).data)
  }
  const { mean, std } = acc.result()
  return { mean, std }
}

/** What early stopping compares: accuracy for single-label data, else mAP (null when undefined). */
function selectionScore(record: DatasetRecord, m: Pick<MetricEntry, 'mAP' | 'accuracy'>): number | null {
  if (!record.multiLabel && m.accuracy !== undefined) return m.accuracy
  return m.mAP ?? null
}

function testSummary(m: ReturnType<typeof splitMetrics>, thresholds: ReturnType<typeof compareThresholds> | null): Record<string, number | null> {
  const out: Record<string, number | null> = { mAP: m.mAP ?? null, auc: m.auc ?? null, dprime: m.dprime ?? null, microF1: m.microF1 ?? null, macroF1: m.macroF1 ?? null }
  if (m.accuracy !== undefined) out.accuracy = m.accuracy
  if (m.frameF1 !== undefined) out.frameF1 = m.frameF1
  if (m.eventF1 !== undefined) out.eventF1 = m.eventF1
  for (const t of thresholds?.methods ?? []) {
    out[`microF1_${t.method}`] = t.microF1
    out[`macroF1_${t.method}`] = t.macroF1
  }
  return out
}

/**
 * Gradients of one optimizer step: each micro-batch's loss is weighted by its share of the step's
 * samples, so the summed gradient is that of the mean loss over the whole step. Returns the summed
 * gradients (the caller disposes them) in the order of the trainable variables, and that mean loss.
 * `shards` computes each micro-batch on one thread or data-parallel over several (train/parallel).
 * Micro-batch m draws its dropout masks from a seed derived from `stepSeed` and m.
 */
async function stepGradients(
  micro: Int32Array[],
  samples: number,
  makeBatch: (indices: Int32Array) => Promise<Batch>,
  shards: StepGradients,
  stepSeed: number
): Promise<{ grads: tf.Tensor[]; loss: number }> {
  let grads: tf.Tensor[] | null = null
  let loss = 0
  try {
    for (const [m, idx] of micro.entries()) {
      const b = await makeBatch(idx)
      const share = b.size / samples
      const { loss: microLoss, grads: list } = await shards.compute(b, share, derivedSeed(stepSeed, m, DROPOUT_STEP_STREAM))
      if (grads === null) grads = list
      else {
        const prev: tf.Tensor[] = grads
        grads = prev.map((p, i) => tf.add(p, list[i]))
        tf.dispose([...prev, ...list])
      }
      loss += microLoss
    }
  } catch (err) {
    if (grads) tf.dispose(grads)
    throw err
  }
  if (!grads) throw new Error('an optimizer step without clips')
  return { grads, loss }
}

/** TAGBENCH_ENGINE=auto|ort|tfjs overrides a run's engine (what `tagbench resume --engine` sets for its job). */
function envEngine(): TrainingEngineChoice | undefined {
  const v = process.env.TAGBENCH_ENGINE
  if (v === undefined || v === '') return undefined
  if (v !== 'auto' && v !== 'ort' && v !== 'tfjs') throw new Error(`TAGBENCH_ENGINE=${v}: use auto, ort or tfjs`)
  return v
}

/** Whether a run can be resumed: not finished, not running in a live process. */
export function checkResumable(runId: string): void {
  const state = readRunState(runId)
  if (state.status === 'done') throw new Error(`Run ${runId} has already finished`)
  if (state.status === 'running' && runProcessAlive(runId)) throw new Error(`Run ${runId} is still running`)
}

/** Resume an interrupted, cancelled or failed run from its last checkpoint (or from the start when it has none). */
export async function resumeRun(runId: string, opts: TrainOptions = {}): Promise<TrainResult> {
  checkResumable(runId)
  return trainRun(runId, opts)
}

/** Train (or continue) the run `runId`. */
export async function trainRun(runId: string, opts: TrainOptions = {}): Promise<TrainResult> {
  const { signal } = opts
  const emit = opts.emit ?? (() => {})
  const onProgress = opts.onProgress ?? (() => {})
  const log = (message: string) => appendLog(runId, message)
  const changed = () => emit({ type: 'run.changed', runId })
  const cfg = readRunConfig(runId)
  // The engine first: with ORT on CUDA, tfjs (the optimizer and evaluation) stays off the GPU, so
  // that tfjs-node-gpu (CUDA 11) and ORT's CUDA 12 provider never load in one process.
  const decision = chooseEngine(opts.engine ?? envEngine() ?? cfg.engine ?? 'tfjs', cfg.model)
  const backend = decision.engine === 'ort' && ortReport().providers.includes('cuda') ? await initBackend('native') : await initBackend()
  updateRunStatus(runId, { status: 'running', backend: backend.label, device: backend.device })
  changed()
  let model: TagModel | null = null
  let optimizer: Optimizer | null = null
  let shards: StepGradients | null = null
  // Where the ort engine trains; evaluation then scores through ONNX Runtime there too.
  let ortDevice: Pick<OrtStepGradients, 'threads' | 'provider' | 'spinning'> | null = null
  try {
    const record = loadDataset(cfg.dataset)
    const runState = readRunState(runId)
    if (runState.datasetFingerprint && record.fingerprint !== runState.datasetFingerprint)
      log(`Warning: dataset ${record.name} has changed since this run was created (fingerprint ${record.fingerprint}, was ${runState.datasetFingerprint})`)
    recoverCheckpoints(runId)
    const resumed = loadTrainingCheckpoint(runId, 'last')
    log(resumed ? `Resuming from step ${resumed.state.step} (epoch ${resumed.state.epoch} done) on ${backend.label}` : `Starting on ${backend.label}: ${backend.device}`)

    // Clips and features. Unreadable files are left out, named in the log; the run goes on.
    const settings: FeatureSettings = { sampleRate: 16000, melBins: cfg.melBins! }
    let sets = clipSets(record, cfg.fold)
    const all = [...sets.train.paths, ...sets.val.paths, ...sets.test.paths]
    const extracted = await extractFeatures(all, settings, { onProgress, signal, threads: cfg.threads ?? Math.max(1, os.availableParallelism() - 1), onLog: log })
    if (extracted.errors.length > 0) {
      for (const e of extracted.errors) log(`Skipping ${e.file}: ${e.message}`)
      const bad = new Set(extracted.errors.map((e) => e.file))
      sets = { train: withoutFiles(sets.train, bad), val: withoutFiles(sets.val, bad), test: withoutFiles(sets.test, bad) }
    }
    const { train, val, test } = sets
    if (train.n === 0) throw new Error(`Dataset ${record.name} has no readable training clips`)
    log(`Clips: ${train.n} train, ${val.n} val, ${test.n} test; ${extracted.hits} feature files were cached`)
    const source = featureSource(settings)
    const C = record.classNames.length

    // Model: from the checkpoint when resuming (weights, config and norm bit for bit), else new.
    if (resumed) model = loadCheckpoint(resumed.dir)
    else {
      const norm = needsNormStats(cfg) ? await trainingStats(train, source, signal) : null
      if (norm) log(`Feature statistics of the training split: mean ${norm.mean.toFixed(4)}, std ${norm.std.toFixed(4)}`)
      model = buildModel(cfg, record.classNames, norm, record.frameRate ?? 100)
    }
    const fo = record.events && record.events.length > 0 ? frameOutput(model.config) : null
    const spec: InputSpec = {
      settings,
      targetLength: model.config.targetLength,
      norm: inputNorm(model.config),
      frames: fo ? { count: fo.frames, rate: fo.frameRate } : null,
      frameLoss: !!cfg.frameHead && fo !== null
    }
    const loss = lossOptions(cfg, train, C)
    const vars = model.trainableVariables()
    optimizer = createOptimizer(vars, optimizerConfig(cfg), resumed?.optimizer ?? undefined)
    const lossContext = { loss, classes: C, frames: spec.frameLoss ? spec.frames : null }
    // The engine: runs made before engines existed (no cfg.engine) stay on tfjs, as they started.
    log(`Training engine: ${decision.engine} (${decision.reason})`)
    if (decision.engine === 'ort') {
      // ONNX Runtime spreads each op over --threads cores itself (default: every core).
      const ortShards = await createOrtStepGradients(model, vars, { threads: cfg.threads ?? os.availableParallelism(), lossContext, batch: cfg.batchSize, onLog: log })
      shards = ortShards
      ortDevice = ortShards
      log(`Training on ${ortShards.note}`)
      updateRunStatus(runId, {
        backend: `ONNX Runtime ${ortReport().version ?? ''} (ort engine)`.replace('  ', ' '),
        device: ortShards.provider === 'cuda' ? 'GPU (CUDA)' : `CPU: ${os.cpus()[0]?.model ?? 'unknown'} (${ortShards.threads} threads)`,
        engine: { name: 'ort', reason: `${decision.reason}; ${ortShards.note}` }
      })
    } else {
      // Data-parallel shards: by default one per core on wasm/cpu, one on native backends (parallel/pool.ts).
      shards = await createStepGradients(model, vars, { threads: cfg.threads ?? defaultTrainThreads(backend.chosen), seed: cfg.seed, lossContext, onLog: log })
      if (shards.threads > 1) log(`Training data-parallel on ${shards.threads} threads`)
      updateRunStatus(runId, { engine: { name: 'tfjs', reason: decision.reason } })
    }
    changed()
    const batch = cfg.batchSize
    const accum = cfg.gradAccum ?? 1
    const { stepsPerEpoch } = stepLayout(train.n, batch, accum)
    const totalSteps = cfg.epochs * stepsPerEpoch
    const schedule: ScheduleConfig = { lr: cfg.lr, schedule: cfg.schedule, warmupSteps: cfg.warmupSteps, epochs: cfg.epochs, stepStart: cfg.stepStart, stepGamma: cfg.stepGamma }
    const weights = cfg.balancedSampling ? labelFrequencyWeights(train.labels, C) : undefined
    const state: TrainerState = resumed?.state ?? {
      version: 1,
      step: 0,
      epoch: 0,
      augRng: makeRng(derivedSeed(cfg.seed, 0, AUG_STREAM)).state(),
      epochLoss: { sum: 0, samples: 0 },
      best: null,
      sinceBest: 0,
      finished: false
    }
    const dropped = rewindMetrics(runId, state)
    if (dropped > 0) log(`Dropped ${dropped} metric entries written after the checkpoint; those steps run again`)
    const augRng = makeRng(cfg.seed, state.augRng)
    const aug = { rng: augRng, freqm: cfg.specAugment ? (cfg.freqm ?? 0) : 0, timem: cfg.specAugment ? (cfg.timem ?? 0) : 0, mixup: cfg.mixup }
    const tracker = progressTracker(`Training ${runState.name}`, totalSteps, 'steps', onProgress)
    tracker.update(state.step, totalSteps, true)

    const checkpoint = async (slot: 'last' | 'best', extra: Record<string, unknown> = {}) => {
      state.augRng = augRng.state()
      await saveTrainingCheckpoint(runId, slot, model!, state, slot === 'last' ? optimizer!.state() : null, { step: state.step, epoch: state.epoch, ...extra })
    }
    const record1 = (entries: MetricEntry[]) => {
      appendMetrics(runId, entries)
      emit({ type: 'run.metrics', runId, entries })
    }
    let recentRate: number | null = null
    /** predictSplit on tfjs, or through an ONNX Runtime session over the export graph (ort engine). */
    const scoreSplit = async (m: TagModel, set: ClipSet): Promise<SplitPredictions> => {
      if (!ortDevice) return predictSplit(m, set, source, spec, record, loss, batch, signal)
      const { provider, threads, spinning } = ortDevice
      const ortForward = await createOrtForward(m, { provider, threads, spinning })
      try {
        return await predictSplit(m, set, source, spec, record, loss, batch, signal, ortForward.forward)
      } finally {
        await ortForward.dispose()
      }
    }

    // Training.
    while (!state.finished && state.epoch < cfg.epochs) {
      const e = state.epoch
      const order = epochOrder(train.n, e, cfg.seed, weights)
      const epochStart = performance.now()
      let epochSamples = 0
      for (let s = state.step - e * stepsPerEpoch; s < stepsPerEpoch; s++) {
        if (signal?.aborted) {
          await checkpoint('last')
          throw new Error(CANCELLED)
        }
        const t0 = performance.now()
        const lr = lrAt(state.step, stepsPerEpoch, schedule)
        const micro = stepBatches(order, batch, accum, s)
        const samples = micro.reduce((n, b) => n + b.length, 0)
        const step = await stepGradients(micro, samples, (idx) => buildBatch(train, idx, source, spec, record, aug), shards, derivedSeed(cfg.seed, state.step, DROPOUT_STEP_STREAM))
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
        record1([{ kind: 'step', step: state.step, epoch: e + 1, time: new Date().toISOString(), loss: stepLoss, lr, samplesPerS: recentRate }])
        tracker.update(state.step, totalSteps, state.step === totalSteps)
        if (cfg.checkpointEverySteps && state.step % cfg.checkpointEverySteps === 0 && s < stepsPerEpoch - 1) await checkpoint('last')
      }
      const trainSeconds = (performance.now() - epochStart) / 1000
      const epochRate = epochSamples > 0 ? epochSamples / trainSeconds : recentRate

      // Validation.
      state.epoch = e + 1
      const trainLoss = state.epochLoss.samples > 0 ? state.epochLoss.sum / state.epochLoss.samples : undefined
      state.epochLoss = { sum: 0, samples: 0 }
      const entry: MetricEntry = { kind: 'epoch', step: state.step, epoch: state.epoch, time: '', lr: lrAt(Math.max(0, state.step - 1), stepsPerEpoch, schedule) }
      if (trainLoss !== undefined) entry.loss = trainLoss
      if (epochRate !== null) entry.samplesPerS = epochRate
      let score: number | null = null
      if (val.n > 0) {
        const pred = await scoreSplit(model, val)
        Object.assign(entry, splitMetrics(pred, C))
        if (pred.loss !== null) entry.valLoss = pred.loss
        score = selectionScore(record, entry)
      }
      entry.time = new Date().toISOString()
      // Without a validation score (no val split) the latest epoch counts as the best.
      const improved = score === null || state.best === null || score > state.best.score
      if (improved) {
        state.best = { epoch: state.epoch, score: score ?? 0, mAP: entry.mAP ?? null, ...(entry.accuracy !== undefined ? { accuracy: entry.accuracy } : {}) }
        state.sinceBest = 0
      } else state.sinceBest++
      const patience = cfg.earlyStopPatience ?? 0
      if (state.epoch >= cfg.epochs) state.finished = true
      else if (patience > 0 && state.sinceBest >= patience) {
        state.finished = true
        log(`Early stop after epoch ${state.epoch}: no better validation score for ${patience} epochs (best: epoch ${state.best!.epoch})`)
      }
      // Best before last: a crash between the two leaves the previous last, whose state does not yet
      // know this best, and the epoch is redone.
      if (improved) await checkpoint('best', { metrics: entry })
      await checkpoint('last', { metrics: entry })
      record1([entry])
      const milestone = (m: { epoch: number; mAP: number | null; accuracy?: number }) => ({ epoch: m.epoch, mAP: m.mAP, ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}) })
      updateRunStatus(runId, {
        epochsDone: state.epoch,
        last: milestone({ epoch: state.epoch, mAP: entry.mAP ?? null, accuracy: entry.accuracy }),
        best: milestone(state.best!),
        samplesPerS: epochRate
      })
      log(`Epoch ${state.epoch}/${cfg.epochs}: loss ${trainLoss?.toFixed(4) ?? '-'}, val mAP ${entry.mAP?.toFixed(4) ?? '-'}${entry.accuracy !== undefined ? `, accuracy ${entry.accuracy.toFixed(4)}` : ''}, ${epochRate?.toFixed(2) ?? '-'} samples/s`)
      changed()
    }
    optimizer.dispose()
    optimizer = null
    await shards.dispose()
    shards = null
    model.dispose()
    model = null

    // Test with the best checkpoint; thresholds learnt on validation, applied to test.
    if (signal?.aborted) throw new Error(CANCELLED)
    const best = loadCheckpoint(checkpointDir(runId, 'best'))
    model = best
    const bestEpoch = state.best?.epoch ?? null
    let test1: Record<string, number | null> | null = null
    if (test.n > 0) {
      onProgress({ label: `Testing ${runState.name}`, done: 0, total: test.n + val.n, rate: 0, unit: 'clips', etaS: null })
      const testPred = await scoreSplit(best, test)
      const valPred: SplitPredictions | null = val.n > 0 ? await scoreSplit(best, val) : null
      const metrics = splitMetrics(testPred, C)
      savePredictions(runId, 'test', { scores: testPred.scores, targets: testPred.targets, nClips: test.n, nClasses: C, files: test.files })
      let thresholds = null
      if (valPred) {
        savePredictions(runId, 'val', { scores: valPred.scores, targets: valPred.targets, nClips: val.n, nClasses: C, files: val.files })
        thresholds = compareThresholds(valPred.scores, valPred.targets, testPred.scores, testPred.targets, record.classNames)
        saveThresholds(runId, thresholds)
      }
      test1 = testSummary(metrics, thresholds)
      const entry: MetricEntry = { kind: 'test', step: state.step, epoch: bestEpoch ?? state.epoch, time: new Date().toISOString(), ...metrics }
      if (testPred.loss !== null) entry.valLoss = testPred.loss
      record1([entry])
      log(`Test (best epoch ${bestEpoch}): mAP ${metrics.mAP?.toFixed(4) ?? '-'}${metrics.accuracy !== undefined ? `, accuracy ${metrics.accuracy.toFixed(4)}` : ''}`)
    } else log('No test clips: the run ends without a test evaluation')
    model.dispose()
    model = null
    updateRunStatus(runId, { status: 'done', test: test1 })
    changed()
    return { runId, bestEpoch, epochsDone: state.epoch, test: test1 }
  } catch (err) {
    optimizer?.dispose()
    await shards?.dispose()
    model?.dispose()
    const message = err instanceof Error ? err.message : String(err)
    // Bookkeeping may fail too (a full disk fails every write): the first error is the one to report.
    // A run left marked 'running' shows as interrupted once this process is gone, and can be resumed.
    try {
      if (message === CANCELLED || signal?.aborted) {
        updateRunStatus(runId, { status: 'cancelled' })
        log('Cancelled; the last checkpoint is kept and the run can be resumed')
      } else {
        updateRunStatus(runId, { status: 'failed', failure: message })
        log(`Failed: ${message}`)
      }
    } catch {
      // Reported through the job's error below; the run reads as interrupted and can be resumed.
      releaseRunLock(runId)
    }
    changed()
    throw err
  }
}
