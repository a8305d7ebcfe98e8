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
import { CANCELLED, cancelPoint, isCancel } from '../cancel'
import { faultPause, faultPoint } from '../faults'
import { readCheckpointExtra } from '../models/checkpoint'
import { cpuBudget } from '../cpus'
import { extractFeatures, type FeatureSettings } from '../audio/cache'
import { statsAccumulator } from '../audio/features'
import { loadDataset } from '../data/record'
import { compareThresholds } from '../eval/thresholds'
import { loadCheckpoint, saveCheckpoint } from '../models/checkpoint'
import { frameOutput } from '../models/frameHead'
import type { TagModel } from '../models/types'
import { progressTracker, type ProgressSink } from '../progress'
import { makeRng } from '../rng'
import {
  appendLog,
  appendMetrics,
  checkpointDir,
  pruneEpochCheckpoints,
  writeCheckpoint,
  readRunConfig,
  readMetrics,
  readRunState,
  recoverCheckpoints,
  releaseRunLock,
  runProcessAlive,
  savePredictions,
  saveThresholds,
  updateRunStatus
} from '../runs/store'
import { clipSets, featureSource, withoutFiles, buildBatch, FEATURE_FRAME_RATE, type Batch, type ClipSet, type FeatureSource, type InputSpec } from './data'
import { predictSplit, splitMetrics, type SplitPredictions } from './evaluate'
import { frameTaskMetrics, tuneFrameThresholds } from '../eval/frameTask'
import { SED_EVAL_COLLARS } from '../eval/sed'
import { DEFAULT_EVENT_OPTIONS, medianFrames } from '../infer/events'
import { clipFrameCount, frameTargets } from '../data/frames'
import { predictRecordings, type RecordingPredictions } from './recordings'
import { epochSize, epochWindows, type WindowPlanInput } from './windows'
import { saveFrameCurves } from '../runs/frameCurves'
import { inverseFrequencyWeights, positiveWeights, type LossOptions } from './losses'
import { buildModel, inputNorm, needsNormStats, type FeatureNorm } from './model'
import { clipByGlobalNorm, createOptimizer, type Optimizer, type OptimizerConfig } from './optimizer'
import { derivedSeed, epochOrder, labelFrequencyWeights, stepBatches, stepLayout } from './sampler'
import { createStepGradients, defaultTrainThreads, type StepGradients } from './parallel/pool'
import { chooseEngine, createOrtStepGradients, type OrtStepGradients } from './ort/engine'
import { createOrtForward } from './ort/forward'
import { ortReport } from '../ortInfo'
import { lrAt, type ScheduleConfig } from './schedule'
import { trendRule } from './earlyStop'
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

