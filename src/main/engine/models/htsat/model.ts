// HTS-AT (Chen et al. 2022; RetroCirce/HTS-Audio-Transformer model/htsat.py with enable_tscam) as a
// TagModel that trains on tfjs-wasm: bn0 over mel bins → reshape_wav2img → 4×4 patch embedding →
// Swin stages (shifted windows, relative position bias, patch merging) → LayerNorm → token-semantic
// conv → per-step logits [B, T', C]. Clip logits are their time mean, so BCE-with-logits on `logits`
// equals the reference's clip BCE on sigmoid(mean). The input is the raw (padded) log-mel fbank, as in
// the reference: bn0 is the model's own feature normalisation, so HtsatConfig has no global mean/std.
// SpecAugment and mixup are not in the model: the data pipeline applies them before it. Weights carry the reference state_dict names; the
// reference's unused `head` Linear and its index/mask buffers are not kept.
import * as tf from '@tensorflow/tfjs-core'
import { makeRng, type Rng } from '../../util/rng'
import { resampleFrames, resampleToFrames, frameHeadFrames } from '../frameHead'
import { dropout } from '../layers/dropout'
import { ones, torchDefault, truncNormal, zeros } from '../layers/init'
import { createParamStore, type ParamStore } from '../layers/params'
import type { ModelOutput, TagModel } from '../types'
import { checkModelInput, paramModel, tidyApply } from '../paramModel'
import { htsatGeometry, type HtsatConfig, type HtsatGeometry } from './config'
import { bicubicResizeMatrix, patchEmbed } from './image'
import { melBatchNorm, type MelBatchNormWeights } from './melBatchNorm'
import { norm, patchMerge, swinBlock, type NormWeights, type PatchMergeWeights, type SwinBlockWeights } from './swin'
import { tokenSemantic } from './tokenSemantic'
import { makeWindowConstants, shiftMask, type WindowConstants } from './windowAttention'

export interface HtsatModel extends TagModel {
  readonly config: HtsatConfig
  readonly geometry: HtsatGeometry
  /** Parameters and bn0's running statistics under their reference names. */
  readonly params: ParamStore
}

/**
 * The reference's parameters and initialisation: Linear trunc_normal(0.02) with zero bias, LayerNorm
 * 1/0, relative position tables trunc_normal(0.02), PyTorch defaults for the two convs, bn0 1/0 with
 * running mean 0 and variance 1.
 */
function htsatParams(c: HtsatConfig, g: HtsatGeometry, rng: Rng): ParamStore {
  const p = createParamStore()
  const norm = (name: string, d: number) => {
    p.add(`${name}.weight`, [d], 'plain', ones(d))
    p.add(`${name}.bias`, [d], 'plain', zeros(d))
  }
  const lin = (name: string, out: number, inn: number, bias = true) => {
    p.add(`${name}.weight`, [out, inn], 'linear', truncNormal(rng, out * inn))
    if (bias) p.add(`${name}.bias`, [out], 'plain', zeros(out))
  }
  const F = c.melBins
  norm('bn0', F)
  p.add('bn0.running_mean', [F], 'plain', zeros(F)).trainable = false
  p.add('bn0.running_var', [F], 'plain', ones(F)).trainable = false
  const kk = c.patchSize * c.patchSize
  p.add('patch_embed.proj.weight', [c.embedDim, 1, c.patchSize, c.patchSize], 'linear', torchDefault(rng, c.embedDim * kk, kk))
  p.add('patch_embed.proj.bias', [c.embedDim], 'plain', torchDefault(rng, c.embedDim, kk))
  norm('patch_embed.norm', c.embedDim)
  g.stages.forEach((s, i) => {
    const hidden = Math.floor(s.dim * c.mlpRatio)
    for (let j = 0; j < s.depth; j++) {
      const b = `layers.${i}.blocks.${j}`
      norm(`${b}.norm1`, s.dim)
      const rows = (2 * s.window - 1) ** 2
      p.add(`${b}.attn.relative_position_bias_table`, [rows, s.heads], 'plain', truncNormal(rng, rows * s.heads))
      lin(`${b}.attn.qkv`, 3 * s.dim, s.dim)
      lin(`${b}.attn.proj`, s.dim, s.dim)
      norm(`${b}.norm2`, s.dim)
      lin(`${b}.mlp.fc1`, hidden, s.dim)
      lin(`${b}.mlp.fc2`, s.dim, hidden)
    }
    if (i < g.stages.length - 1) {
      norm(`layers.${i}.downsample.norm`, 4 * s.dim)
      lin(`layers.${i}.downsample.reduction`, 2 * s.dim, 4 * s.dim, false)
    }
  })
  norm('norm', g.numFeatures)
  const fan = g.numFeatures * g.tscamHeight * 3
  p.add('tscam_conv.weight', [c.numClasses, g.numFeatures, g.tscamHeight, 3], 'linear', torchDefault(rng, c.numClasses * fan, fan))
  p.add('tscam_conv.bias', [c.numClasses], 'plain', torchDefault(rng, c.numClasses, fan))
  return p
}

