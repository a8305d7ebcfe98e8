// Hugging Face ASTForAudioClassification folders (config.json + model.safetensors +
// preprocessor_config.json, the layout of MIT/ast-finetuned-audioset-10-10-0.4593): the model as it
// is, or as the start of fine-tuning with a new head and another frame count.
import fs from 'node:fs'
import path from 'node:path'
import { readJsonSync } from '../../../io/fsutil'
import { AST_PATCH, AST_SIZES, type AstConfig } from '../config'
import type { AstModel } from '../model'
import type { ModelSize } from '../../../../../shared/types'
import { readSafetensors } from '../../safetensors'
import { hfAstHeadToReference, hfTrunkToReference } from './names'
import { finetuneAst, type AstFinetuneOptions } from './astWeights'

/** What the feature pipeline needs to feed this model. */
export interface FeatureConfig {
  melBins: number
  targetLength: number
  mean: number
  std: number
  sampleRate: number
}

interface HfAstConfig {
  hidden_size: number
  num_attention_heads: number
  num_hidden_layers: number
  intermediate_size?: number
  hidden_act?: string
  layer_norm_eps: number
  patch_size?: number
  frequency_stride: number
  time_stride: number
  max_length: number
  num_mel_bins: number
  qkv_bias?: boolean
  model_type?: string
  id2label?: Record<string, string>
}

/** The model_type of ASTForAudioClassification in config.json. */
export const AST_MODEL_TYPE = 'audio-spectrogram-transformer'

/** ASTFeatureExtractor's defaults (transformers), for a folder saved without preprocessor_config.json. */
const AST_PREPROCESSOR_DEFAULTS: HfPreprocessorConfig = { mean: -4.2677393, std: 4.5689974, sampling_rate: 16000, do_normalize: true }

interface HfPreprocessorConfig {
  num_mel_bins?: number
  max_length?: number
  mean?: number
  std?: number
  sampling_rate?: number
  do_normalize?: boolean
}

const nearestSize = (dim: number): ModelSize =>
  (Object.entries(AST_SIZES) as [ModelSize, { embedDim: number }][]).reduce((best, [s, v]) =>
    Math.abs(v.embedDim - dim) < Math.abs(AST_SIZES[best].embedDim - dim) ? s : best, 'tiny' as ModelSize)

/** The AstConfig a Hugging Face AST folder describes (labels from id2label, norm from the preprocessor). */
export function readHfAstConfig(folder: string): AstConfig {
  const cfgFile = path.join(folder, 'config.json')
  const prepFile = path.join(folder, 'preprocessor_config.json')
  const c = readJsonSync<HfAstConfig>(cfgFile)
  if (!c || typeof c !== 'object') throw new Error(`${cfgFile}: not a Hugging Face model config (a JSON object)`)
  if (c.model_type !== undefined && c.model_type !== AST_MODEL_TYPE)
    throw new Error(`${folder} holds a Hugging Face "${String(c.model_type)}" model, not an Audio Spectrogram Transformer (model_type "${AST_MODEL_TYPE}")`)
  // save_pretrained writes the model without its feature extractor: then AST's own defaults apply.
  const p = fs.existsSync(prepFile) ? readJsonSync<HfPreprocessorConfig>(prepFile) : AST_PREPROCESSOR_DEFAULTS
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${cfgFile}: ${what}`)
  }
  for (const k of ['hidden_size', 'num_attention_heads', 'num_hidden_layers', 'layer_norm_eps', 'frequency_stride', 'time_stride', 'max_length', 'num_mel_bins'] as const)
    need(typeof c[k] === 'number', `${k} is missing or not a number`)
  need((c.patch_size ?? AST_PATCH) === AST_PATCH, `patch_size ${c.patch_size} is not supported (only 16)`)
  need((c.intermediate_size ?? 4 * c.hidden_size) === 4 * c.hidden_size, `intermediate_size ${c.intermediate_size} is not 4 × hidden_size`)
  need((c.hidden_act ?? 'gelu') === 'gelu', `hidden_act ${c.hidden_act} is not supported (only exact "gelu")`)
  need(c.qkv_bias !== false, 'qkv_bias false is not supported')
  need(c.hidden_size % c.num_attention_heads === 0, `hidden_size ${c.hidden_size} is not divisible by ${c.num_attention_heads} heads`)
  if (p.do_normalize === false) throw new Error(`${prepFile}: do_normalize false is not supported (AST features are always normalised)`)
  if (typeof p.mean !== 'number' || typeof p.std !== 'number') throw new Error(`${prepFile}: mean and std are missing`)
  if ((p.num_mel_bins ?? c.num_mel_bins) !== c.num_mel_bins || (p.max_length ?? c.max_length) !== c.max_length)
    throw new Error(`${prepFile}: num_mel_bins/max_length (${p.num_mel_bins}/${p.max_length}) disagree with ${cfgFile} (${c.num_mel_bins}/${c.max_length})`)
  const ids = Object.keys(c.id2label ?? {}).map(Number).sort((a, b) => a - b)
  const labels = ids.map((i) => c.id2label![String(i)])
  if (ids.some((id, i) => id !== i)) throw new Error(`${cfgFile}: id2label keys are not 0..${ids.length - 1}`)
  return {
    kind: 'ast',
    size: nearestSize(c.hidden_size),
    embedDim: c.hidden_size,
    depth: c.num_hidden_layers,
    heads: c.num_attention_heads,
    fstride: c.frequency_stride,
    tstride: c.time_stride,
    melBins: c.num_mel_bins,
    targetLength: c.max_length,
    sampleRate: p.sampling_rate ?? 16000,
    numClasses: labels.length,
    labels,
    norm: { mean: p.mean, std: p.std },
    // HF uses config.layer_norm_eps in every LayerNorm, the classifier's included.
    blockEps: c.layer_norm_eps,
    headEps: c.layer_norm_eps,
    frozen: false,
    dropout: 0,
    dropPath: 0
  }
}

/**
 * Load a Hugging Face AST folder. Without options the model is the checkpoint's own (its head and
 * labels); with `labels` the head is new, with another targetLength/strides the position grid is
 * cropped or interpolated from the checkpoint's grid.
 */
export function loadHfAst(folder: string, opts: AstFinetuneOptions = {}): { model: AstModel; featureConfig: FeatureConfig } {
  const base = readHfAstConfig(folder)
  const file = path.join(folder, 'model.safetensors')
  const tensors = readSafetensors(file)
  const trunk = hfTrunkToReference(tensors, 'audio_spectrogram_transformer.', file, 'Hugging Face AST')
  if (trunk.depth !== base.depth) throw new Error(`${file}: holds ${trunk.depth} layers, config.json says ${base.depth}`)
  const weights = trunk.weights
  if (opts.labels === undefined) for (const [n, t] of hfAstHeadToReference(tensors, file)) weights.set(n, t)
  const model = finetuneAst(base, weights, opts, file)
  const c = model.config
  return { model, featureConfig: { melBins: c.melBins, targetLength: c.targetLength, mean: c.norm.mean, std: c.norm.std, sampleRate: c.sampleRate } }
}
