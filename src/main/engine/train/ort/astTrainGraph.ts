// One AST training step as a single ONNX graph: the model definition the export uses (models/ast/onnx.ts)
// bound to graph inputs, the loss, and the reverse-mode gradients (gradients.ts). Inputs: the
// normalised fbank, the targets, the loss scale (a micro-batch's share of the step), every parameter
// in the trainer's (tfjs) layout and the dropout masks; outputs: the scaled loss and one gradient per
// trainable parameter. Shapes are static, so a graph serves one batch size.
import type { AstConfig } from '../../models/ast/config'
import { frameHeadFrames } from '../../models/frameHead'
import { buildAstFrameHead, buildAstGraph } from '../../models/ast/onnx'
import { createGraphBuilder, encodeModel, tensorInfo, type GraphBuilder, type ParamBinding } from '../../infer/onnxGraph'
import type { LossOptions } from '../losses'
import { addGradients } from './gradients'
import { clipLossTerm, frameLossTerm } from './lossGraph'
import { inferShapes } from './shapes'

export interface TrainingGraphSpec {
  config: AstConfig
  batch: number
  loss: LossOptions
  /** Whether the loss has the frame term (a frame head trained on strong labels). */
  frameLoss: boolean
  /** Names of the parameters to output gradients for (all of them, or the head of a frozen model). */
  trainable: ReadonlySet<string>
}

export interface TrainingGraph {
  bytes: Uint8Array
  /** Parameter inputs, named as the model's parameters, in the trainer's layout (a Linear weight as [in, out]). */
  params: { name: string; shape: number[] }[]
  /** Dropout / drop-path keep-mask inputs in the order the tfjs model draws them (models/ast.ts). */
  masks: { name: string; shape: number[]; rate: number }[]
  /** Output name of each trainable parameter's gradient. */
  gradients: Map<string, string>
  frames: number | null
  /** Extra outputs beside the loss and gradients (HTS-AT: bn0's batch mean and variance). */
  extras: { name: string; shape: number[] }[]
}

export const gradientOutput = (param: string): string => `grad:${param}`

/** Parameters as graph inputs in the layout the tfjs ParamStore holds them in; masks as inputs too. */
function inputBinding(batch: number, inputs: Map<string, number[]>, params: TrainingGraph['params'], masks: TrainingGraph['masks']): ParamBinding {
  const input = (name: string, shape: number[]) => {
    const seen = inputs.get(name)
    if (seen) return name
    inputs.set(name, shape)
    params.push({ name, shape })
    return name
  }
  return {
    tensor: input,
    matrix: (layer, out, inn) => input(`${layer}.weight`, [inn, out]),
    host: null,
    batch,
    mask(shape, rate) {
      if (!(rate > 0)) return null
      const name = `mask:${masks.length}`
      inputs.set(name, shape)
      masks.push({ name, shape, rate })
      return name
    }
  }
}

/** What a model definition gives the training graph: its outputs, and extra tensors to output (bn0's batch statistics). */
export interface TrainingForward {
  logits: string
  frameLogits: string | null
  extras?: { output: string; tensor: string }[]
}

/** Shapes and loss of a training graph, whatever the model. */
export interface TrainingGraphFrame {
  name: string
  batch: number
  classes: number
  /** The input [T, F] of each sample. */
  input: [number, number]
  loss: LossOptions
  /** Frame steps of the frame loss, or null for the clip loss alone. */
  frames: number | null
  trainable: ReadonlySet<string>
}

/**
 * The training graph of any model definition: `forward` builds the model on the 'fbank' input with
 * the parameters bound as graph inputs; the loss terms, the gradients and the outputs follow.
 */
export function buildTrainingGraph(spec: TrainingGraphFrame, forward: (g: GraphBuilder, P: ParamBinding) => TrainingForward): TrainingGraph {
  const B = spec.batch
  const C = spec.classes
  const g = createGraphBuilder()
  const inputs = new Map<string, number[]>([['fbank', [B, ...spec.input]]])
  const params: TrainingGraph['params'] = []
  const masks: TrainingGraph['masks'] = []
  const P = inputBinding(B, inputs, params, masks)

  const out = forward(g, P)
  const frames = spec.frames
  if (frames !== null && !out.frameLogits) throw new Error('a frame loss needs a model with a frame output')
  const forwardNodes = [...g.nodes()]
  const shapes = inferShapes(g, forwardNodes, inputs)

  inputs.set('targets', [B, C])
  inputs.set('scale', [])
  const clip = clipLossTerm(g, out.logits, 'targets', spec.loss, B, C, 'scale')
  const seeds = new Map([[out.logits, clip.grad]])
  let loss = clip.loss
  if (out.frameLogits && frames !== null) {
    inputs.set('frame_targets', [B, frames, C])
    inputs.set('frame_mask', [B, frames])
    const term = frameLossTerm(g, out.frameLogits, 'frame_targets', 'frame_mask', spec.loss, C, 'scale')
    seeds.set(out.frameLogits, term.grad)
    loss = g.op('Add', [loss, term.loss])
  }
  const trained = params.filter((p) => spec.trainable.has(p.name)).map((p) => p.name)
  const missing = [...spec.trainable].filter((n) => !inputs.has(n))
  if (missing.length > 0) throw new Error(`ORT training graph: the model has no parameters ${missing.join(', ')}`)
  const grads = addGradients(g, forwardNodes, shapes, seeds, trained)

  const outputs = [tensorInfo(g.output('loss', loss), [])]
  const gradients = new Map<string, string>()
  for (const name of trained) {
    const o = gradientOutput(name)
    outputs.push(tensorInfo(g.output(o, grads.get(name)!), inputs.get(name)!))
    gradients.set(name, o)
  }
  const extras = (out.extras ?? []).map(({ output, tensor }) => {
    const shape = shapes.get(tensor)!
    outputs.push(tensorInfo(g.output(output, tensor), shape))
    return { name: output, shape }
  })
  const graph = g.graph(spec.name, [...inputs].map(([n, s]) => tensorInfo(n, s)), outputs)
  return { bytes: encodeModel(graph, {}, process.env.npm_package_version ?? '0.1.0'), params, masks, gradients, frames: out.frameLogits && frames !== null ? frames : null, extras }
}

export function buildAstTrainingGraph(spec: TrainingGraphSpec): TrainingGraph {
  const c = spec.config
  if (spec.frameLoss && !c.frameHead) throw new Error('a frame loss needs a model with a frame head')
  const frames = spec.frameLoss ? frameHeadFrames(c) : null
  return buildTrainingGraph(
    { name: 'tagbench_ast_train', batch: spec.batch, classes: c.numClasses, input: [c.targetLength, c.melBins], loss: spec.loss, frames, trainable: spec.trainable },
    (g, P) => {
      const out = buildAstGraph(g, 'fbank', c, P)
      return { logits: out.logits, frameLogits: frames !== null ? buildAstFrameHead(g, out.tokens, c, P, frames) : null }
    }
  )
}
