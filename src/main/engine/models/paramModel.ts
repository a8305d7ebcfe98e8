// What every tfjs model kind does the same way around its ParamStore (layers/params.ts): check the
// input shape, hand the optimizer its variables (only the head's when the backbone is frozen), save and
// load weights under their PyTorch names, and draw dropout masks from a stream the trainer can restart.
// Each kind's model.ts keeps only what differs: its parameters, its forward pass and its constants.
import * as tf from '@tensorflow/tfjs-core'
import { makeRng, type Rng } from '../util/rng'
import type { ParamStore } from './layers/params'
import type { ModelOutput, TagModel } from './types'

/** An Error unless x is [B, targetLength, melBins]; `name` is the kind's display name ('AST'). */
export function checkModelInput(x: tf.Tensor3D, c: { targetLength: number; melBins: number }, name: string): void {
  const [, T, F] = x.shape
  if (T !== c.targetLength || F !== c.melBins)
    throw new Error(`${name} expects input [B, ${c.targetLength}, ${c.melBins}] (frames, mel bins), got [${x.shape}]`)
}

/** TagModel.apply from a forward pass: run inside tf.tidy, so its intermediate tensors are freed and only the outputs stay. */
export const tidyApply =
  (forward: (x: tf.Tensor3D, training: boolean) => ModelOutput): TagModel['apply'] =>
  (x, training) =>
    tf.tidy(() => forward(x, training) as unknown as tf.TensorContainer) as unknown as ModelOutput

/** The dropout / drop-path mask stream: forward passes read `rng` when they run, reseedDropout replaces it. */
export interface DropoutStream {
  rng: Rng
}

/**
 * The TagModel methods that read only the store, and the model's dropout stream. `isHead` picks the
 * parameters a frozen model trains; otherwise every trainable one (BatchNorm running statistics are
 * not). The masks draw from their own stream (seed ^ 0x5eed), so enabling dropout does not change
 * the initialisation.
 */
export function paramModel(
  params: ParamStore,
  c: { frozen: boolean },
  isHead: (name: string) => boolean,
  seed: number
): { dropout: DropoutStream; methods: Pick<TagModel, 'trainableVariables' | 'namedWeights' | 'loadWeights' | 'reseedDropout'> } {
  const dropout: DropoutStream = { rng: makeRng(seed ^ 0x5eed) }
  const head = params.list().filter((p) => isHead(p.name))
  return {
    dropout,
    methods: {
      trainableVariables: () => (c.frozen ? head : params.list().filter((p) => p.variable.trainable)).map((p) => p.variable),
      namedWeights: () => params.namedWeights(),
      loadWeights: (weights, source) => params.load(weights, source),
      reseedDropout(s) {
        dropout.rng = makeRng(s)
      }
    }
  }
}
