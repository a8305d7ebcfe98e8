// One HTS-AT training step as a single ONNX graph: the definition the export uses (models/htsat/onnx)
// bound to graph inputs (the parameters in the trainer's layout, dropout and drop-path masks), the
// loss and the reverse-mode gradients (astTrainGraph.ts's buildTrainingGraph). bn0 normalises with
// the batch's statistics, as the tfjs model does in training, and the graph also outputs them
// (BN_MEAN_OUTPUT, BN_VAR_OUTPUT) so that the engine updates the running ones as melBatchNorm does.
import { frameOutput } from '../../models/frameHead'
import type { HtsatConfig } from '../../models/htsat/config'
import { buildHtsatGraph } from '../../models/htsat/onnx'
import type { LossOptions } from '../losses'
import { buildTrainingGraph, type TrainingGraph } from './astTrainGraph'

export const BN_MEAN_OUTPUT = 'bn0.batch_mean'
export const BN_VAR_OUTPUT = 'bn0.batch_var'

export interface HtsatTrainingGraphSpec {
  config: HtsatConfig
  batch: number
  loss: LossOptions
  /** Whether the loss has the frame term (strong labels against the token-semantic frame logits). */
  frameLoss: boolean
  trainable: ReadonlySet<string>
}

export function buildHtsatTrainingGraph(spec: HtsatTrainingGraphSpec): TrainingGraph {
  const c = spec.config
  const frames = spec.frameLoss ? frameOutput(c)!.frames : null
  return buildTrainingGraph(
    { name: 'tagbench_htsat_train', batch: spec.batch, classes: c.numClasses, input: [c.targetLength, c.melBins], loss: spec.loss, frames, trainable: spec.trainable },
    (g, P) => {
      const out = buildHtsatGraph(g, 'fbank', c, P, c.frameHead ? frameOutput(c)!.frames : null)
      const stats = out.batchStats!
      return {
        logits: out.logits,
        frameLogits: out.frameLogits,
        extras: [
          { output: BN_MEAN_OUTPUT, tensor: stats.mean },
          { output: BN_VAR_OUTPUT, tensor: stats.variance }
        ]
      }
    }
  )
}