/** AST trains with Adam betas (0.95, 0.999); AdamW follows PyTorch's (and HTS-AT's) defaults. */
export function optimizerConfig(cfg: Pick<RunConfigInput, 'optimizer' | 'weightDecay'>): OptimizerConfig {
  return cfg.optimizer === 'adam'
    ? { kind: 'adam', beta1: 0.95, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
    : { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
}

/**
 * The loss settings: the clip loss from cfg.loss; for a frame task, the frame term's own from
 * cfg.frameLoss, with pos-bce's positive weight from the training frames' label frequency.
 */
function lossOptions(cfg: RunConfigInput, train: ClipSet, record: DatasetRecord, frameTask: { rate: number } | null, log: (m: string) => void): LossOptions {
  const classes = record.classNames.length
  const clipPositives = new Array<number>(classes).fill(0)
  for (const ls of train.labels) for (const c of ls) clipPositives[c]++
  const make = (kind: LossOptions['kind'], positives: number[], total: number): LossOptions => {
    const opts: LossOptions = { kind, labelSmoothing: cfg.labelSmoothing ?? 0 }
    if (kind === 'focal') Object.assign(opts, { focalGamma: cfg.focalGamma, focalAlpha: cfg.focalAlpha })
    if (kind === 'weighted-bce') opts.classWeights = inverseFrequencyWeights(positives)
    if (kind === 'pos-bce') opts.posWeights = positiveWeights(positives, total)
    return opts
  }
  const opts = make(cfg.loss, clipPositives, train.n)
  if (frameTask && cfg.frameLoss) {
    const positives = new Array<number>(classes).fill(0)
    let frames = 0
    const byFile = new Map(record.files.map((f) => [f.path, f.durationS]))
    for (const file of train.files) {
      const n = clipFrameCount(byFile.get(file) ?? 0, frameTask.rate)
      const t = frameTargets(record, file, frameTask.rate, n)
      for (let i = 0; i < t.length; i++) if (t[i] >= 0.5) positives[i % classes]++
      frames += n
    }
    opts.frame = make(cfg.frameLoss, positives, frames)
    const share = positives.map((p) => (frames > 0 ? p / frames : 0))
    log(`Frame task: ${frames} training frames at ${frameTask.rate.toFixed(2)}/s, positive share ${share.map((v) => `${(v * 100).toFixed(2)}%`).join(', ')}; frame loss ${cfg.frameLoss}${opts.frame.posWeights ? ` (positive weight ${Array.from(opts.frame.posWeights, (w) => w.toFixed(1)).join(', ')})` : ''}`)
  }
  return opts
}

/** Event spans of each training recording in fbank frames, for event-favouring window sampling. */
function eventSpans(record: DatasetRecord, files: string[]): [number, number][][] {
  const byFile = new Map<string, [number, number][]>()
  for (const e of record.events ?? []) {
    if ((e.value ?? 1) < 0.5) continue
    const list = byFile.get(e.file) ?? []
    list.push([Math.floor(e.onset * FEATURE_FRAME_RATE), Math.ceil(e.offset * FEATURE_FRAME_RATE)])
    byFile.set(e.file, list)
  }
  return files.map((f) => byFile.get(f) ?? [])
}

/** Mean and std of every raw fbank value of the training split (AST normalises with the dataset's statistics). */
async function trainingStats(train: ClipSet, source: FeatureSource, signal?: AbortSignal): Promise<FeatureNorm> {
  const acc = statsAccumulator()
  for (const p of train.paths) {
    await cancelPoint(signal)
    acc.add((await source.get(p)).data)
  }
  const { mean, std } = acc.result()
  return { mean, std }
}

/** What early stopping compares: frameAP for a frame task, accuracy for single-label data, else mAP (null when undefined). */
function selectionScore(record: DatasetRecord, m: Pick<MetricEntry, 'mAP' | 'accuracy' | 'frameAP'>): number | null {
  if (m.frameAP !== undefined) return m.frameAP
  if (!record.multiLabel && m.accuracy !== undefined) return m.accuracy
  return m.mAP ?? null
}

function testSummary(m: ReturnType<typeof splitMetrics> & Pick<MetricEntry, 'frameAP' | 'frameF1Tuned' | 'eventF1Tuned' | 'predictedPositive'>, thresholds: ReturnType<typeof compareThresholds> | null): Record<string, number | null> {
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
      const { loss: microLoss, grads: list } = await shards.compute(b, share, derivedSeed(stepSeed, m, DROPOUT_STEP_STREAM))
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

const milestone = (m: { epoch: number; mAP: number | null; accuracy?: number }) => ({ epoch: m.epoch, mAP: m.mAP, ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}) })

/**
 * The epoch entry a checkpoint holds (saved with it, see `checkpoint('last', { metrics })`), appended
 * to metrics.jsonl when the file lacks it: the process died between the checkpoint and the append.
 */
function restoreEpochEntry(runId: string, dir: string, state: TrainerState): MetricEntry | null {
  const saved = readCheckpointExtra(dir)?.metrics as MetricEntry | undefined
  if (!saved || saved.kind !== 'epoch' || saved.epoch !== state.epoch) return null
  if (readMetrics(runId).some((e) => e.kind === 'epoch' && e.epoch === saved.epoch)) return null
  appendMetrics(runId, [saved])
  return saved
}

/** Events are scored after the Tag page's median filter (0.25 s), so that eventF1 is what tagging gives. */
const eventMedian = (rate: number): number => medianFrames(DEFAULT_EVENT_OPTIONS.medianS, rate)

/** Clip metrics (recording-level, max over windows) and frame-task metrics at 0.5 of whole-recording predictions. */
function recordingMetrics(pred: RecordingPredictions, C: number): ReturnType<typeof splitMetrics> & Pick<MetricEntry, 'frameAP' | 'predictedPositive'> {
  const clip = splitMetrics({ scores: pred.scores, targets: pred.targets, n: pred.n, loss: pred.loss }, C)
  const f = frameTaskMetrics(pred.recordings, C, pred.rate, 0.5, SED_EVAL_COLLARS, eventMedian(pred.rate))
  return { ...clip, frameAP: f.frameAP, frameF1: f.frameF1, eventF1: f.eventF1, predictedPositive: f.predictedPositive }
}

function tunedMetrics(pred: RecordingPredictions, C: number, thresholds: number[]): Pick<MetricEntry, 'frameF1Tuned' | 'eventF1Tuned'> {
  const f = frameTaskMetrics(pred.recordings, C, pred.rate, thresholds, SED_EVAL_COLLARS, eventMedian(pred.rate))
  return { frameF1Tuned: f.frameF1, eventF1Tuned: f.eventF1 }
}

/** A model that predicts (almost) no positive frames has collapsed to zeros: say so in the run's log. */
function warnCollapse(m: Pick<MetricEntry, 'predictedPositive'>, log: (m: string) => void, when: string): void {
  if (m.predictedPositive !== undefined && m.predictedPositive < 1e-3)
    log(
      `Warning (${when}): the model predicts ${(m.predictedPositive * 100).toFixed(3)}% of frames positive at threshold 0.5 — (almost) none. ` +
        'With sparse labels try the pos-bce frame loss, a higher event ratio, more epochs or a higher learning rate; the tuned threshold may still find events.'
    )
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
  /** Step of the newest ckpt/last, and the step a cancel checkpointed at (what the log may claim). */
  let lastSaved: number | null = null
  let stoppedAt: number | null = null
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
    const extracted = await extractFeatures(all, settings, { onProgress, signal, threads: cfg.threads ?? Math.max(1, cpuBudget() - 1), onLog: log })
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
      model = buildModel(cfg, record.classNames, norm, cfg.frameRate ?? record.frameRate ?? 100)
    }
    const fo = record.events && record.events.length > 0 ? frameOutput(model.config) : null
    const spec: InputSpec = {
      settings,
      targetLength: model.config.targetLength,
      norm: inputNorm(model.config),
      frames: fo ? { count: fo.frames, rate: fo.frameRate } : null,
      frameLoss: !!cfg.frameHead && fo !== null,
      frameSmoothing: cfg.frameSmoothing ?? 0
    }
    // A frame task trains on windows of whole recordings and is judged on whole recordings.
    const frameTask = spec.frameLoss && spec.frames ? spec.frames : null
    const loss = lossOptions(cfg, train, record, frameTask, log)
    const T = spec.targetLength
    const plan: WindowPlanInput | null = frameTask
      ? {
          frames: train.paths.map((p) => extracted.ok.get(p)?.frames ?? 0),
          events: eventSpans(record, train.files),
          windowFrames: T,
          hopFrames: Math.max(1, Math.round((cfg.windowHopS ?? T / FEATURE_FRAME_RATE) * FEATURE_FRAME_RATE)),
          eventRatio: cfg.eventRatio ?? 0
        }
      : null
    const planSize = plan ? epochSize(plan) : null
    if (plan && planSize)
      log(`Training on windows of ${(T / FEATURE_FRAME_RATE).toFixed(2)} s, hop ≤ ${(plan.hopFrames / FEATURE_FRAME_RATE).toFixed(2)} s: ${planSize.grid} windows cover the ${train.n} recordings, plus ${planSize.extra} around events (event ratio ${cfg.eventRatio ?? 0}) per epoch`)
    if (plan && cfg.balancedSampling) log('Balanced sampling does not apply to window training (use the event ratio); ignored')
    if (plan && cfg.mixup > 0) log('Mixup does not apply to window training; ignored')
    const evalHop = Math.max(1, Math.floor(T / 2))
    const evaluateRecordings = (set: ClipSet) => predictRecordings(model!, set, source, spec, record, loss, batch, evalHop, signal)
    const vars = model.trainableVariables()
    optimizer = createOptimizer(vars, optimizerConfig(cfg), resumed?.optimizer ?? undefined)
    const lossContext = { loss, classes: C, frames: spec.frameLoss ? spec.frames : null }
    // The engine: runs made before engines existed (no cfg.engine) stay on tfjs, as they started.
    log(`Training engine: ${decision.engine} (${decision.reason})`)
    if (decision.engine === 'ort') {
      // ONNX Runtime spreads each op over --threads cores itself (default: every core).
      const ortShards = await createOrtStepGradients(model, vars, { threads: cfg.threads ?? cpuBudget(), lossContext, batch: cfg.batchSize, onLog: log })
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
    const { stepsPerEpoch } = stepLayout(planSize ? planSize.grid + planSize.extra : train.n, batch, accum)
    const totalSteps = cfg.epochs * stepsPerEpoch
    const schedule: ScheduleConfig = { lr: cfg.lr, schedule: cfg.schedule, warmupSteps: cfg.warmupSteps, epochs: cfg.epochs, stepStart: cfg.stepStart, stepGamma: cfg.stepGamma }
    const weights = cfg.balancedSampling && !plan ? labelFrequencyWeights(train.labels, C) : undefined
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
    const dropped = rewindMetrics(runId, state, log)
    if (dropped > 0) log(`Dropped ${dropped} metric entries written after the checkpoint; those steps run again`)
    // A kill between the epoch's checkpoint and its metrics append: the checkpoint holds the entry.
    const restored = resumed ? restoreEpochEntry(runId, resumed.dir, state) : null
    if (restored) {
      log(`Restored the metrics entry of epoch ${restored.epoch} from its checkpoint (the process stopped before appending it)`)
      updateRunStatus(runId, {
        epochsDone: state.epoch,
        last: milestone({ epoch: restored.epoch, mAP: restored.mAP ?? null, accuracy: restored.accuracy }),
        ...(state.best ? { best: milestone(state.best) } : {})
      })
    }
    lastSaved = resumed?.state.step ?? null
    const augRng = makeRng(cfg.seed, state.augRng)
    const aug = { rng: augRng, freqm: cfg.specAugment ? (cfg.freqm ?? 0) : 0, timem: cfg.specAugment ? (cfg.timem ?? 0) : 0, mixup: cfg.mixup }
    const tracker = progressTracker(`Training ${runState.name}`, totalSteps, 'steps', onProgress)
    tracker.update(state.step, totalSteps, true)

    const checkpoint = async (slot: 'last' | 'best', extra: Record<string, unknown> = {}, augState = augRng.state()) => {
      state.augRng = augState
      await saveTrainingCheckpoint(runId, slot, model!, state, slot === 'last' ? optimizer!.state() : null, { step: state.step, epoch: state.epoch, ...extra })
      if (slot === 'last') lastSaved = state.step
    }
    /** A cancel at a step boundary: the state is whole there, so it is saved before the run stops. */
    const stopHere = async (augState?: number) => {
      await checkpoint('last', {}, augState)
      stoppedAt = state.step
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
      const windows = plan ? epochWindows(plan, e, cfg.seed) : null
      const order = windows ? Int32Array.from({ length: windows.n }, (_, k) => k) : epochOrder(train.n, e, cfg.seed, weights)
      const makeBatch = (idx: Int32Array): Promise<Batch> =>
        windows
          ? buildBatch(train, Array.from(idx, (k) => windows.clip[k]), source, spec, record, aug, Array.from(idx, (k) => windows.start[k]))
          : buildBatch(train, idx, source, spec, record, aug)
      const epochStart = performance.now()
      let epochSamples = 0
      for (let s = state.step - e * stepsPerEpoch; s < stepsPerEpoch; s++) {
        const t0 = performance.now()
        const lr = lrAt(state.step, stepsPerEpoch, schedule)
        const micro = stepBatches(order, batch, accum, s)
        const samples = micro.reduce((n, b) => n + b.length, 0)
        let step: Awaited<ReturnType<typeof stepGradients>>
        // The augmentation stream as the step starts: a cancel between its micro-batches saves this,
        // so that the resumed step draws the same masks and mixup partners as an uninterrupted one.
        const augAtStep = augRng.state()
        try {
          step = await stepGradients(micro, samples, makeBatch, shards, derivedSeed(cfg.seed, state.step, DROPOUT_STEP_STREAM), signal)
        } catch (err) {
          // The step's partial gradients are dropped: the model and state are those after the previous step.
          if (isCancel(err, signal)) await stopHere(augAtStep)
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
        record1([{ kind: 'step', step: state.step, epoch: e + 1, time: new Date().toISOString(), loss: stepLoss, lr, samplesPerS: recentRate }])
        tracker.update(state.step, totalSteps, state.step === totalSteps)
        if (cfg.checkpointEverySteps && state.step % cfg.checkpointEverySteps === 0 && s < stepsPerEpoch - 1) await checkpoint('last')
      }
      const trainSeconds = (performance.now() - epochStart) / 1000
      const epochRate = epochSamples > 0 ? epochSamples / trainSeconds : recentRate

      // Validation.
      const epochLossSoFar = { ...state.epochLoss }
      state.epoch = e + 1
      const trainLoss = state.epochLoss.samples > 0 ? state.epochLoss.sum / state.epochLoss.samples : undefined
      state.epochLoss = { sum: 0, samples: 0 }
      const entry: MetricEntry = { kind: 'epoch', step: state.step, epoch: state.epoch, time: '', lr: lrAt(Math.max(0, state.step - 1), stepsPerEpoch, schedule) }
      if (trainLoss !== undefined) entry.loss = trainLoss
      if (epochRate !== null) entry.samplesPerS = epochRate
      let score: number | null = null
      if (val.n > 0) {
        try {
          if (frameTask) {
            const pred = await evaluateRecordings(val)
            Object.assign(entry, recordingMetrics(pred, C))
            if (pred.loss !== null) entry.valLoss = pred.loss
            warnCollapse(entry, log, `epoch ${state.epoch}`)
          } else {
            const pred = await scoreSplit(model, val)
            Object.assign(entry, splitMetrics(pred, C))
            if (pred.loss !== null) entry.valLoss = pred.loss
          }
        } catch (err) {
          if (isCancel(err, signal)) {
            // Back to "epoch e trained, not yet validated": a resume validates it and goes on.
            state.epoch = e
            state.epochLoss = epochLossSoFar
            await stopHere()
          }
          throw err
        }
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
      else if (patience > 0 && score !== null) {
        // Smoothed score and trend over the epochs so far (earlyStop.ts): a noisy but rising run goes on.
        const scores = () => [...readMetrics(runId).flatMap((m) => (m.kind === 'epoch' && m.epoch < state.epoch ? [selectionScore(record, m)] : [])), score].filter((x): x is number => x !== null)
        const decision = trendRule({ patience, epochs: cfg.epochs, scores })
        if (decision.stop) {
          state.finished = true
          log(`Early stop after epoch ${state.epoch}: ${decision.reason} (best: epoch ${state.best!.epoch})`)
        }
      }
      // Best before last: a crash between the two leaves the previous last, whose state does not yet
      // know this best, and the epoch is redone.
      if (improved) await checkpoint('best', { metrics: entry })
      // The entry is in the checkpoint too: a kill before the append is repaired on resume (restoreEpochEntry).
      await checkpoint('last', { metrics: entry })
      faultPoint('after-checkpoint')
      // The weights of this epoch for checkpoint averaging (the model only; the last N are kept).
      if ((cfg.keepCheckpoints ?? 0) > 0) {
        await writeCheckpoint(runId, `epoch-${state.epoch}`, (dir) => saveCheckpoint(dir, model!, { epoch: state.epoch, step: state.step, metrics: entry }))
        pruneEpochCheckpoints(runId, cfg.keepCheckpoints!)
      }
      record1([entry])
      updateRunStatus(runId, {
        epochsDone: state.epoch,
        last: milestone({ epoch: state.epoch, mAP: entry.mAP ?? null, accuracy: entry.accuracy }),
        best: milestone(state.best!),
        samplesPerS: epochRate
      })
      log(`Epoch ${state.epoch}/${cfg.epochs}: loss ${trainLoss?.toFixed(4) ?? '-'}, val mAP ${entry.mAP?.toFixed(4) ?? '-'}${
        entry.frameAP !== undefined ? `, frameAP ${entry.frameAP?.toFixed(4) ?? '-'}, frame F1 ${entry.frameF1?.toFixed(4)}, event F1 ${entry.eventF1?.toFixed(4)}` : ''
      }${entry.accuracy !== undefined ? `, accuracy ${entry.accuracy.toFixed(4)}` : ''}, ${epochRate?.toFixed(2) ?? '-'} samples/s`)
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
    if (test.n > 0 && frameTask) {
      onProgress({ label: `Testing ${runState.name}`, done: 0, total: test.n + val.n, rate: 0, unit: 'recordings', etaS: null })
      model = best
      const testPred = await evaluateRecordings(test)
      const valPred = val.n > 0 ? await evaluateRecordings(val) : null
      // Thresholds tuned for frame F1 on validation recordings, applied to test.
      const tuned = valPred ? tuneFrameThresholds(valPred.recordings, C) : null
      const metrics = { ...recordingMetrics(testPred, C), ...(tuned ? tunedMetrics(testPred, C, tuned) : {}) }
      warnCollapse(metrics, log, 'test')
      savePredictions(runId, 'test', { scores: testPred.scores, targets: testPred.targets, nClips: test.n, nClasses: C, files: test.files })
      if (valPred) savePredictions(runId, 'val', { scores: valPred.scores, targets: valPred.targets, nClips: val.n, nClasses: C, files: val.files })
      saveFrameCurves(runId, { rate: testPred.rate, classNames: record.classNames, thresholds: tuned ?? new Array<number>(C).fill(0.5), recordings: testPred.recordings })
      test1 = testSummary(metrics, null)
      const entry: MetricEntry = { kind: 'test', step: state.step, epoch: bestEpoch ?? state.epoch, time: new Date().toISOString(), ...metrics }
      if (testPred.loss !== null) entry.valLoss = testPred.loss
      record1([entry])
      log(
        `Test (best epoch ${bestEpoch}): frameAP ${metrics.frameAP?.toFixed(4) ?? '-'}, frame F1 ${metrics.frameF1?.toFixed(4)} (tuned ${metrics.frameF1Tuned?.toFixed(4) ?? '-'}), ` +
          `event F1 ${metrics.eventF1?.toFixed(4)} (tuned ${metrics.eventF1Tuned?.toFixed(4) ?? '-'}), mAP ${metrics.mAP?.toFixed(4) ?? '-'}`
      )
    } else if (test.n > 0) {
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
      if (isCancel(err, signal)) {
        updateRunStatus(runId, { status: 'cancelled' })
        const reason = signal?.reason instanceof Error && signal.reason.name !== 'AbortError' ? `${signal.reason.message}. ` : ''
        log(
          `${reason}${
            stoppedAt !== null
              ? `Cancelled at step ${stoppedAt}: a checkpoint was written there and a resume continues from it`
              : lastSaved !== null
                ? `Cancelled; the checkpoint at step ${lastSaved} is kept and a resume continues from it`
                : 'Cancelled before the first checkpoint; a resume starts from the beginning'
          }`
        )
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
