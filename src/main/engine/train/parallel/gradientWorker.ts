// Worker thread of the data-parallel trainer: holds its own tfjs backend and a replica of the model.
// Each step it takes the main model's current trainable weights from the shared weight buffer,
// computes the loss and gradients of its shard of the batch, and writes the gradients flat into its
// own slot of the shared gradient buffer; the main thread sums the slots.
import { parentPort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../platform/backend'
import { createModel } from '../../models/index'
import type { TagModel } from '../../models/types'
import type { InitMessage, StepMessage, WorkerReply, WorkerRequest } from './protocol'
import { shardGradients } from './shard'
import { threadCpuSeconds } from './threadCpu'

if (!parentPort) throw new Error('gradientWorker.ts must run as a worker thread')
const port = parentPort

interface Replica {
  init: InitMessage
  model: TagModel
  vars: tf.Variable[]
  weights: Float32Array
  grads: Float32Array
}

let replica: Replica | null = null

async function start(init: InitMessage): Promise<Replica> {
  await initBackend(init.backend)
  const model = createModel(init.config, init.seed)
  model.loadWeights(new Map(init.weights.map((w) => [w.name, { shape: w.shape, data: w.data }])), 'the main thread\'s model')
  const vars = model.trainableVariables()
  const { shapes } = init.layout
  if (vars.length !== shapes.length || vars.some((v, i) => v.shape.length !== shapes[i].length || v.shape.some((d, j) => d !== shapes[i][j])))
    throw new Error(`the worker's model has ${vars.length} trainable variables that do not match the main model's ${shapes.length}`)
  return { init, model, vars, weights: new Float32Array(init.weightBuffer), grads: new Float32Array(init.gradBuffer) }
}

function step(r: Replica, msg: StepMessage): number {
  const { offsets, shapes } = r.init.layout
  // Copies (slice) so that no tensor aliases the shared buffer, which the main thread rewrites.
  r.vars.forEach((v, i) => {
    const n = v.size
    tf.tidy(() => v.assign(tf.tensor(r.weights.slice(offsets[i], offsets[i] + n), shapes[i], 'float32')))
  })
  if (msg.dropSeed !== undefined) r.model.reseedDropout(msg.dropSeed)
  const { value, grads } = shardGradients(r.model, r.vars, msg.batch, msg.share, r.init.lossContext)
  try {
    grads.forEach((g, i) => r.grads.set(g.dataSync() as Float32Array, offsets[i]))
    return value.dataSync()[0]
  } finally {
    tf.dispose([value, ...grads])
  }
}

port.on('message', async (msg: WorkerRequest) => {
  let reply: WorkerReply
  if (msg.type === 'init') {
    try {
      replica = await start(msg)
      reply = { type: 'ready', numTensors: tf.memory().numTensors }
    } catch (err) {
      reply = { type: 'failed', id: -1, message: err instanceof Error ? err.message : String(err) }
    }
  } else {
    try {
      if (!replica) throw new Error('step before init')
      const cpu0 = threadCpuSeconds()
      const loss = step(replica, msg)
      const cpu1 = threadCpuSeconds()
      reply = { type: 'done', id: msg.id, loss, numTensors: tf.memory().numTensors, cpuS: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 }
    } catch (err) {
      reply = { type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) }
    }
  }
  port.postMessage(reply)
})
