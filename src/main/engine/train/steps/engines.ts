// The training engines behind one interface. An engine computes each micro-batch's loss and
// gradients (the StepGradients contract: the tfjs shards of parallel/pool.ts, or ONNX Runtime's
// training graph in ort/engine.ts) and scores validation and test splits; everything else (the
// optimizer, schedule, clipping, accumulation, checkpoints) is shared, so a run started on one engine
// resumes on the other. Which engine trains is decided before the backend starts (chooseTrainEngine)
// and the engine is made in prepare (createTrainEngine). A new engine is one factory in ENGINES,
// plus its case in ort/engine.ts's chooseEngine.
import os from 'node:os'
import type * as tf from '@tensorflow/tfjs-core'
import type { BackendReport, TrainingEngineChoice } from '../../../../shared/api'
import { initBackend } from '../../platform/backend'
import { cpuBudget } from '../../platform/cpus'
import type { TagModel } from '../../models/types'
import { ortReport } from '../../platform/ortInfo'
import { updateRunStatus } from '../../runs/store'
import type { ClipSet } from '../data'
import type { RunConfig } from '../../../../shared/api'
import { predictSplit, type ScoreInputs, type SplitPredictions } from '../evaluate'
import { chooseEngine, createOrtStepGradients, type EngineDecision } from '../ort/engine'
import { createOrtForward } from '../ort/forward'
import { createStepGradients, defaultTrainThreads, type StepGradients } from '../parallel/pool'
import type { LossContext } from '../parallel/shard'

export interface TrainEngine {
  readonly name: EngineDecision['engine']
  /** Loss and gradients of one micro-batch. */
  readonly gradients: StepGradients
  /** Clip scores and loss of a split (validation, test) with `model`, on this engine's device. */
  scoreSplit(model: TagModel, set: ClipSet, inputs: ScoreInputs): Promise<SplitPredictions>
  /** Frees what training holds (sessions, worker threads); scoring still works after. Idempotent. */
  releaseTraining(): Promise<void>
}

export interface EngineInputs {
  runId: string
  cfg: RunConfig
  model: TagModel
  /** The trainable variables, in the optimizer's order. */
  vars: tf.Variable[]
  lossContext: LossContext
  backend: BackendReport
  decision: EngineDecision
  log: (message: string) => void
}

type EngineFactory = (inputs: EngineInputs) => Promise<TrainEngine>

/** Frees `gradients` once. */
function releaser(gradients: StepGradients): () => Promise<void> {
  let released = false
  return async () => {
    if (released) return
    released = true
    await gradients.dispose()
  }
}

/** TensorFlow.js: data-parallel shards, by default one per core on wasm/cpu, one on native backends (parallel/pool.ts). */
const tfjsEngine: EngineFactory = async ({ runId, cfg, model, vars, lossContext, backend, decision, log }) => {
  const gradients = await createStepGradients(model, vars, { threads: cfg.threads ?? defaultTrainThreads(backend.chosen), seed: cfg.seed, lossContext, onLog: log })
  if (gradients.threads > 1) log(`Training data-parallel on ${gradients.threads} threads`)
  updateRunStatus(runId, { engine: { name: 'tfjs', reason: decision.reason } })
  return {
    name: 'tfjs',
    gradients,
    scoreSplit: (m, set, i) => predictSplit(m, set, i),
    releaseTraining: releaser(gradients)
  }
}

/** ONNX Runtime: each op spread over --threads cores by ORT itself (default: every core); evaluation scores through ORT on the same device. */
const ortEngine: EngineFactory = async ({ runId, cfg, model, vars, lossContext, decision, log }) => {
  const gradients = await createOrtStepGradients(model, vars, { threads: cfg.threads ?? cpuBudget(), lossContext, batch: cfg.batchSize, onLog: log })
  log(`Training on ${gradients.note}`)
  updateRunStatus(runId, {
    backend: `ONNX Runtime ${ortReport().version ?? ''} (ort engine)`.replace('  ', ' '),
    device: gradients.provider === 'cuda' ? 'GPU (CUDA)' : `CPU: ${os.cpus()[0]?.model ?? 'unknown'} (${gradients.threads} threads)`,
    engine: { name: 'ort', reason: `${decision.reason}; ${gradients.note}` }
  })
  return {
    name: 'ort',
    gradients,
    async scoreSplit(m, set, i) {
      const { provider, threads, spinning } = gradients
      const ortForward = await createOrtForward(m, { provider, threads, spinning })
      try {
        return await predictSplit(m, set, i, ortForward.forward)
      } finally {
        await ortForward.dispose()
      }
    },
    releaseTraining: releaser(gradients)
  }
}

const ENGINES: Record<EngineDecision['engine'], EngineFactory> = { tfjs: tfjsEngine, ort: ortEngine }

/** The engine prepare trains with: logged, recorded in the run's status. */
export async function createTrainEngine(inputs: EngineInputs): Promise<TrainEngine> {
  inputs.log(`Training engine: ${inputs.decision.engine} (${inputs.decision.reason})`)
  return ENGINES[inputs.decision.engine](inputs)
}

/** TAGBENCH_ENGINE=auto|ort|tfjs overrides a run's engine (what `tagbench resume --engine` sets for its job). */
function envEngine(): TrainingEngineChoice | undefined {
  const v = process.env.TAGBENCH_ENGINE
  if (v === undefined || v === '') return undefined
  if (v !== 'auto' && v !== 'ort' && v !== 'tfjs') throw new Error(`TAGBENCH_ENGINE=${v}: use auto, ort or tfjs`)
  return v
}

/**
 * The engine first, then the tfjs backend: with ORT on CUDA, tfjs (the optimizer and evaluation)
 * stays off the GPU, so that tfjs-node-gpu (CUDA 11) and ORT's CUDA 12 provider never load in one
 * process. Runs made before engines existed (no cfg.engine) stay on tfjs, as they started.
 */
export async function chooseTrainEngine(asked: TrainingEngineChoice | undefined, cfg: Pick<RunConfig, 'engine' | 'model'>): Promise<{ decision: EngineDecision; backend: BackendReport }> {
  const decision = chooseEngine(asked ?? envEngine() ?? cfg.engine ?? 'tfjs', cfg.model)
  const backend = decision.engine === 'ort' && ortReport().providers.includes('cuda') ? await initBackend('native') : await initBackend()
  return { decision, backend }
}
