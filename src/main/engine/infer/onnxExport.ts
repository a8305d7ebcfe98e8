// ONNX export of any TagModel (opset 17, symbolic batch axis), built from model.config and the
// reference-named weights, plus the metadata a .onnx file needs to be used on its own: labels,
// feature settings with normalisation, thresholds, the score activation and the model config.
import fs from 'node:fs'
import type * as tf from '@tensorflow/tfjs-core'
import type { ModelConfig } from '../models/config'
import type { TagModel } from '../models/types'
import { writeFileAtomic } from '../io/fsutil'
import { frameOutput } from '../models/frameHead'
import { modelKind } from '../models/registry'
import { inputNorm } from '../train/model'
import type { ScoreActivation } from './activation'
import { createGraphBuilder, decodeMetadata, encodeModel, tensorInfo, type GraphBuilder, type WeightSource } from './onnxGraph'

/** What the features fed to the graph are: Kaldi fbank (the AUDIO area's astFbank), padded or cut, normalised. */
export interface OnnxFeatureConfig {
  kind: 'kaldi-fbank'
  sampleRate: number
  melBins: number
  /** Frames per window (the input's T). */
  targetLength: number
  /** Seconds between fbank frames. */
  frameShiftS: number
  /** (x - mean) / (2 · std) before the model, or null when the model normalises itself. */
  norm: { mean: number; std: number } | null
}

export interface OnnxModelMeta {
  labels: string[]
  features: OnnxFeatureConfig
  /** Per-class decision thresholds, when the run optimised some. */
  thresholds: number[] | null
  /** How clip logits become scores: 'softmax' for single-label (CE-trained) models, else 'sigmoid'. */
  activation: ScoreActivation
  modelKind: ModelConfig['kind']
  model: ModelConfig
  /** `frame_logits` [batch, frames, C] at frameRate steps per second, for models that have it. */
  frameOutput: { frames: number; frameRate: number } | null
  embeddingDim: number
}

export interface ExportOptions {
  thresholds?: number[] | null
  /** Default 'sigmoid'. */
  activation?: ScoreActivation
}

/** The Kaldi fbank hop every Tagbench model is trained on (AUDIO's fbank: 10 ms). */
const FRAME_SHIFT_S = 0.01

function featureConfigOf(config: ModelConfig): OnnxFeatureConfig {
  return {
    kind: 'kaldi-fbank',
    sampleRate: config.sampleRate,
    melBins: config.melBins,
    targetLength: config.targetLength,
    frameShiftS: FRAME_SHIFT_S,
    norm: inputNorm(config)
  }
}

function embeddingDimOf(config: ModelConfig): number {
  return modelKind(config.kind).embeddingDim(config)
}

/** The metadata an export of a model with this config carries. */
export function metaOf(config: ModelConfig, thresholds: number[] | null, activation: ScoreActivation = 'sigmoid'): OnnxModelMeta {
  return {
    labels: config.labels,
    features: featureConfigOf(config),
    thresholds,
    activation,
    modelKind: config.kind,
    model: config,
    frameOutput: frameOutput(config),
    embeddingDim: embeddingDimOf(config)
  }
}

/** Host copies of the model's weights with shape checks, disposing the tensor handles it was given. */
function hostWeights(named: Map<string, tf.Tensor>): WeightSource {
  const host = new Map<string, { shape: number[]; data: Float32Array }>()
  for (const [name, t] of named) {
    host.set(name, { shape: t.shape, data: t.dataSync() as Float32Array })
    t.dispose()
  }
  return (name, shape) => {
    const t = host.get(name)
    if (!t) throw new Error(`ONNX export: the model has no weight ${name}`)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new Error(`ONNX export: weight ${name} has shape [${t.shape}], the config implies [${shape}]`)
    return t.data
  }
}

interface GraphOutputs {
  logits: string
  embedding: string
  frameLogits?: { name: string; frames: number }
}

/** The kind's graph (the registry's ONNX builder), with a frame output exactly when frameOutput says so. */
function buildModel(g: GraphBuilder, input: string, config: ModelConfig, w: WeightSource): GraphOutputs {
  const fo = frameOutput(config)
  const out = modelKind(config.kind).buildOnnx(g, input, config, w, config.frameHead ? fo!.frames : null)
  if (!out.frameLogits) return { logits: out.logits, embedding: out.embedding }
  if (!fo) throw new Error(`ONNX export: the ${config.kind} graph has a frame output its config does not describe`)
  return { logits: out.logits, embedding: out.embedding, frameLogits: { name: out.frameLogits, frames: fo.frames } }
}

