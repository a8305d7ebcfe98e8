// Name mappings from the checkpoints Tagbench reads (timm DeiT, Hugging Face DeiT, Hugging Face
// ASTForAudioClassification) to the reference AST state_dict names (CONTRACTS.md). Every importer
// maps to these names, and checkpoints and the ONNX export read them back through namedWeights(),
// so this file is the one place where names are translated.
import type { HostTensor, WeightMap } from '../../types'

/** The weights of a ViT trunk under reference names, before any AST adaptation. */
export interface TrunkWeights {
  weights: WeightMap
  depth: number
  embedDim: number
}

const BLOCK_PARTS = ['norm1', 'attn.qkv', 'attn.proj', 'norm2', 'mlp.fc1', 'mlp.fc2'] as const

function getter(tensors: Map<string, HostTensor>, file: string, naming: string) {
  return (name: string): HostTensor => {
    const t = tensors.get(name)
    if (!t) throw new Error(`${file}: tensor ${name} is missing (reading ${naming} names)`)
    return t
  }
}

/** Number of blocks: the count of consecutive indices i for which `probe(i)` names a tensor. */
function countBlocks(tensors: Map<string, HostTensor>, probe: (i: number) => string): number {
  let n = 0
  while (tensors.has(probe(n))) n++
  return n
}

/** The prefix before `suffix` of the one key that ends with it, or null. */
export function findPrefix(tensors: Map<string, unknown>, suffix: string): string | null {
  for (const k of tensors.keys()) if (k.endsWith(suffix)) return k.slice(0, k.length - suffix.length)
  return null
}

/** timm DeiT (optionally prefixed, e.g. "module."): the trunk keeps timm's names, with "v.". */
export function timmDeitToReference(tensors: Map<string, HostTensor>, prefix: string, file: string): TrunkWeights {
  const get = getter(tensors, file, 'timm DeiT')
  const depth = countBlocks(tensors, (i) => `${prefix}blocks.${i}.norm1.weight`)
  const out: WeightMap = new Map()
  const copy = (from: string, to: string) => out.set(to, get(prefix + from))
  for (const n of ['patch_embed.proj.weight', 'patch_embed.proj.bias', 'cls_token', 'dist_token', 'pos_embed', 'norm.weight', 'norm.bias']) copy(n, `v.${n}`)
  for (let i = 0; i < depth; i++)
    for (const part of BLOCK_PARTS) for (const wb of ['weight', 'bias']) copy(`blocks.${i}.${part}.${wb}`, `v.blocks.${i}.${part}.${wb}`)
  return { weights: out, depth, embedDim: out.get('v.cls_token')!.shape[2] }
}

/** Hugging Face ViT-style encoder layers (DeiT and AST share them): q, k, v fused into qkv as timm holds it. */
function hfLayersToReference(get: (n: string) => HostTensor, out: WeightMap, prefix: string, depth: number): void {
  for (let i = 0; i < depth; i++) {
    const l = `${prefix}encoder.layer.${i}.`
    const b = `v.blocks.${i}.`
    const pair = (from: string, to: string) => {
      out.set(`${b}${to}.weight`, get(`${l}${from}.weight`))
      out.set(`${b}${to}.bias`, get(`${l}${from}.bias`))
    }
    for (const wb of ['weight', 'bias']) {
      const parts = ['query', 'key', 'value'].map((n) => get(`${l}attention.attention.${n}.${wb}`))
      const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0))
      parts.reduce((o, p) => (data.set(p.data, o), o + p.data.length), 0)
      out.set(`${b}attn.qkv.${wb}`, { shape: [parts[0].shape[0] * 3, ...parts[0].shape.slice(1)], data })
    }
    pair('layernorm_before', 'norm1')
    pair('attention.output.dense', 'attn.proj')
    pair('layernorm_after', 'norm2')
    pair('intermediate.dense', 'mlp.fc1')
    pair('output.dense', 'mlp.fc2')
  }
}

/**
 * Hugging Face DeiT / AST trunk (prefix "deit." or "audio_spectrogram_transformer."): embeddings,
 * encoder layers and the final layernorm.
 */
export function hfTrunkToReference(tensors: Map<string, HostTensor>, prefix: string, file: string, naming: string): TrunkWeights {
  const get = getter(tensors, file, naming)
  const depth = countBlocks(tensors, (i) => `${prefix}encoder.layer.${i}.layernorm_before.weight`)
  const out: WeightMap = new Map()
  const e = `${prefix}embeddings.`
  out.set('v.patch_embed.proj.weight', get(`${e}patch_embeddings.projection.weight`))
  out.set('v.patch_embed.proj.bias', get(`${e}patch_embeddings.projection.bias`))
  out.set('v.cls_token', get(`${e}cls_token`))
  out.set('v.dist_token', get(`${e}distillation_token`))
  out.set('v.pos_embed', get(`${e}position_embeddings`))
  hfLayersToReference(get, out, prefix, depth)
  out.set('v.norm.weight', get(`${prefix}layernorm.weight`))
  out.set('v.norm.bias', get(`${prefix}layernorm.bias`))
  return { weights: out, depth, embedDim: out.get('v.cls_token')!.shape[2] }
}

/** Hugging Face ASTForAudioClassification's head (classifier.layernorm, classifier.dense) → mlp_head. */
export function hfAstHeadToReference(tensors: Map<string, HostTensor>, file: string): WeightMap {
  const get = getter(tensors, file, 'Hugging Face AST')
  return new Map([
    ['mlp_head.0.weight', get('classifier.layernorm.weight')],
    ['mlp_head.0.bias', get('classifier.layernorm.bias')],
    ['mlp_head.1.weight', get('classifier.dense.weight')],
    ['mlp_head.1.bias', get('classifier.dense.bias')]
  ])
}
