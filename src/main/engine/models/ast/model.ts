// Audio Spectrogram Transformer (YuanGongND/ast ast_models.py on timm 0.4.5's distilled DeiT), built
// so that it trains on tfjs-wasm: the patch embedding is a fixed gather of the input's 16×16
// patches followed by a [256, D] product (wasm has no Conv2DBackpropFilter and no gather gradient,
// and the gather only touches the input), the position embedding is a plain variable, and every
// product goes through the fast-gradient layers in ./layers.
import * as tf from '@tensorflow/tfjs-core'
import { makeRng, type Rng } from '../../util/rng'
import { AST_PATCH, astGrid, type AstConfig } from './config'
import type { TagModel } from '../types'
import { createParamStore, type ParamStore } from '../layers/params'
import { ones, torchDefault, truncNormal, zeros } from '../layers/init'
import { linear } from '../layers/linear'
import { layerNorm } from '../layers/layerNorm'
import { mlp, type MlpWeights } from '../layers/mlp'
import { selfAttention, type AttentionWeights } from '../layers/attention'
import { dropout, dropPath, keepMask } from '../layers/dropout'
import { concatAxis1, takeAxis1 } from '../layers/pieces'
import { customOp } from '../layers/customOp'
import { frameHeadApply, frameHeadFrames, frameHeadWeights } from '../frameHead'
import { checkModelInput, paramModel, tidyApply } from '../paramModel'

export interface AstModel extends TagModel {
  readonly config: AstConfig
  /** Patch grid: fDim × tDim patches, frequency-major (token 2 + i·tDim + j is patch (i, j)). */
  readonly grid: { fDim: number; tDim: number }
  /** Parameters under their reference names, with their layouts. */
  readonly params: ParamStore
}

/**
 * The reference's parameters with their initialisation: timm's (trunc_normal 0.02 for tokens,
 * position embedding and Linear weights, zero biases, LayerNorm 1/0) for the DeiT parts, PyTorch
 * defaults for the two layers AST adds itself (the 1-channel patch conv and mlp_head).
 */
function astParams(c: AstConfig, tokens: number, rng: Rng): ParamStore {
  const p = createParamStore()
  const D = c.embedDim
  const norm = (name: string) => {
    p.add(`${name}.weight`, [D], 'plain', ones(D))
    p.add(`${name}.bias`, [D], 'plain', zeros(D))
  }
  const timmLinear = (name: string, out: number, inn: number) => {
    p.add(`${name}.weight`, [out, inn], 'linear', truncNormal(rng, out * inn))
    p.add(`${name}.bias`, [out], 'plain', zeros(out))
  }
  const kk = AST_PATCH * AST_PATCH
  p.add('v.patch_embed.proj.weight', [D, 1, AST_PATCH, AST_PATCH], 'linear', torchDefault(rng, D * kk, kk))
  p.add('v.patch_embed.proj.bias', [D], 'plain', torchDefault(rng, D, kk))
  p.add('v.cls_token', [1, 1, D], 'plain', truncNormal(rng, D))
  p.add('v.dist_token', [1, 1, D], 'plain', truncNormal(rng, D))
  p.add('v.pos_embed', [1, tokens, D], 'plain', truncNormal(rng, tokens * D))
  for (let i = 0; i < c.depth; i++) {
    const b = `v.blocks.${i}`
    norm(`${b}.norm1`)
    timmLinear(`${b}.attn.qkv`, 3 * D, D)
    timmLinear(`${b}.attn.proj`, D, D)
    norm(`${b}.norm2`)
    timmLinear(`${b}.mlp.fc1`, 4 * D, D)
    timmLinear(`${b}.mlp.fc2`, D, 4 * D)
  }
  norm('v.norm')
  norm('mlp_head.0')
  p.add('mlp_head.1.weight', [c.numClasses, D], 'linear', torchDefault(rng, c.numClasses * D, D))
  p.add('mlp_head.1.bias', [c.numClasses], 'plain', torchDefault(rng, c.numClasses, D))
  return p
}

/**
 * Flat indices into x [T, F] (row-major, per sample) of every patch element, in the order the
 * reference's Conv2d on (B, 1, F, T) sees them: patch (i, j) at frequency i·fstride and time
 * j·tstride, patches frequency-major (flatten(2) of the conv output), and inside a patch the kernel
 * offset (kh along frequency, kw along time) at kh·16 + kw, which is the conv weight's own layout.
 */
export function astPatchIndices(c: Pick<AstConfig, 'melBins' | 'targetLength' | 'fstride' | 'tstride'>): Int32Array {
  const { fDim, tDim } = astGrid(c)
  const kk = AST_PATCH * AST_PATCH
  const idx = new Int32Array(fDim * tDim * kk)
  let o = 0
  for (let i = 0; i < fDim; i++)
    for (let j = 0; j < tDim; j++)
      for (let kh = 0; kh < AST_PATCH; kh++)
        for (let kw = 0; kw < AST_PATCH; kw++) idx[o++] = (j * c.tstride + kw) * c.melBins + (i * c.fstride + kh)
  return idx
}

interface BlockWeights {
  norm1: [tf.Tensor1D, tf.Tensor1D]
  attn: AttentionWeights
  norm2: [tf.Tensor1D, tf.Tensor1D]
  mlp: MlpWeights
}

