// One shard's share of a training step: the loss of a slice of the batch, weighted by its share of
// the step's samples, and its gradients. The single-thread path and every data-parallel shard (main
// thread and workers) compute exactly this, so the summed shard gradients are the gradient of the
// step's mean loss.
import * as tf from '@tensorflow/tfjs-core'
import type { TagModel } from '../../models/types'
import type { Batch, InputSpec } from '../data'
import { batchLoss } from '../evaluate'
import type { LossOptions } from '../losses'

/** What turns a batch into a loss: the loss options, class count and the frame targets' layout (null: clip loss only). */
export interface LossContext {
  loss: LossOptions
  classes: number
  frames: InputSpec['frames']
}

/** loss · share (a scalar tensor) and its gradients, aligned with `vars`. The caller disposes both. */
export function shardGradients(model: TagModel, vars: tf.Variable[], batch: Batch, share: number, ctx: LossContext): { value: tf.Scalar; grads: tf.Tensor[] } {
  const [T, F] = [model.config.targetLength, model.config.melBins]
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => {
      const x = tf.tensor3d(batch.x, [batch.size, T, F])
      return tf.mul(batchLoss(model.apply(x, true), batch, ctx.classes, ctx.loss, ctx.frames), share) as tf.Scalar
    }, vars)
  )
  return { value, grads: vars.map((v) => grads[v.name]) }
}

/** Sizes of `parts` contiguous shards of `n` samples, as even as possible, larger ones first; no empty shard. */
export function shardSizes(n: number, parts: number): number[] {
  const k = Math.max(1, Math.min(parts, n))
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0))
}

/** Rows [from, from + size) of a batch, as copies (safe to post to another thread). */
export function sliceBatch(batch: Batch, from: number, size: number): Batch {
  const rows = (a: Float32Array) => {
    const per = a.length / batch.size
    return a.slice(from * per, (from + size) * per)
  }
  const out: Batch = { size, x: rows(batch.x), y: rows(batch.y) }
  if (batch.frameY) out.frameY = rows(batch.frameY)
  if (batch.frameMask) out.frameMask = rows(batch.frameMask)
  return out
}