export function createHtsat(config: HtsatConfig, seed: number): HtsatModel {
  const c = config
  const g = htsatGeometry(c)
  const params = htsatParams(c, g, makeRng(seed))
  const v = <T extends tf.Tensor>(n: string) => params.get(n) as unknown as T
  const nw = (n: string): NormWeights => ({ gamma: params.get(`${n}.weight`), beta: params.get(`${n}.bias`) })
  const bn: MelBatchNormWeights = {
    gamma: params.get('bn0.weight'),
    beta: params.get('bn0.bias'),
    runningMean: params.get('bn0.running_mean'),
    runningVar: params.get('bn0.running_var')
  }
  const stages = g.stages.map((s, i) => ({
    stage: s,
    blocks: Array.from({ length: s.depth }, (_, j): SwinBlockWeights => {
      const b = `layers.${i}.blocks.${j}`
      return {
        norm1: nw(`${b}.norm1`),
        attn: { qkvW: v(`${b}.attn.qkv.weight`), qkvB: v(`${b}.attn.qkv.bias`), projW: v(`${b}.attn.proj.weight`), projB: v(`${b}.attn.proj.bias`) },
        table: params.get(`${b}.attn.relative_position_bias_table`),
        norm2: nw(`${b}.norm2`),
        fc1W: params.get(`${b}.mlp.fc1.weight`),
        fc1B: params.get(`${b}.mlp.fc1.bias`),
        fc2W: params.get(`${b}.mlp.fc2.weight`),
        fc2B: params.get(`${b}.mlp.fc2.bias`)
      }
    }),
    merge:
      i < g.stages.length - 1
        ? ({ norm: nw(`layers.${i}.downsample.norm`), reduction: params.get(`layers.${i}.downsample.reduction.weight`) } satisfies PatchMergeWeights)
        : null
  }))
  // Constants: one relative-index set per window size, one shift mask per shifted stage, the resize matrix.
  const windowConsts = new Map<number, WindowConstants>()
  for (const s of g.stages) if (!windowConsts.has(s.window)) windowConsts.set(s.window, makeWindowConstants(s.window))
  const masks = g.stages.map((s) => {
    if (s.shift === 0 || s.depth < 2) return null
    const n = s.window * s.window
    return tf.tensor4d(shiftMask(s.res, s.window, s.shift), [(s.res / s.window) ** 2, 1, n, n])
  })
  const resize = c.targetLength < g.imageFrames ? tf.tensor2d(bicubicResizeMatrix(g.imageFrames, c.targetLength), [g.imageFrames, c.targetLength]) : null
  // Stochastic depth: linspace(0, dropPath, total blocks) over all blocks in order, as the reference.
  const totalBlocks = c.depths.reduce((a, b) => a + b, 0)
  const dpr = (k: number) => (totalBlocks > 1 ? (c.dropPath * k) / (totalBlocks - 1) : 0)
  const { dropout: drops, methods } = paramModel(params, c, (n) => n.startsWith('tscam_conv.'), seed)

  function forward(x: tf.Tensor3D, training: boolean): ModelOutput {
    checkModelInput(x, c, 'HTS-AT')
    const B = x.shape[0]
    const dropRng = drops.rng
    let h3 = melBatchNorm(x, bn, training)
    if (resize) h3 = resampleFrames(h3, resize)
    const pw = v<tf.Tensor2D>('patch_embed.proj.weight')
    // The patch rows only need a gradient for bn0's affine weights, which a frozen model does not train.
    let h = norm(patchEmbed(h3, g.freqRatio, c.patchSize, pw, v('patch_embed.proj.bias'), !c.frozen), nw('patch_embed.norm'))
    if (training) h = dropout(h, c.dropout, dropRng)
    let k = 0
    stages.forEach(({ stage, blocks, merge }, i) => {
      const consts = windowConsts.get(stage.window)!
      blocks.forEach((w, j) => {
        const reg = { training, dropout: c.dropout, dropPath: dpr(k++), rng: dropRng }
        h = swinBlock(h, B, stage, j % 2 === 1, w, consts, masks[i], reg)
      })
      if (merge) h = patchMerge(h, B, stage.res, merge)
    })
    const out = tokenSemantic(norm(h, nw('norm')), B, g.finalRes, g.freqRatio, v('tscam_conv.weight'), v('tscam_conv.bias'))
    const logits = tf.mean(out.frameLogits, 1) as tf.Tensor2D
    const frameLogits = c.frameHead ? resampleToFrames(out.frameLogits, frameHeadFrames(c)) : out.frameLogits
    return { logits, embedding: out.embedding, frameLogits }
  }

  return {
    config: c,
    geometry: g,
    params,
    apply: tidyApply(forward),
    ...methods,
    dispose() {
      params.dispose()
      for (const w of windowConsts.values()) w.dispose()
      for (const m of masks) m?.dispose()
      resize?.dispose()
    }
  }
}
