// CRNN (the DCASE SED baseline's shape) as a TagModel: x [B, T, F] → conv blocks (Conv2d 3×3 'same'
// → BatchNorm2d → ReLU → MaxPool over frequency, and over time by timePool in the first block) →
// [B, T', C·F'] → 2-layer bidirectional GRU → per-step Linear(2H, classes) → frame logits, linearly
// resampled to the frame head's rate. Clip logits are the max of the step logits (a recording holds
// the event when any step does); the embedding is the time mean of the GRU output.
// Convolutions are im2col + one matMul (tfjs-backend-wasm has no Conv2DBackpropFilter kernel), with
// the PyTorch weight [out, in, 3, 3] held as [in·9, out], so checkpoints keep PyTorch names and layouts.
import * as tf from '@tensorflow/tfjs-core'
import { makeRng, type Rng } from '../../util/rng'
import { frameHeadFrames, resampleToFrames } from '../frameHead'
import { dropout } from '../layers/dropout'
import { ones, torchDefault, zeros } from '../layers/init'
import { linear } from '../layers/linear'
import { createParamStore, type ParamStore } from '../layers/params'
import type { ModelOutput, TagModel } from '../types'
import { checkModelInput, paramModel, tidyApply } from '../paramModel'
import { crnnGeometry, type CrnnConfig, type CrnnGeometry } from './config'
import { gruDirection, type GruWeights } from './gru'
import { BN_EPS, melBatchNorm, type MelBatchNormWeights } from '../htsat/melBatchNorm'

export const CRNN_BN_EPS = BN_EPS

export interface CrnnModel extends TagModel {
  readonly config: CrnnConfig
  readonly geometry: CrnnGeometry
  readonly params: ParamStore
}

/** PyTorch nn.GRU parameter names of layer `l`, direction suffix '' or '_reverse'. */
export const gruNames = (l: number, suffix: string) => ({
  wih: `rnn.weight_ih_l${l}${suffix}`,
  whh: `rnn.weight_hh_l${l}${suffix}`,
  bih: `rnn.bias_ih_l${l}${suffix}`,
  bhh: `rnn.bias_hh_l${l}${suffix}`
})

export const GRU_DIRECTIONS = ['', '_reverse'] as const

/** PyTorch's initialisation: Conv/Linear kaiming-uniform defaults, GRU U(±1/√H), BatchNorm 1/0 with running 0/1. */
function crnnParams(c: CrnnConfig, g: CrnnGeometry, rng: Rng): ParamStore {
  const p = createParamStore()
  let cin = 1
  c.channels.forEach((cout, i) => {
    const fan = cin * 9
    p.add(`cnn.${i}.conv.weight`, [cout, cin, 3, 3], 'linear', torchDefault(rng, cout * fan, fan))
    p.add(`cnn.${i}.conv.bias`, [cout], 'plain', torchDefault(rng, cout, fan))
    p.add(`cnn.${i}.bn.weight`, [cout], 'plain', ones(cout))
    p.add(`cnn.${i}.bn.bias`, [cout], 'plain', zeros(cout))
    p.add(`cnn.${i}.bn.running_mean`, [cout], 'plain', zeros(cout)).trainable = false
    p.add(`cnn.${i}.bn.running_var`, [cout], 'plain', ones(cout)).trainable = false
    cin = cout
  })
  const H = c.hidden
  for (let l = 0; l < c.gruLayers; l++) {
    const inDim = l === 0 ? g.gruInput : 2 * H
    for (const d of GRU_DIRECTIONS) {
      const n = gruNames(l, d)
      p.add(n.wih, [3 * H, inDim], 'linear', torchDefault(rng, 3 * H * inDim, H))
      p.add(n.whh, [3 * H, H], 'linear', torchDefault(rng, 3 * H * H, H))
      p.add(n.bih, [3 * H], 'plain', torchDefault(rng, 3 * H, H))
      p.add(n.bhh, [3 * H], 'plain', torchDefault(rng, 3 * H, H))
    }
  }
  p.add('head.weight', [c.numClasses, 2 * H], 'linear', torchDefault(rng, c.numClasses * 2 * H, 2 * H))
  p.add('head.bias', [c.numClasses], 'plain', torchDefault(rng, c.numClasses, 2 * H))
  return p
}

/**
 * Conv2d 3×3, padding 1, on x [B, T, F, Cin] with w [Cin·9, Cout] (rows ordered cin, kh, kw as PyTorch
 * flattens). The nine shifted copies are concatenated along channels (tap-major), and the weight rows
 * reordered to match: tf.stack's gradient (Unpack) took seconds per step on tfjs-wasm, concat's does not.
 */
