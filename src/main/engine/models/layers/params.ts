// Named parameters with their PyTorch names and layouts. Layers keep the layout that is fastest in
// tfjs (a Linear weight as [in, out], so the forward pass is a plain matMul), and this store converts
// to and from the PyTorch state_dict layout at the edges: checkpoints, imports and ONNX export all
// go through namedWeights()/load(), so the name mapping lives in one place.
import * as tf from '@tensorflow/tfjs-core'
import type { WeightMap } from '../types'

/**
 * 'plain': same layout in tfjs and PyTorch.
 * 'linear': PyTorch [out, ...in] (Linear [out, in], Conv [out, c, kh, kw]) is held as [prod(in), out].
 */
export type TorchLayout = 'plain' | 'linear'

export interface NamedParam {
  name: string
  variable: tf.Variable
  torchShape: number[]
  layout: TorchLayout
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

/** Row-major transpose of an [rows, cols] matrix. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c]
  }
  return out
}

function toInternal(p: { torchShape: number[]; layout: TorchLayout }, data: Float32Array): tf.Tensor {
  if (p.layout === 'plain') return tf.tensor(data, p.torchShape, 'float32')
  const out = p.torchShape[0]
  const inn = size(p.torchShape) / out
  return tf.tensor2d(transpose2d(data, out, inn), [inn, out])
}

export interface ParamStore {
  /** Create a variable from PyTorch-layout values. */
  add(name: string, torchShape: number[], layout: TorchLayout, torchValues: Float32Array): tf.Variable
  get(name: string): tf.Variable
  list(): NamedParam[]
  /** Every parameter in PyTorch layout, as tensors the caller disposes. */
  namedWeights(): Map<string, tf.Tensor>
  /**
   * Overwrite parameters from PyTorch-layout weights. Every given name must be a parameter with the
   * same shape; `source` names the file in errors. Returns the names that were not given.
   */
  load(weights: WeightMap, source: string): string[]
  dispose(): void
}

export function createParamStore(): ParamStore {
  const params = new Map<string, NamedParam>()
  return {
    add(name, torchShape, layout, torchValues) {
      if (params.has(name)) throw new Error(`parameter ${name} defined twice`)
      if (torchValues.length !== size(torchShape)) throw new Error(`parameter ${name}: ${torchValues.length} values for shape [${torchShape}]`)
      const initial = toInternal({ torchShape, layout }, torchValues)
      const variable = tf.variable(initial, true)
      initial.dispose()
      params.set(name, { name, variable, torchShape: [...torchShape], layout })
      return variable
    },
    get(name) {
      const p = params.get(name)
      if (!p) throw new Error(`no parameter named ${name}`)
      return p.variable
    },
    list: () => [...params.values()],
    namedWeights() {
      const out = new Map<string, tf.Tensor>()
      for (const p of params.values()) {
        out.set(p.name, p.layout === 'plain' ? p.variable.clone() : tf.tidy(() => p.variable.transpose().reshape(p.torchShape)))
      }
      return out
    },
    load(weights, source) {
      for (const [n, w] of weights) {
        const p = params.get(n)
        if (!p) throw new Error(`${source}: tensor ${n} is not a parameter of this model`)
        if (w.shape.length !== p.torchShape.length || w.shape.some((d, i) => d !== p.torchShape[i]))
          throw new Error(`${source}: tensor ${n} has shape [${w.shape}], the model expects [${p.torchShape}]`)
      }
      for (const [n, w] of weights) {
        const p = params.get(n)!
        const t = toInternal(p, w.data)
        p.variable.assign(t)
        t.dispose()
      }
      return [...params.keys()].filter((n) => !weights.has(n))
    },
    dispose() {
      for (const p of params.values()) p.variable.dispose()
      params.clear()
    }
  }
}
