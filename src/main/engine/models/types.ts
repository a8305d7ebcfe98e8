// The interface every Tagbench model implements (AST, HTS-AT, frame heads), so that the trainer,
// evaluator, checkpoint writer and ONNX exporter never need to know which model they hold.
import type * as tf from '@tensorflow/tfjs-core'
import type { ModelConfig } from './config'

export interface TagModel {
  readonly config: ModelConfig
  /** x: [B, T, F] normalised fbank (T = config.targetLength, F = config.melBins). */
  apply(x: tf.Tensor3D, training: boolean): ModelOutput
  /** Variables the optimizer updates (excludes the backbone when config.frozen). */
  trainableVariables(): tf.Variable[]
  /**
   * All weights under their reference (PyTorch state_dict) names, PyTorch layouts. The tensors are
   * new handles: the caller disposes them.
   */
  namedWeights(): Map<string, tf.Tensor>
  /**
   * Overwrite weights from reference-named, PyTorch-layout host tensors (checkpoints, importers).
   * Every given name must be a weight of this model with the same shape, else an Error naming
   * `source` and the tensor. Returns the names of the model's weights that were not given.
   */
  loadWeights(weights: WeightMap, source: string): string[]
  /**
   * Restart the dropout / drop-path mask stream from `seed`. The trainer does so before every
   * micro-batch with a seed derived from the step, so a resumed run draws the same masks as an
   * uninterrupted one, with no generator state to save.
   */
  reseedDropout(seed: number): void
  dispose(): void
}

export interface ModelOutput {
  /** [B, C] clip logits. */
  logits: tf.Tensor2D
  /** [B, D] pooled embedding. */
  embedding: tf.Tensor2D
  /** [B, T', C] for HTS-AT and frame heads (frame rate in config). */
  frameLogits?: tf.Tensor3D
}

/** A weight held in host memory, PyTorch layout, row-major: what checkpoints and importers exchange. */
export interface HostTensor {
  shape: number[]
  data: Float32Array
}

/** Reference name → weight. */
export type WeightMap = Map<string, HostTensor>
