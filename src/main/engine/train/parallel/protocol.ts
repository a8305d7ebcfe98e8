// Messages between the gradient pool (main thread) and its workers, and the flat layout both sides
// use for the shared weight and gradient buffers. Only small messages and the batch shard cross by
// postMessage; weights and gradients go through SharedArrayBuffers, never copied by the channel.
import type { BackendPreference } from '../../../../shared/types'
import type { ModelConfig } from '../../models/config'
import type { Batch } from '../data'
import type { LossContext } from './shard'

/** Where each trainable variable sits in a flat Float32Array: [offset, length] in tfjs layout. */
export interface FlatLayout {
  shapes: number[][]
  offsets: number[]
  /** Total floats. */
  size: number
}

export function flatLayout(shapes: number[][]): FlatLayout {
  const offsets: number[] = []
  let size = 0
  for (const s of shapes) {
    offsets.push(size)
    size += s.reduce((a, b) => a * b, 1)
  }
  return { shapes: shapes.map((s) => [...s]), offsets, size }
}

export interface InitMessage {
  type: 'init'
  backend: BackendPreference
  config: ModelConfig
  /** Seeds this worker's model, hence its dropout / drop-path stream. */
  seed: number
  /** Every weight of the main model (reference names, PyTorch layout), trainable or not. */
  weights: { name: string; shape: number[]; data: Float32Array }[]
  layout: FlatLayout
  lossContext: LossContext
  /** The main model's trainable variables, published before every step (tfjs layout). */
  weightBuffer: SharedArrayBuffer
  /** This worker's gradient slot, layout.size floats. */
  gradBuffer: SharedArrayBuffer
}

export interface StepMessage {
  type: 'step'
  id: number
  batch: Batch
  /** The shard's weight in the step's mean loss (its samples / the step's samples). */
  share: number
  /** Where the replica's dropout stream restarts for this shard (TagModel.reseedDropout). */
  dropSeed?: number
}

export type WorkerRequest = InitMessage | StepMessage

export type WorkerReply =
  | { type: 'ready'; numTensors: number }
  /** cpuS: the worker thread's CPU seconds for this step (null where the platform cannot tell). */
  | { type: 'done'; id: number; loss: number; numTensors: number; cpuS: number | null }
  | { type: 'failed'; id: number; message: string }
