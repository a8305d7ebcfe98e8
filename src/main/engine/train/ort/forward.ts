// Scoring for the ort engine: validation and test clips go through the model's export graph (the
// same definition the training graph comes from, models/ast/onnx.ts) with the current weights, in one
// ONNX Runtime session per evaluation, on the engine's cores or GPU instead of tfjs.
import type * as OrtNs from 'onnxruntime-node'
import { encodeOnnx } from '../../infer/onnxExport'
import { loadOrt } from '../../infer/ortSession'
import type { TagModel } from '../../models/types'
import type { BatchForward } from '../evaluate'

export interface OrtForward {
  forward: BatchForward
  dispose(): Promise<void>
}

/** A session over `model`'s export graph with its weights as they are now. */
export async function createOrtForward(model: Pick<TagModel, 'config' | 'namedWeights'>, opts: { threads: number; provider: 'cpu' | 'cuda'; spinning: boolean }): Promise<OrtForward> {
  const { ort, reason } = loadOrt()
  if (!ort) throw new Error(reason)
  const { bytes } = encodeOnnx(model)
  const session: OrtNs.InferenceSession = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: opts.threads,
    enableCpuMemArena: false,
    executionProviders: [opts.provider],
    extra: { session: { intra_op: { allow_spinning: opts.spinning ? '1' : '0' } } }
  })
  const [T, F] = [model.config.targetLength, model.config.melBins]
  return {
    async forward(batch) {
      const out = await session.run({ fbank: new ort.Tensor('float32', batch.x, [batch.size, T, F]) })
      const result: { logits: Float32Array; frameLogits?: Float32Array } = { logits: Float32Array.from(out.logits.data as Float32Array) }
      if (out.frame_logits) result.frameLogits = Float32Array.from(out.frame_logits.data as Float32Array)
      for (const t of Object.values(out)) t.dispose()
      return result
    },
    dispose: () => session.release()
  }
}