export function createAst(config: AstConfig, seed: number): AstModel {
  const c = config
  const grid = astGrid(c)
  const patches = grid.fDim * grid.tDim
  const tokens = patches + 2
  const D = c.embedDim
  const params = astParams(c, tokens, makeRng(seed))
  const indices = tf.tensor1d(astPatchIndices(c), 'int32')
  const v1 = (n: string) => params.get(n) as unknown as tf.Tensor1D
  const v2 = (n: string) => params.get(n) as unknown as tf.Tensor2D
  const ln = (n: string): [tf.Tensor1D, tf.Tensor1D] => [v1(`${n}.weight`), v1(`${n}.bias`)]
  const lin = (n: string): [tf.Tensor2D, tf.Tensor1D] => [v2(`${n}.weight`), v1(`${n}.bias`)]
  const blocks: BlockWeights[] = Array.from({ length: c.depth }, (_, i) => {
    const b = `v.blocks.${i}`
    const [qkvW, qkvB] = lin(`${b}.attn.qkv`)
    const [projW, projB] = lin(`${b}.attn.proj`)
    const [fc1W, fc1B] = lin(`${b}.mlp.fc1`)
    const [fc2W, fc2B] = lin(`${b}.mlp.fc2`)
    return { norm1: ln(`${b}.norm1`), attn: { qkvW, qkvB, projW, projB }, norm2: ln(`${b}.norm2`), mlp: { fc1W, fc1B, fc2W, fc2B } }
  })
  // timm: drop-path rate rises linearly from 0 (first block) to dropPath (last block).
  const dpr = blocks.map((_, i) => (c.depth > 1 ? (c.dropPath * i) / (c.depth - 1) : c.dropPath))
  // Frame head (frameHead.ts) on the patch tokens when asked for; its own init stream keeps the rest of the init unchanged.
  const frameHead = c.frameHead ? frameHeadWeights(params, D, c.numClasses, makeRng(seed ^ 0xf4a3e)) : null
  const { dropout: drops, methods } = paramModel(params, c, (n) => n.startsWith('mlp_head.') || n.startsWith('frame_head.'), seed)

  /** Patch embedding, tokens and blocks: [B·(N+2), D] before the final norm. */
  function trunk(x: tf.Tensor3D, training: boolean): tf.Tensor2D {
    checkModelInput(x, c, 'AST')
    const [B, T, F] = x.shape
    const dropRng = drops.rng
    const drop = training ? c.dropout : 0
    const kk = AST_PATCH * AST_PATCH
    const cols = tf.reshape(tf.gather(tf.reshape(x, [B, T * F]), indices, 1), [B * patches, kk]) as tf.Tensor2D
    const [pw, pb] = lin('v.patch_embed.proj')
    const emb = tf.reshape(linear(cols, pw, pb, false), [B, patches, D]) as tf.Tensor3D
    const cls = tf.broadcastTo(params.get('v.cls_token'), [B, 1, D]) as tf.Tensor3D
    const dist = tf.broadcastTo(params.get('v.dist_token'), [B, 1, D]) as tf.Tensor3D
    const seq = tf.add(concatAxis1([cls, dist, emb]), params.get('v.pos_embed'))
    let h = tf.reshape(dropout(seq, drop, dropRng), [B * tokens, D]) as tf.Tensor2D
    blocks.forEach((w, i) => {
      const dp = training ? dpr[i] : 0
      const a = selfAttention(layerNorm(h, ...w.norm1, c.blockEps), B, tokens, c.heads, w.attn)
      h = tf.add(h, dropPath(dropout(a, drop, dropRng), B, dp, dropRng))
      const mask = drop > 0 ? (keepMask([B * tokens, 4 * D], drop, dropRng) as tf.Tensor2D) : null
      const m = dropout(mlp(layerNorm(h, ...w.norm2, c.blockEps), w.mlp, mask), drop, dropRng)
      h = tf.add(h, dropPath(m, B, dp, dropRng))
    })
    return h
  }

  // A frozen backbone runs inside a custom op: its forward is not recorded on the gradient tape, so
  // training the head alone costs about one forward pass, with nothing saved for a backward pass.
  const frozenTrunk = (training: boolean) =>
    customOp(([x]) => ({ value: trunk(x as tf.Tensor3D, training), gradFunc: () => [tf.zerosLike(x)] }))
  const frozenTrunks = [frozenTrunk(false), frozenTrunk(true)]

  return {
    config: c,
    grid,
    params,
    apply: tidyApply((x, training) => {
      const B = x.shape[0]
      const h = tf.reshape(c.frozen ? frozenTrunks[Number(training)](x) : trunk(x, training), [B, tokens, D]) as tf.Tensor3D
      // The final norm is per token and only cls and dist are pooled: normalise just those two.
      const two = layerNorm(tf.reshape(takeAxis1(h, 0, 2), [B * 2, D]), ...ln('v.norm'), c.blockEps)
      const embedding = tf.mul(tf.sum(tf.reshape(two, [B, 2, D]), 1), 0.5) as tf.Tensor2D
      const logits = linear(layerNorm(embedding, ...ln('mlp_head.0'), c.headEps), ...lin('mlp_head.1'))
      if (!frameHead) return { logits, embedding }
      const patchRows = tf.reshape(takeAxis1(h, 2, patches), [B * patches, D]) as tf.Tensor2D
      const patchTokens = tf.reshape(layerNorm(patchRows, ...ln('v.norm'), c.blockEps), [B, patches, D]) as tf.Tensor3D
      return { logits, embedding, frameLogits: frameHeadApply(patchTokens, grid.fDim, grid.tDim, frameHead, frameHeadFrames(c)) }
    }),
    ...methods,
    dispose() {
      params.dispose()
      indices.dispose()
    }
  }
}