/** Encodes the model as an ONNX ModelProto (bytes) with its metadata. */
export function encodeOnnx(model: Pick<TagModel, 'config' | 'namedWeights'>, opts: ExportOptions = {}): { bytes: Uint8Array; meta: OnnxModelMeta } {
  const config = model.config
  const thresholds = opts.thresholds ?? null
  if (thresholds && thresholds.length !== config.numClasses)
    throw new Error(`ONNX export: ${thresholds.length} thresholds for ${config.numClasses} classes`)
  const g = createGraphBuilder()
  const out = buildModel(g, 'fbank', config, hostWeights(model.namedWeights()))
  const C = config.numClasses
  const outputs = [
    tensorInfo(g.output('logits', out.logits), ['batch', C]),
    tensorInfo(g.output('embedding', out.embedding), ['batch', embeddingDimOf(config)])
  ]
  if (out.frameLogits) outputs.push(tensorInfo(g.output('frame_logits', out.frameLogits.name), ['batch', out.frameLogits.frames, C]))
  const graph = g.graph(`tagbench_${config.kind}`, [tensorInfo('fbank', ['batch', config.targetLength, config.melBins])], outputs)
  const meta = metaOf(config, thresholds, opts.activation)
  if (Boolean(out.frameLogits) !== Boolean(meta.frameOutput) || (out.frameLogits && out.frameLogits.frames !== meta.frameOutput?.frames))
    throw new Error(`ONNX export: the ${config.kind} graph's frame output disagrees with its config (${JSON.stringify(meta.frameOutput)})`)
  return { bytes: encodeModel(graph, metadataProps(meta), process.env.npm_package_version ?? '0.1.0'), meta }
}

/** Writes model.onnx atomically; returns its path, size and metadata. */
export async function exportOnnx(model: Pick<TagModel, 'config' | 'namedWeights'>, outFile: string, opts: ExportOptions = {}): Promise<{ path: string; bytes: number; meta: OnnxModelMeta }> {
  const { bytes, meta } = encodeOnnx(model, opts)
  await writeFileAtomic(outFile, bytes)
  return { path: outFile, bytes: bytes.length, meta }
}

// ---------- metadata ----------

/** The metadata_props that describe a model to readOnnxMeta (and to anyone reading the file). */
export function metadataProps(meta: OnnxModelMeta): Record<string, string> {
  const props: Record<string, string> = {
    'tagbench.format': '1',
    labels: JSON.stringify(meta.labels),
    norm: JSON.stringify(meta.features.norm),
    features: JSON.stringify(meta.features),
    activation: meta.activation,
    model_kind: meta.modelKind,
    model_config: JSON.stringify(meta.model),
    embedding_dim: String(meta.embeddingDim)
  }
  if (meta.thresholds) props.thresholds = JSON.stringify(meta.thresholds)
  if (meta.frameOutput) props.frame_output = JSON.stringify(meta.frameOutput)
  return props
}

/** A .onnx file's metadata_props; throws naming the file when it is no ONNX model. */
export function readOnnxProps(file: string): Record<string, string> {
  try {
    return decodeMetadata(fs.readFileSync(file))
  } catch (err) {
    throw new Error(`${file} is not a readable ONNX model: ${(err as Error).message}`)
  }
}

/** Reads what exportOnnx wrote into a .onnx file's metadata_props; throws naming the file when it is not a Tagbench export. */
export function readOnnxMeta(file: string): OnnxModelMeta {
  return parseOnnxMeta(file, readOnnxProps(file))
}

/** The OnnxModelMeta in `file`'s metadata_props (exports made before the activation key read as sigmoid). */
export function parseOnnxMeta(file: string, props: Record<string, string>): OnnxModelMeta {
  if (props['tagbench.format'] !== '1')
    throw new Error(`${file} has no Tagbench metadata (labels, features): export it with \`tagbench export\``)
  let meta: OnnxModelMeta
  try {
    meta = {
      labels: JSON.parse(props.labels),
      features: JSON.parse(props.features),
      thresholds: props.thresholds ? JSON.parse(props.thresholds) : null,
      activation: (props.activation ?? 'sigmoid') as ScoreActivation,
      modelKind: props.model_kind as ModelConfig['kind'],
      model: JSON.parse(props.model_config),
      frameOutput: props.frame_output ? JSON.parse(props.frame_output) : null,
      embeddingDim: Number(props.embedding_dim)
    }
  } catch (err) {
    throw new Error(`${file}: unreadable Tagbench metadata: ${(err as Error).message}`)
  }
  const f = meta.features
  const problems = [
    !Array.isArray(meta.labels) && 'labels is not a list',
    f?.kind !== 'kaldi-fbank' && `feature kind ${JSON.stringify(f?.kind)} is not supported (only kaldi-fbank)`,
    ![f?.sampleRate, f?.melBins, f?.targetLength, f?.frameShiftS].every((v) => Number.isFinite(v) && v > 0) && 'the feature settings are incomplete',
    meta.thresholds && meta.thresholds.length !== meta.labels.length && `${meta.thresholds.length} thresholds for ${meta.labels.length} labels`,
    meta.activation !== 'sigmoid' && meta.activation !== 'softmax' && `activation ${JSON.stringify(meta.activation)} is neither sigmoid nor softmax`,
    !(meta.embeddingDim > 0) && 'embedding_dim is missing'
  ].filter(Boolean)
  const bad = problems.length > 0 ? problems.join('; ') : null
  if (bad) throw new Error(`${file}: unusable Tagbench metadata: ${bad}`)
  return meta
}
