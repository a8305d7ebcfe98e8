// The 'ort' training engine: each micro-batch's loss and gradients come from one onnxruntime-node
// session over the AST training graph (astTrainGraph.ts), on every core through the CPU execution
// provider, or on CUDA when its provider is installed. It implements the same StepGradients contract
// as the tfjs shards (parallel/pool.ts), so the trainer's optimizer, schedule, clipping,
// accumulation and checkpoints are shared by both engines, term for term: a run started on one
// engine resumes on the other. The weights live in the tfjs variables; each step reads them (the
// tfjs layout is the graph's) and hands the gradients back as tfjs tensors in the same layout.
import os from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
import type * as OrtNs from 'onnxruntime-node'
import type { AstModel } from '../../models/ast/model'
import type { HtsatModel } from '../../models/htsat/model'
import { updateRunningStats } from '../../models/htsat/melBatchNorm'
import { modelKind } from '../../models/registry'
import { keepMask } from '../../models/layers/dropout'
import type { TagModel } from '../../models/types'
import { loadOrt } from '../../infer/ortSession'
import { ortReport } from '../../platform/ortInfo'
import { makeRng } from '../../util/rng'
import type { Batch } from '../data'
import { shardDropSeed, type StepGradients } from '../parallel/pool'
import type { LossContext } from '../parallel/shard'
import { buildAstTrainingGraph, type TrainingGraph } from './astTrainGraph'
import { BN_MEAN_OUTPUT, BN_VAR_OUTPUT, buildHtsatTrainingGraph } from './htsatTrainGraph'
import { ortCoverage } from './coverage'
import { spinDecision, type SpinDecision } from './spinning'
import { mallocTuned } from './jobEnv'

export type EngineChoice = 'auto' | 'ort' | 'tfjs'


export interface EngineDecision {
  engine: 'ort' | 'tfjs'
  /** One sentence: why this engine. */
  reason: string
}

/** Which engine trains a run: what was asked for, where the ort engine covers the model and onnxruntime-node loads. */
export function chooseEngine(asked: EngineChoice, kind: string): EngineDecision {
  if (asked === 'tfjs') return { engine: 'tfjs', reason: 'TensorFlow.js asked for (--engine tfjs)' }
  const gap = ortCoverage(kind)
  const { ort, reason } = loadOrt()
  if (asked === 'ort') {
    if (gap) throw new Error(`--engine ort: ${kind} cannot train on ONNX Runtime yet, because ${gap}; use --engine tfjs or auto`)
    if (!ort) throw new Error(`--engine ort: ${reason}`)
    return { engine: 'ort', reason: 'ONNX Runtime asked for (--engine ort)' }
  }
  if (gap) return { engine: 'tfjs', reason: `auto: TensorFlow.js, because ${gap}` }
  if (!ort) return { engine: 'tfjs', reason: `auto: TensorFlow.js, because ${reason}` }
  return { engine: 'ort', reason: `auto: ONNX Runtime, which covers ${modelKind(kind).label}` }
}

export interface OrtEngineOptions {
  /** Intra-op threads (--threads); default: every core. */
  threads?: number
  lossContext: LossContext
  /** 'auto' tries CUDA where its provider is installed. */
  provider?: 'auto' | 'cpu' | 'cuda'
  /**
   * Whether ORT's idle threads spin. Spinning wins a little on an idle machine and loses badly
   * (several times slower) when another job shares the cores; default: spinDecision (spinning.ts),
   * taken again every half minute while spinning, so that a job that starts beside this one stops
   * it. TAGBENCH_ORT_SPIN=0|1 overrides.
   */
  spinning?: boolean
  onLog?: (message: string) => void
  /** A batch size to build the graph for at once (others are built when first seen). */
  batch?: number
  /** ORT's CPU memory arena (faster allocation, higher peak memory); default off. */
  memArena?: boolean
  /** How often a spinning engine looks at the load again (ms); default 30 s. */
  spinRecheckMs?: number
  /** ORT's memory pattern (one planned block per run for the intermediate tensors); default on. */
  memPattern?: boolean
}

export interface OrtStepGradients extends StepGradients {
  readonly provider: 'cpu' | 'cuda'
  readonly spinning: boolean
  /** One sentence on where it runs (and why not CUDA, when it does not). */
  readonly note: string
}

/** spinDecision on this machine now; `ownThreads` of this process's threads are busy and count in the load. */
const spinNow = (threads: number, ownThreads = 0): SpinDecision =>
  spinDecision({ env: process.env.TAGBENCH_ORT_SPIN, load1: os.loadavg()[0], cores: os.availableParallelism(), threads, ownThreads })