export function conv3x3(x: tf.Tensor4D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor4D {
  const [B, T, F, cin] = x.shape
  const cout = w.shape[1]
  const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
  const taps: tf.Tensor4D[] = []
  for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) taps.push(tf.slice(padded, [0, kh, kw, 0], [B, T, F, cin]))
  const cols = tf.reshape(tf.concat(taps, 3), [B * T * F, 9 * cin]) as tf.Tensor2D
  const wTap = cin === 1 ? w : (tf.reshape(tf.transpose(tf.reshape(w, [cin, 9, cout]), [1, 0, 2]), [9 * cin, cout]) as tf.Tensor2D)
  return tf.reshape(linear(cols, wTap, b, cin > 1), [B, T, F, cout]) as tf.Tensor4D
}

/**
 * BatchNorm2d over the channels of x [B, T, F, C]: HTS-AT's bn0 (PyTorch's BatchNorm, running
 * statistics, momentum 0.1) on x viewed as [B, T·F, C], which normalises per channel over B·T·F.
 */
function batchNorm(x: tf.Tensor4D, w: MelBatchNormWeights, training: boolean): tf.Tensor4D {
  const [B, T, F, C] = x.shape
  return tf.reshape(melBatchNorm(tf.reshape(x, [B, T * F, C]) as tf.Tensor3D, w, training), [B, T, F, C]) as tf.Tensor4D
}

/** MaxPool2d((pt, pf)) with floor, on [B, T, F, C] (NHWC: time is the height). */
function maxPool(x: tf.Tensor4D, pt: number, pf: number): tf.Tensor4D {
  return pt === 1 && pf === 1 ? x : tf.maxPool(x, [pt, pf], [pt, pf], 'valid')
}

export function createCrnn(config: CrnnConfig, seed: number): CrnnModel {
  const c = config
  const g = crnnGeometry(c)
  const params = crnnParams(c, g, makeRng(seed))
  const v = <T extends tf.Tensor>(n: string) => params.get(n) as unknown as T
  const gru = (l: number, d: string): GruWeights => {
    const n = gruNames(l, d)
    return { wih: v(n.wih), whh: v(n.whh), bih: v(n.bih), bhh: v(n.bhh) }
  }
  const { dropout: drops, methods } = paramModel(params, c, (n) => n.startsWith('head.'), seed)

  function forward(x: tf.Tensor3D, training: boolean): ModelOutput {
    checkModelInput(x, c, 'CRNN')
    const [B, T, F] = x.shape
    const dropRng = drops.rng
    let h = tf.reshape(x, [B, T, F, 1]) as tf.Tensor4D
    c.channels.forEach((_, i) => {
      const n = `cnn.${i}`
      h = conv3x3(h, v(`${n}.conv.weight`), v(`${n}.conv.bias`))
      const bn = { gamma: params.get(`${n}.bn.weight`), beta: params.get(`${n}.bn.bias`), runningMean: params.get(`${n}.bn.running_mean`), runningVar: params.get(`${n}.bn.running_var`) }
      h = batchNorm(h, bn, training)
      h = maxPool(tf.relu(h), i === 0 ? c.timePool : 1, c.freqPools[i])
      if (training) h = dropout(h, c.dropout, dropRng) as tf.Tensor4D
    })
    // [B, T', F', C] → [B, T', C·F'] (channel-major features, as PyTorch's permute(0, 2, 1, 3).reshape).
    const [, steps, fOut, ch] = h.shape
    let seq = tf.reshape(tf.transpose(h, [0, 1, 3, 2]), [B, steps, ch * fOut]) as tf.Tensor3D
    for (let l = 0; l < c.gruLayers; l++) {
      seq = tf.concat(GRU_DIRECTIONS.map((d, k) => gruDirection(seq, gru(l, d), k === 1)), 2) as tf.Tensor3D
      if (training) seq = dropout(seq, c.dropout, dropRng) as tf.Tensor3D
    }
    const D = 2 * c.hidden
    const steps3 = tf.reshape(linear(tf.reshape(seq, [B * steps, D]) as tf.Tensor2D, v('head.weight'), v('head.bias')), [B, steps, c.numClasses]) as tf.Tensor3D
    const logits = tf.max(steps3, 1) as tf.Tensor2D
    const embedding = tf.mean(seq, 1) as tf.Tensor2D
    const frameLogits = c.frameHead ? resampleToFrames(steps3, frameHeadFrames(c)) : steps3
    return { logits, embedding, frameLogits }
  }

  return {
    config: c,
    geometry: g,
    params,
    apply: tidyApply(forward),
    ...methods,
    dispose: () => params.dispose()
  }
}
