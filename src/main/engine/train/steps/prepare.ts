// The prepare step: everything a run needs before its first step, in this order (the log follows
// it): the dataset and the checkpoint to resume from, the clips' features (unreadable files left out
// and named), the model (from the checkpoint, bit for bit, or new), the task (input spec, loss), what
// each epoch trains on (clips or windows), the optimizer, the engine, and the trainer's state (new, or
// the checkpoint's, with metrics written after it dropped and a lost epoch entry restored).
import type { BackendReport, RunConfig } from '../../../../shared/api'
import { extractFeatures, type FeatureSettings } from '../../audio/cache'
import { statsAccumulator } from '../../audio/features'
import { cancelPoint } from '../../control/cancel'
import { cpuBudget } from '../../platform/cpus'
import { loadDataset } from '../../data/record'
import { loadCheckpoint } from '../../models/checkpoint'
import { makeRng } from '../../util/rng'
import { readRunState, recoverCheckpoints, updateRunStatus } from '../../runs/store'
import { clipSets, featureSource, withoutFiles, type ClipSet, type FeatureSource } from '../data'
import { buildModel, needsNormStats, type FeatureNorm } from '../model'
import { createOptimizer, type OptimizerConfig } from '../optimizer'
import type { EngineDecision } from '../ort/engine'
import { derivedSeed, stepLayout } from '../sampler'
import type { ScheduleConfig } from '../schedule'
import { loadTrainingCheckpoint, rewindMetrics, type TrainerState } from '../state'
import { restoreEpochEntry } from './checkpoint'
import type { CheckpointMarks, Resources, RunIO, TrainContext } from './context'
import { createTrainEngine } from './engines'
import { milestone } from './metrics'
import { clipSampling, windowSampling } from './sampling'
import { runTask } from './task'

const AUG_STREAM = 2

/** AST trains with Adam betas (0.95, 0.999); AdamW follows PyTorch's (and HTS-AT's) defaults. */
export function optimizerConfig(cfg: Pick<RunConfig, 'optimizer' | 'weightDecay'>): OptimizerConfig {
  return cfg.optimizer === 'adam'
    ? { kind: 'adam', beta1: 0.95, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
    : { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay }
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

export interface PrepareInputs {
  cfg: RunConfig
  io: RunIO
  decision: EngineDecision
  backend: BackendReport
  /** Filled in as the model, optimizer and engine are made, so that a failure part-way frees them. */
  res: Resources
  marks: CheckpointMarks
}

export async function prepare({ cfg, io, decision, backend, res, marks }: PrepareInputs): Promise<TrainContext> {
  const { runId, log, signal, onProgress } = io
  const record = loadDataset(cfg.dataset)
  const runState = readRunState(runId)
  if (runState.datasetFingerprint && record.fingerprint !== runState.datasetFingerprint)
    log(`Warning: dataset ${record.name} has changed since this run was created (fingerprint ${record.fingerprint}, was ${runState.datasetFingerprint})`)
  recoverCheckpoints(runId)
  const resumed = loadTrainingCheckpoint(runId, 'last')
  log(resumed ? `Resuming from step ${resumed.state.step} (epoch ${resumed.state.epoch} done) on ${backend.label}` : `Starting on ${backend.label}: ${backend.device}`)

  // Clips and features. Unreadable files are left out, named in the log; the run goes on.
  const settings: FeatureSettings = { sampleRate: 16000, melBins: cfg.melBins }
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
  if (resumed) res.model = loadCheckpoint(resumed.dir)
  else {
    const norm = needsNormStats(cfg) ? await trainingStats(train, source, signal) : null
    if (norm) log(`Feature statistics of the training split: mean ${norm.mean.toFixed(4)}, std ${norm.std.toFixed(4)}`)
    res.model = buildModel(cfg, record.classNames, norm, cfg.frameRate ?? record.frameRate ?? 100)
  }
  const model = res.model
  const { spec, frameTask, loss } = runTask(cfg, record, model, settings, train, log)

  // The augmentation stream continues from the checkpoint's state (set below, once the state is known).
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
  const augRng = makeRng(cfg.seed, state.augRng)
  const aug = { rng: augRng, freqm: cfg.specAugment ? (cfg.freqm ?? 0) : 0, timem: cfg.specAugment ? (cfg.timem ?? 0) : 0, mixup: cfg.mixup }
  const sampling = { cfg, record, train, source, spec, aug, log }
  const batches = frameTask ? windowSampling(sampling, train.paths.map((p) => extracted.ok.get(p)?.frames ?? 0)) : clipSampling(sampling)

  const vars = model.trainableVariables()
  res.optimizer = createOptimizer(vars, optimizerConfig(cfg), resumed?.optimizer ?? undefined)
  const lossContext = { loss, classes: C, frames: spec.frameLoss ? spec.frames : null }
  const engine = await createTrainEngine({ runId, cfg, model, vars, lossContext, backend, decision, log })
  res.engine = engine
  io.changed()

  const batch = cfg.batchSize
  const accum = cfg.gradAccum ?? 1
  const { stepsPerEpoch } = stepLayout(batches.size, batch, accum)
  const schedule: ScheduleConfig = { lr: cfg.lr, schedule: cfg.schedule, warmupSteps: cfg.warmupSteps, epochs: cfg.epochs, stepStart: cfg.stepStart, stepGamma: cfg.stepGamma }
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
  marks.lastSaved = resumed?.state.step ?? null

  return {
    runId,
    runName: runState.name,
    cfg,
    record,
    io,
    res,
    marks,
    C,
    train,
    val,
    test,
    source,
    spec,
    loss,
    frameTask,
    evalHop: Math.max(1, Math.floor(spec.targetLength / 2)),
    engine,
    batches,
    batch,
    accum,
    stepsPerEpoch,
    totalSteps: cfg.epochs * stepsPerEpoch,
    schedule,
    state,
    augRng,
    aug
  }
}
