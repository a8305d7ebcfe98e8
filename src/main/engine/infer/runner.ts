// What runs batches of windows: ONNX Runtime on the exported model, or — when onnxruntime-node
// cannot load — the TagModel itself on the tfjs backend. Both give the same three outputs.
import * as tf from '@tensorflow/tfjs-core'
import type { TagModel } from '../models/types'
import { loadOrt, openSession, runSession, type ProviderChoice, type SessionOutputs } from './ortSession'

export interface WindowRunner {
  engine: 'ort' | 'tfjs'
  /** 'cpu' | 'cuda' for ORT; the tfjs backend name otherwise. */
  provider: string
  /** One sentence for the user: what runs the model, and what it fell back from. */
  note: string
  /** x holds n windows [n, T, F]. */
  run(x: Float32Array, n: number): Promise<SessionOutputs>
}

export async function ortRunner(onnxFile: string, frames: number, melBins: number, opts: { threads?: number; provider?: ProviderChoice }): Promise<WindowRunner> {
  const ms = await openSession(onnxFile, opts)
  return { engine: 'ort', provider: ms.provider, note: ms.note, run: (x, n) => runSession(ms, x, n, frames, melBins) }
}

export function tfjsRunner(model: TagModel, why: string): WindowRunner {
  const { targetLength: T, melBins: F } = model.config
  return {
    engine: 'tfjs',
    provider: tf.getBackend(),
    note: `TensorFlow.js (${tf.getBackend()}) running the model directly: ${why}`,
    async run(x, n) {
      const out = tf.tidy(() => {
        const o = model.apply(tf.tensor3d(x.subarray(0, n * T * F), [n, T, F]), false)
        return [o.logits, o.embedding, ...(o.frameLogits ? [o.frameLogits] : [])]
      })
      const [logits, embedding, frameLogits] = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>))
      tf.dispose(out)
      return { logits, embedding, ...(frameLogits ? { frameLogits } : {}) }
    }
  }
}

/** Whether ORT can be used, and why not. */
export function ortAvailability(): { ok: boolean; reason: string } {
  const { ort, reason } = loadOrt()
  return { ok: ort !== null, reason }
}
