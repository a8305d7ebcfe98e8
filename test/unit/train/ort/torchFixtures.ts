// Reading the PyTorch gradient fixtures of test/fixtures/train/ort (make_grad_fixtures.py): flat
// float32 arrays cut into named tensors, and tfjs-layout gradients turned into PyTorch's layout.
import type { WeightMap } from '../../../../src/main/engine/models/types'

/** Cuts `flat` into the named tensors of `list`, in order; throws when the sizes do not add up. */
export function splitFlat(list: { name: string; shape: number[] }[], flat: Float32Array): WeightMap {
  const out: WeightMap = new Map()
  let o = 0
  for (const { name, shape } of list) {
    const n = shape.reduce((a, b) => a * b, 1)
    out.set(name, { shape, data: flat.slice(o, o + n) })
    o += n
  }
  if (o !== flat.length) throw new Error(`fixture: ${flat.length} values, the list names ${o}`)
  return out
}

/** A tfjs-layout gradient ([prod(in), out] for 'linear' parameters) in PyTorch's layout. */
export function torchLayout(data: Float32Array, layout: string, torchShape: number[]): Float32Array {
  if (layout === 'plain') return data
  const out = torchShape[0]
  const inn = data.length / out
  const t = new Float32Array(data.length)
  for (let r = 0; r < inn; r++) for (let c = 0; c < out; c++) t[c * inn + r] = data[r * out + c]
  return t
}
