// Data-parallel gradients for CPU training on tfjs-wasm, which runs one thread per backend under Node:
// N shards = this thread + N − 1 worker threads, each with its own backend and model replica.
// A step: the main model's trainable weights are published to a shared Float32Array, the batch is cut
// into contiguous shards, every thread computes loss · share and gradients of its shard (shard.ts),
// the workers write theirs flat into their own SharedArrayBuffer slot, and this thread sums the
// slots into its own gradients in a fixed order (so a given thread count is deterministic). The
// caller then takes ONE optimizer step on the main model. Workers assign the published weights at
// the start of the next step, so weights never drift apart.
import { cpuBudget } from '../../platform/cpus'
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs-core'
import type { BackendPreference } from '../../../../shared/types'
import { backendReport } from '../../platform/backend'
import { workerEntryUrl } from '../../platform/workerEntry'
import type { TagModel } from '../../models/types'
import { derivedSeed } from '../sampler'
import type { Batch } from '../data'
import { flatLayout, type FlatLayout, type InitMessage, type StepMessage, type WorkerReply } from './protocol'
import { shardGradients, shardSizes, sliceBatch, type LossContext } from './shard'

export interface StepGradientsOptions {
  /** Shards, this thread included; 1 computes everything here. */
  threads: number
  /** Seeds the workers' dropout / drop-path streams (one derived stream per shard). */
  seed: number
  lossContext: LossContext
  /** The workers' backend; default: the one this thread runs on. */
  backend?: BackendPreference
  /** Why the pool runs on fewer threads than asked, if it does. */
  onLog?: (message: string) => void
  /** The worker script; default: beside this module (a tsx bootstrap for the .ts source, or a built .js). */
  workerEntry?: URL
}

export interface StepGradients {
  /** Shards actually in use (1 when workers could not start). */
  readonly threads: number
  /**
   * The loss of `batch` times `share` and its gradients w.r.t. the variables given at creation, summed
   * over the shards. With `dropSeed`, shard k first restarts its dropout stream from a seed derived
   * from it and k (see TagModel.reseedDropout). The caller disposes the gradients.
   */
  compute(batch: Batch, share: number, dropSeed?: number): Promise<{ loss: number; grads: tf.Tensor[] }>
  /** Each worker after its last step: live tensors (leak checks) and its thread's CPU seconds for the step. */
  workerStats(): { tensors: number; cpuS: number | null }[]
  dispose(): Promise<void>
}

const SHARD_STREAM = 3
const DROPOUT_STREAM = 4

/** Shard k's dropout seed for a micro-batch whose seed is `dropSeed`. */
export const shardDropSeed = (dropSeed: number, k: number): number => derivedSeed(dropSeed, k, DROPOUT_STREAM)

/**
 * Default shard count: one per core on the single-threaded backends (wasm, plain JS); 1 on native
 * ones (tfjs-node already spreads each op over every core, and a second backend would compete).
 */
export function defaultTrainThreads(backend: string | undefined = backendReport()?.chosen): number {
  return backend === 'wasm' || backend === 'cpu' ? cpuBudget() : 1
}

const defaultWorkerEntry = (): URL =>
  workerEntryUrl(import.meta.url, './workerEntry.mjs', 'gradientWorker.js')

interface GradientWorker {
  worker: Worker
  grads: Float32Array
  stats: { tensors: number; cpuS: number | null }
  /** Resolves with the next reply; rejects if the worker dies first. */
  request(msg: InitMessage | StepMessage, transfer?: ArrayBuffer[]): Promise<WorkerReply>
}

function startWorker(entry: URL, init: Omit<InitMessage, 'gradBuffer'>, layout: FlatLayout): Promise<GradientWorker> {
  const gradBuffer = new SharedArrayBuffer(layout.size * 4)
  const worker = new Worker(entry)
  let waiting: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | null = null
  let dead: Error | null = null
  const fail = (err: Error) => {
    dead ??= err
    waiting?.reject(dead)
    waiting = null
  }
  worker.on('message', (r: WorkerReply) => {
    const w = waiting
    waiting = null
    w?.resolve(r)
  })
  worker.on('error', (err) => fail(new Error(`a training worker failed: ${err.message}`)))
  worker.on('exit', (code) => fail(new Error(`a training worker exited (code ${code})`)))
  const gw: GradientWorker = {
    worker,
    grads: new Float32Array(gradBuffer),
    stats: { tensors: 0, cpuS: null },
    request(msg, transfer) {
      if (dead) return Promise.reject(dead)
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject }
        worker.postMessage(msg, transfer)
      })
    }
  }
  return gw.request({ ...init, gradBuffer }).then(
    (r) => {
      if (r.type !== 'ready') throw new Error(r.type === 'failed' ? r.message : `unexpected reply ${r.type}`)
      gw.stats = { tensors: r.numTensors, cpuS: null }
      return gw
    },
    async (err: Error) => {
      await worker.terminate()
      throw err
    }
  )
}

