// Run a model over many clips in chunks (bounded memory), collecting logits and embeddings on the host.
import * as tf from '@tensorflow/tfjs-core'
import type { TagModel } from './types'

export interface Predictions {
  /** [batch, classes] row-major. */
  logits: Float32Array
  /** [batch, dim] row-major. */
  embedding: Float32Array
  classes: number
  dim: number
}

/** x: [batch, targetLength, melBins] row-major model input. */
export function predictAll(model: TagModel, x: Float32Array, batch: number, chunk = 8, onChunk?: (done: number) => void): Predictions {
  const { targetLength: T, melBins: F } = model.config
  const logits: Float32Array[] = []
  const embedding: Float32Array[] = []
  for (let start = 0; start < batch; start += chunk) {
    const n = Math.min(chunk, batch - start)
    const out = tf.tidy(() => {
      const o = model.apply(tf.tensor3d(x.subarray(start * T * F, (start + n) * T * F), [n, T, F]), false)
      return [o.logits, o.embedding]
    })
    logits.push(out[0].dataSync() as Float32Array)
    embedding.push(out[1].dataSync() as Float32Array)
    tf.dispose(out)
    onChunk?.(start + n)
  }
  const join = (parts: Float32Array[]) => {
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0))
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0)
    return all
  }
  const L = join(logits)
  const E = join(embedding)
  return { logits: L, embedding: E, classes: L.length / batch, dim: E.length / batch }
}