/** How often a spinning engine looks at the load again. */
const SPIN_RECHECK_MS = 30_000

interface GraphSession {
  graph: TrainingGraph
  session: OrtNs.InferenceSession
}

/** The training graph of a model this engine covers, for one batch size. */
function trainingGraph(model: AstModel | HtsatModel, batch: number, lossContext: LossContext, trainable: ReadonlySet<string>): TrainingGraph {
  const frameLoss = lossContext.frames !== null
  const c = model.config
  if (c.kind === 'htsat') return buildHtsatTrainingGraph({ config: c, batch, loss: lossContext.loss, frameLoss, trainable })
  return buildAstTrainingGraph({ config: c, batch, loss: lossContext.loss, frameLoss, trainable })
}

/** The ort engine for an AST or HTS-AT model; `vars` are the trainable variables, in the optimizer's order. */
export async function createOrtStepGradients(model: TagModel, vars: tf.Variable[], opts: OrtEngineOptions): Promise<OrtStepGradients> {
  const gap = ortCoverage(model.config.kind)
  if (gap) throw new Error(gap)
  if (!('params' in model)) throw new Error('ORT engine: the model does not expose its parameters (an AST or HTS-AT built by models/ is needed)')
  const ast = model as AstModel | HtsatModel
  const { ort, reason } = loadOrt()
  if (!ort) throw new Error(reason)
  const byVariable = new Map(ast.params.list().map((p) => [p.variable, p]))
  const trainable = vars.map((v) => {
    const p = byVariable.get(v)
    if (!p) throw new Error('ORT engine: a trainable variable is not one of the model\'s parameters')
    return p.name
  })
  const variableOf = new Map(ast.params.list().map((p) => [p.name, p.variable]))
  const threads = opts.threads ?? os.availableParallelism()
  const firstSpin = opts.spinning === undefined ? spinNow(threads) : null
  let spinning = opts.spinning ?? firstSpin!.spinning
  let spinCheckedAt = Date.now()
  const report = ortReport()
  const want = opts.provider ?? 'auto'
  let provider: 'cpu' | 'cuda' = want !== 'cpu' && report.providers.includes('cuda') ? 'cuda' : 'cpu'
  let note = provider === 'cuda' ? 'ONNX Runtime on CUDA' : `ONNX Runtime on CPU, ${threads} intra-op threads${spinning ? '' : ', no spinning'}${firstSpin ? ` [${firstSpin.reason}]` : ''} (${want === 'cpu' ? 'CPU asked for' : want === 'cuda' ? `CUDA asked for, but: ${report.reason}` : report.reason})`
  let base: OrtNs.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: threads,
    // Without ORT's CPU arena the step's peak RSS is what its live tensors need (AST-tiny, batch 8:
    // 1.0 GB instead of 1.8 GB at stride 16, 2.1 instead of 2.5+ at stride 10) for a few % of speed.
    enableCpuMemArena: opts.memArena ?? false,
    enableMemPattern: opts.memPattern ?? true,
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } }
  }
  const sessions = new Map<number, Promise<GraphSession>>()
  const open = async (batch: number): Promise<GraphSession> => {
    const graph = trainingGraph(ast, batch, opts.lossContext, new Set(trainable))
    if (provider === 'cuda') {
      try {
        return { graph, session: await ort.InferenceSession.create(graph.bytes, { ...base, executionProviders: ['cuda'] }) }
      } catch (err) {
        provider = 'cpu'
        note = `ONNX Runtime on CPU, ${threads} threads (the CUDA provider failed: ${(err as Error).message.split('\n')[0]})`
        opts.onLog?.(`ORT training falls back to the CPU: ${note}`)
      }
    }
    return { graph, session: await ort.InferenceSession.create(graph.bytes, { ...base, executionProviders: ['cpu'] }) }
  }
  const sessionFor = (batch: number) => {
    let s = sessions.get(batch)
    if (!s) {
      s = open(batch)
      sessions.set(batch, s)
    }
    return s
  }
  if (provider === 'cpu' && process.platform === 'linux' && !mallocTuned())
    opts.onLog?.('ORT engine: MALLOC_MMAP_THRESHOLD_ is not set in this process (training jobs get it, train/ort/jobEnv.ts), so freed tensors may stay resident: peak memory about a quarter higher')
  // The run's batch size is opened now, so that a graph or provider problem shows before training starts.
  if (opts.batch) await sessionFor(opts.batch)

  const C = opts.lossContext.classes
  const [T, F] = [ast.config.targetLength, ast.config.melBins]
  const feedsOf = (gs: GraphSession, batch: Batch, share: number, dropSeed: number | undefined): Record<string, OrtNs.Tensor> => {
    const B = batch.size
    const feeds: Record<string, OrtNs.Tensor> = {
      fbank: new ort.Tensor('float32', batch.x, [B, T, F]),
      targets: new ort.Tensor('float32', batch.y, [B, C]),
      scale: new ort.Tensor('float32', Float32Array.of(share), [])
    }
    const frames = gs.graph.frames
    if (frames !== null) {
      if (!batch.frameY || !batch.frameMask) throw new Error('ORT engine: a frame loss without frame targets in the batch')
      feeds.frame_targets = new ort.Tensor('float32', batch.frameY, [B, frames, C])
      feeds.frame_mask = new ort.Tensor('float32', batch.frameMask, [B, frames])
    }
    // One copy per weight and step: dataSync out of the tfjs-wasm heap (the optimizer's variables live
    // there). ORT then reads that array in place; onnxruntime-node 1.30 has no IO binding that would
    // keep an OrtValue between runs (ARCHITECTURE.md, Training engines).
    for (const p of gs.graph.params) feeds[p.name] = new ort.Tensor('float32', variableOf.get(p.name)!.dataSync() as Float32Array, p.shape)
    if (gs.graph.masks.length > 0) {
      // The tfjs model's own mask stream (TagModel.reseedDropout, shard 0), drawn in its order.
      const rng = makeRng(dropSeed !== undefined ? shardDropSeed(dropSeed, 0) : 0)
      for (const m of gs.graph.masks) {
        const t = keepMask(m.shape, m.rate, rng)
        feeds[m.name] = new ort.Tensor('float32', t.dataSync() as Float32Array, m.shape)
        t.dispose()
      }
    }
    return feeds
  }

  /**
   * A spinning engine whose cores became shared (another job started beside it) stops spinning: its
   * sessions are released and reopened without it at the next step. One way only, so it never flaps.
   */
  const recheckSpinning = async () => {
    if (!spinning || opts.spinning !== undefined || provider !== 'cpu' || Date.now() - spinCheckedAt < (opts.spinRecheckMs ?? SPIN_RECHECK_MS)) return
    spinCheckedAt = Date.now()
    const d = spinNow(threads, threads)
    if (d.spinning) return
    spinning = false
    base = { ...base, extra: { session: { intra_op: { allow_spinning: '0' } } } }
    note = note.replace(/intra-op threads( \[[^\]]*\])?/, `intra-op threads, no spinning [${d.reason}]`)
    opts.onLog?.(`ORT threads stop spinning: ${d.reason}`)
    const open = [...sessions.values()]
    sessions.clear()
    for (const s of open) await s.then((x) => x.session.release()).catch(() => undefined)
  }

  return {
    threads,
    get spinning() {
      return spinning
    },
    get provider() {
      return provider
    },
    get note() {
      return note
    },
    async compute(batch, share, dropSeed) {
      await recheckSpinning()
      const gs = await sessionFor(batch.size)
      const out = await gs.session.run(feedsOf(gs, batch, share, dropSeed))
      const loss = (out.loss.data as Float32Array)[0]
      const grads = trainable.map((name) => {
        const v = variableOf.get(name)!
        return tf.tensor(out[gs.graph.gradients.get(name)!].data as Float32Array, v.shape, 'float32')
      })
      if (gs.graph.extras.length > 0) {
        // bn0 in training mode: the running statistics move as melBatchNorm moves them on tfjs.
        const [mean, variance] = [BN_MEAN_OUTPUT, BN_VAR_OUTPUT].map((k) => tf.tensor(out[k].data as Float32Array, [ast.config.melBins], 'float32'))
        updateRunningStats({ runningMean: variableOf.get('bn0.running_mean')!, runningVar: variableOf.get('bn0.running_var')! }, mean, variance, batch.size * T)
        tf.dispose([mean, variance])
      }
      for (const t of Object.values(out)) t.dispose()
      return { loss, grads }
    },
    workerStats: () => [],
    async dispose() {
      const all = [...sessions.values()]
      sessions.clear()
      for (const s of all) await s.then((x) => x.session.release()).catch(() => undefined)
    }
  }
}