/** Every weight of the model in host memory (reference names, PyTorch layout), for the replicas. */
function hostWeights(model: TagModel): InitMessage['weights'] {
  const named = model.namedWeights()
  try {
    return [...named].map(([name, t]) => ({ name, shape: [...t.shape], data: t.dataSync() as Float32Array }))
  } finally {
    tf.dispose([...named.values()])
  }
}

function singleThread(model: TagModel, vars: tf.Variable[], ctx: LossContext): StepGradients {
  return {
    threads: 1,
    async compute(batch, share, dropSeed) {
      if (dropSeed !== undefined) model.reseedDropout(shardDropSeed(dropSeed, 0))
      const { value, grads } = shardGradients(model, vars, batch, share, ctx)
      const loss = (await value.data())[0]
      value.dispose()
      return { loss, grads }
    },
    workerStats: () => [],
    dispose: async () => undefined
  }
}

/**
 * Gradients of `vars` (the model's trainable variables) over `opts.threads` shards. With threads ≤ 1,
 * or when no worker can start (then `onLog` says why), everything runs in this thread.
 */
export async function createStepGradients(model: TagModel, vars: tf.Variable[], opts: StepGradientsOptions): Promise<StepGradients> {
  const ctx = opts.lossContext
  if (opts.threads <= 1) return singleThread(model, vars, ctx)
  const layout = flatLayout(vars.map((v) => v.shape))
  const weightBuffer = new SharedArrayBuffer(layout.size * 4)
  const published = new Float32Array(weightBuffer)
  const init: Omit<InitMessage, 'gradBuffer'> = {
    type: 'init',
    backend: opts.backend ?? backendReport()?.chosen ?? 'wasm',
    config: model.config,
    seed: 0,
    weights: hostWeights(model),
    layout,
    lossContext: ctx,
    weightBuffer
  }
  const entry = opts.workerEntry ?? defaultWorkerEntry()
  const started = await Promise.allSettled(
    Array.from({ length: opts.threads - 1 }, (_, w) => startWorker(entry, { ...init, seed: derivedSeed(opts.seed, w + 1, SHARD_STREAM) }, layout))
  )
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failure) opts.onLog?.(`${workers.length + 1} of ${opts.threads} training threads started (${(failure.reason as Error).message})`)
  if (workers.length === 0) return singleThread(model, vars, ctx)
  let nextId = 0

  const publishWeights = () => vars.forEach((v, i) => published.set(v.dataSync() as Float32Array, layout.offsets[i]))

  return {
    threads: workers.length + 1,
    async compute(batch, share, dropSeed) {
      const sizes = shardSizes(batch.size, workers.length + 1)
      if (sizes.length === 1) return singleThread(model, vars, ctx).compute(batch, share, dropSeed)
      publishWeights()
      const pending: Promise<WorkerReply>[] = []
      let from = sizes[0]
      for (let k = 1; k < sizes.length; k++) {
        const shard = sliceBatch(batch, from, sizes[k])
        const buffers = [shard.x, shard.y, shard.frameY, shard.frameMask].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []))
        const step: StepMessage = { type: 'step', id: nextId++, batch: shard, share: (share * sizes[k]) / batch.size }
        if (dropSeed !== undefined) step.dropSeed = shardDropSeed(dropSeed, k)
        pending.push(workers[k - 1].request(step, buffers))
        from += sizes[k]
      }
      // This thread's shard runs while the workers run theirs.
      if (dropSeed !== undefined) model.reseedDropout(shardDropSeed(dropSeed, 0))
      const own = shardGradients(model, vars, sliceBatch(batch, 0, sizes[0]), (share * sizes[0]) / batch.size, ctx)
      let loss = own.value.dataSync()[0]
      own.value.dispose()
      let replies: WorkerReply[]
      try {
        replies = await Promise.all(pending)
      } catch (err) {
        tf.dispose(own.grads)
        throw err
      }
      const used = replies.map((r, k) => {
        if (r.type !== 'done') {
          tf.dispose(own.grads)
          throw new Error(`training worker ${k + 1}: ${r.type === 'failed' ? r.message : `unexpected reply ${r.type}`}`)
        }
        workers[k].stats = { tensors: r.numTensors, cpuS: r.cpuS }
        loss += r.loss
        return workers[k]
      })
      // Summed on the backend (SIMD on wasm): 3× faster than a JS loop over the host copies. The slot
      // tensors are consumed at once, so none outlives the shared buffer's next write.
      const grads = own.grads.map((g, i) =>
        tf.tidy(() => used.reduce((acc: tf.Tensor, w) => tf.add(acc, tf.tensor(w.grads.subarray(layout.offsets[i], layout.offsets[i] + g.size), g.shape, 'float32')), g))
      )
      tf.dispose(own.grads)
      return { loss, grads }
    },
    workerStats: () => workers.map((w) => ({ ...w.stats })),
    async dispose() {
      await Promise.all(workers.map((w) => w.worker.terminate()))
    }
  }
}
