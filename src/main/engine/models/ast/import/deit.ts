// ImageNet initialisation of an AST from a distilled DeiT checkpoint (timm
// deit_{tiny,small,base}_distilled_patch16_224 or Hugging Face facebook/deit-*-distilled-patch16-224,
// as safetensors the user provides), adapted as ast_models.py does: the RGB patch kernel summed over
// its 3 channels (summed, not averaged), the 14×14 position grid cropped or interpolated to the
// audio patch grid, and a new head.
import type { AstConfig } from '../config'
import type { AstModel } from '../model'
import { readSafetensors } from '../../safetensors'
import type { HostTensor } from '../../types'
import { findPrefix, hfTrunkToReference, timmDeitToReference, type TrunkWeights } from './names'
import { astFromWeights } from './astWeights'

/** Read a timm- or HF-named DeiT file into reference names (RGB kernel still 3-channel). */
export function readDeitTrunk(file: string): TrunkWeights {
  const tensors = readSafetensors(file)
  const timm = findPrefix(tensors, 'patch_embed.proj.weight')
  if (timm !== null) return timmDeitToReference(tensors, timm, file)
  const hf = findPrefix(tensors, 'embeddings.patch_embeddings.projection.weight')
  if (hf !== null) return hfTrunkToReference(tensors, hf, file, 'Hugging Face DeiT')
  throw new Error(`${file}: not a DeiT checkpoint (found neither timm's patch_embed.proj.weight nor Hugging Face's embeddings.patch_embeddings.projection.weight)`)
}

/** W [D, C, kh, kw] → W.sum(dim=1, keepdim=True) [D, 1, kh, kw]. */
function sumChannels(w: HostTensor): HostTensor {
  const [D, C, kh, kw] = w.shape
  const k = kh * kw
  const out = new Float32Array(D * k)
  for (let d = 0; d < D; d++) for (let c = 0; c < C; c++) for (let i = 0; i < k; i++) out[d * k + i] += w.data[(d * C + c) * k + i]
  return { shape: [D, 1, kh, kw], data: out }
}

/**
 * An AST for `config` initialised from a DeiT checkpoint; the head (mlp_head.*) is new, drawn from
 * `seed`. config.embedDim must match the checkpoint; config.depth may be smaller (first blocks).
 */
export function astFromDeit(weightsFile: string, config: AstConfig, seed = 0): AstModel {
  return astFromDeitTrunk(readDeitTrunk(weightsFile), weightsFile, config, seed)
}

/** astFromDeit on a trunk already read with readDeitTrunk (whose depth and width a caller may want first). */
export function astFromDeitTrunk(trunk: TrunkWeights, weightsFile: string, config: AstConfig, seed = 0): AstModel {
  if (trunk.embedDim !== config.embedDim)
    throw new Error(`${weightsFile}: DeiT width ${trunk.embedDim} does not match the model's ${config.embedDim} (size ${config.size})`)
  if (trunk.depth < config.depth) throw new Error(`${weightsFile}: DeiT has ${trunk.depth} blocks, the model needs ${config.depth}`)
  const w = trunk.weights
  const kernel = w.get('v.patch_embed.proj.weight')!
  if (kernel.shape.length !== 4 || kernel.shape[2] !== 16 || kernel.shape[3] !== 16)
    throw new Error(`${weightsFile}: patch kernel has shape [${kernel.shape}], expected [D, 3, 16, 16] (patch16 DeiT)`)
  w.set('v.patch_embed.proj.weight', sumChannels(kernel))
  const positions = w.get('v.pos_embed')!.shape[1] - 2
  const side = Math.round(Math.sqrt(positions))
  if (side * side !== positions) throw new Error(`${weightsFile}: pos_embed holds ${positions} patch positions, not a square grid`)
  return astFromWeights(w, { fDim: side, tDim: side }, config, seed, weightsFile, false)
}
