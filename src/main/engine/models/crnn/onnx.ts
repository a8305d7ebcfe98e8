// The CRNN (models/crnn) as an ONNX graph: the conv blocks as real Conv → BatchNormalization (running
// statistics) → Relu → MaxPool on [B, 1, T, F], then ONNX's own GRU op (direction "bidirectional",
// linear_before_reset = 1, which is PyTorch's GRU) for each layer, the per-step Linear head, and the
// frame head's linear resampling as a constant MatMul.
import { linearResampleMatrix } from '../frameHead'
import { crnnGeometry, type CrnnConfig } from './config'
import { CRNN_BN_EPS, GRU_DIRECTIONS, gruNames } from './model'
import type { GraphBuilder, WeightSource } from '../../infer/onnxGraph'

export interface CrnnGraphOutputs {
  logits: string
  embedding: string
  frameLogits: string
}

/** PyTorch's gate blocks (r, z, n) of a [3H, …] tensor reordered to ONNX's (z, r, h). */
export function torchGatesToOnnx(data: Float32Array, hidden: number): Float32Array {
  const block = data.length / 3
  if (block !== Math.floor(block) || block % hidden !== 0) throw new Error(`GRU gates: ${data.length} values do not split into 3 × ${hidden} rows`)
  const out = new Float32Array(data.length)
  out.set(data.subarray(block, 2 * block), 0) // z
  out.set(data.subarray(0, block), block) // r
  out.set(data.subarray(2 * block), 2 * block) // n
  return out
}

/** Builds the CRNN from `fbank` [B, T, F] (normalised input, as the tfjs model takes it). */
export function buildCrnnGraph(g: GraphBuilder, fbank: string, c: CrnnConfig, w: WeightSource, frameHeadFrames: number | null): CrnnGraphOutputs {
  const geo = crnnGeometry(c)
  let h = g.op('Reshape', [fbank, g.ints([0, 1, c.targetLength, c.melBins])], {}, 'image')
  let cin = 1
  c.channels.forEach((cout, i) => {
    const n = `cnn.${i}`
    const cw = g.weight(`${n}.conv.weight`, [cout, cin, 3, 3], w(`${n}.conv.weight`, [cout, cin, 3, 3]))
    const cb = g.weight(`${n}.conv.bias`, [cout], w(`${n}.conv.bias`, [cout]))
    h = g.op('Conv', [h, cw, cb], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, `${n}.conv`)
    const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => g.weight(`${n}.bn.${k}`, [cout], w(`${n}.bn.${k}`, [cout])))
    h = g.op('Relu', [g.op('BatchNormalization', [h, ...bn], { epsilon: { float: CRNN_BN_EPS } }, `${n}.bn`)])
    const pool = [i === 0 ? c.timePool : 1, c.freqPools[i]]
    h = g.op('MaxPool', [h], { kernel_shape: pool, strides: pool }, `${n}.pool`)
    cin = cout
  })
  // [B, C, T', F'] → [T', B, C·F'] (sequence-major, as ONNX's GRU takes it by default).
  let seq = g.op('Reshape', [g.op('Transpose', [h], { perm: [2, 0, 1, 3] }), g.ints([0, 0, geo.gruInput])], {}, 'rnn_in')
  const H = c.hidden
  for (let l = 0; l < c.gruLayers; l++) {
    const inDim = l === 0 ? geo.gruInput : 2 * H
    const parts = GRU_DIRECTIONS.map((d) => {
      const n = gruNames(l, d)
      return {
        W: torchGatesToOnnx(w(n.wih, [3 * H, inDim]), H),
        R: torchGatesToOnnx(w(n.whh, [3 * H, H]), H),
        Wb: torchGatesToOnnx(w(n.bih, [3 * H]), H),
        Rb: torchGatesToOnnx(w(n.bhh, [3 * H]), H)
      }
    })
    const cat = (xs: Float32Array[]) => {
      const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0))
      let o = 0
      for (const x of xs) out.set(x, (o += x.length) - x.length)
      return out
    }
    const W = g.weight(`rnn.l${l}.W`, [2, 3 * H, inDim], cat(parts.map((p) => p.W)))
    const R = g.weight(`rnn.l${l}.R`, [2, 3 * H, H], cat(parts.map((p) => p.R)))
    const B = g.weight(`rnn.l${l}.B`, [2, 6 * H], cat(parts.flatMap((p) => [p.Wb, p.Rb])))
    const [y] = g.opN('GRU', [seq, W, R, B], 2, { hidden_size: H, direction: 'bidirectional', linear_before_reset: 1 }, `rnn.l${l}`)
    // Y [T', 2, B, H] → [T', B, 2H]: forward then backward features, as PyTorch concatenates them.
    seq = g.op('Reshape', [g.op('Transpose', [y], { perm: [0, 2, 1, 3] }), g.ints([0, 0, 2 * H])], {}, `rnn.l${l}.out`)
  }
  const out = g.op('Transpose', [seq], { perm: [1, 0, 2] }, 'rnn_out')
  const embedding = g.op('ReduceMean', [out], { axes: [1], keepdims: 0 }, 'embedding')
  const K = c.numClasses
  // head: MatMul with the [2H, K] transpose of PyTorch's [K, 2H] weight, then the bias.
  const hw = w('head.weight', [K, 2 * H])
  const headT = new Float32Array(hw.length)
  for (let k = 0; k < K; k++) for (let d = 0; d < 2 * H; d++) headT[d * K + k] = hw[k * 2 * H + d]
  const steps = g.op('Add', [g.op('MatMul', [out, g.weight('head.weight_t', [2 * H, K], headT)], {}, 'head'), g.weight('head.bias', [K], w('head.bias', [K]))], {}, 'head')
  const logits = g.op('ReduceMax', [steps], { axes: [1], keepdims: 0 }, 'clip_logits')
  const frameLogits =
    frameHeadFrames !== null && frameHeadFrames !== geo.steps
      ? g.op('MatMul', [g.weight('frame_head.resample', [frameHeadFrames, geo.steps], linearResampleMatrix(frameHeadFrames, geo.steps)), steps], {}, 'frame_resampled')
      : steps
  return { logits, embedding, frameLogits }
}
