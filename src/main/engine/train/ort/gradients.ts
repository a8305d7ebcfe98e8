// Reverse-mode gradients over a GraphBuilder's nodes, emitted as more ONNX nodes into the same
// builder, in the spirit of ONNX Runtime's training gradient builder (orttraining's
// gradient_builder.cc): one rule per op, static shapes to sum broadcast gradients back to their
// input's shape, and the MatMul of a batched activation by a 2-D weight differentiated as one Gemm
// over the flattened batch (no per-sample products to sum). Only what leads from the `wrt` tensors
// to the seeded outputs is differentiated: a frozen backbone adds no backward nodes at all.
import type { GraphBuilder, NodeRecord } from '../../infer/onnxGraph'
import type { Shapes } from './shapes'

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis)
const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i])

/** Gradient rules of these ops exist (Gather of trained data only along axis 0 by constant 1-D indices). */
export const DIFFERENTIABLE_OPS = [
  'Identity', 'Add', 'Sub', 'Mul', 'Div', 'MatMul', 'Transpose', 'Reshape', 'Split', 'Concat', 'Slice', 'Softmax', 'Erf',
  'LayerNormalization', 'ReduceMean', 'Expand', 'Gather', 'Unsqueeze', 'Sqrt', 'com.microsoft:Gelu'
] as const

/** Sums `grad` (of shape `from`) over the broadcast axes back to shape `to`. */
function reduceTo(g: GraphBuilder, grad: string, from: number[], to: number[]): string {
  if (same(from, to)) return grad
  const lead = from.length - to.length
  const axes: number[] = []
  from.forEach((d, i) => {
    const t = i < lead ? 1 : to[i - lead]
    if (i < lead || (t === 1 && d !== 1)) axes.push(i)
  })
  const summed = axes.length > 0 ? g.op('ReduceSum', [grad, g.ints(axes)], { keepdims: 1 }, 'grad_sum') : grad
  return g.op('Reshape', [summed, g.ints(to)], {}, 'grad_shape')
}

const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]

type Rule = (g: GraphBuilder, n: NodeRecord, gys: (string | null)[], need: boolean[], shape: (t: string) => number[]) => (string | null)[]

const RULES: Record<string, Rule> = {
  Identity: (_g, _n, [gy]) => [gy],
  Add: (g, n, [gy], need, shape) => n.inputs.map((x, i) => (need[i] ? reduceTo(g, gy!, shape(n.outputs[0]), shape(x)) : null)),
  Sub: (g, n, [gy], need, shape) => [
    need[0] ? reduceTo(g, gy!, shape(n.outputs[0]), shape(n.inputs[0])) : null,
    need[1] ? reduceTo(g, g.op('Neg', [gy!]), shape(n.outputs[0]), shape(n.inputs[1])) : null
  ],
  Mul: (g, n, [gy], need, shape) => {
    const [a, b] = n.inputs
    return [
      need[0] ? reduceTo(g, g.op('Mul', [gy!, b], {}, 'grad_mul'), shape(n.outputs[0]), shape(a)) : null,
      need[1] ? reduceTo(g, g.op('Mul', [gy!, a], {}, 'grad_mul'), shape(n.outputs[0]), shape(b)) : null
    ]
  },
  Div: (g, n, [gy], need, shape) => {
    const [a, b] = n.inputs
    const y = n.outputs[0]
    return [
      need[0] ? reduceTo(g, g.op('Div', [gy!, b], {}, 'grad_div'), shape(y), shape(a)) : null,
      // d(a/b)/db = −(a/b)/b
      need[1] ? reduceTo(g, g.op('Neg', [g.op('Div', [g.op('Mul', [gy!, y]), b])]), shape(y), shape(b)) : null
    ]
  },
  MatMul: (g, n, [gy], need, shape) => {
    const [a, b] = n.inputs
    const sa = shape(a)
    const sb = shape(b)
    const sy = shape(n.outputs[0])
    const K = sa[sa.length - 1]
    const M = sy[sy.length - 1]
    let ga: string | null = null
    let gb: string | null = null
    if (need[0]) {
      if (sb.length === 2) {
        // dA = dY · Bᵀ over the flattened batch.
        const flat = g.op('Gemm', [g.op('Reshape', [gy!, g.ints([-1, M])]), b], { transB: 1 }, 'grad_matmul_a')
        ga = reduceTo(g, g.op('Reshape', [flat, g.ints([...sy.slice(0, -1), K])]), [...sy.slice(0, -1), K], sa)
      } else ga = reduceTo(g, g.op('MatMul', [gy!, g.op('Transpose', [b], { perm: swapLast(sb.length) })], {}, 'grad_matmul_a'), [...sy.slice(0, -1), K], sa)
    }
    if (need[1]) {
      if (sb.length === 2) {
        // dB = Aᵀ · dY with every batch row of A as one more row: a single Gemm.
        gb = g.op('Gemm', [g.op('Reshape', [a, g.ints([-1, K])]), g.op('Reshape', [gy!, g.ints([-1, M])])], { transA: 1 }, 'grad_matmul_b')
      } else {
        const full = [...sy.slice(0, -2), K, M]
        gb = reduceTo(g, g.op('MatMul', [g.op('Transpose', [a], { perm: swapLast(sa.length) }), gy!], {}, 'grad_matmul_b'), full, sb)
      }
    }
    return [ga, gb]
  },
  Transpose: (g, n, [gy], _need, shape) => {
    const rank = shape(n.inputs[0]).length
    const perm = (n.attrs.perm as number[] | undefined) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i)
    const inverse = new Array<number>(rank)
    perm.forEach((p, i) => (inverse[p] = i))
    return [g.op('Transpose', [gy!], { perm: inverse }, 'grad_transpose')]
  },
  Reshape: (g, n, [gy], _need, shape) => [g.op('Reshape', [gy!, g.ints(shape(n.inputs[0]))], {}, 'grad_reshape'), null],
  Unsqueeze: (g, n, [gy], _need, shape) => [g.op('Reshape', [gy!, g.ints(shape(n.inputs[0]))], {}, 'grad_reshape'), null],
  Expand: (g, n, [gy], _need, shape) => [reduceTo(g, gy!, shape(n.outputs[0]), shape(n.inputs[0])), null],
  Split: (g, n, gys, _need, shape) => {
    const parts = n.outputs.map((o, i) => gys[i] ?? g.op('Expand', [g.scalar(0), g.ints(shape(o))], {}, 'grad_zeros'))
    return [g.op('Concat', parts, { axis: (n.attrs.axis as number | undefined) ?? 0 }, 'grad_split'), null]
  },
  Concat: (g, n, [gy], need, shape) => {
    const rank = shape(n.outputs[0]).length
    const axis = axisOf(n.attrs.axis as number, rank)
    const sizes = n.inputs.map((x) => shape(x)[axis])
    const parts = g.opN('Split', [gy!, g.ints(sizes)], n.inputs.length, { axis }, 'grad_concat')
    return parts.map((p, i) => (need[i] ? p : null))
  },
  Slice: (g, n, [gy], _need, shape) => {
    // Zero-pad the slice's gradient back to the input (steps of 1 only).
    const sx = shape(n.inputs[0])
    const starts = g.intsOf(n.inputs[1])!
    const ends = g.intsOf(n.inputs[2])!
    const axes = n.inputs[3] ? g.intsOf(n.inputs[3])! : starts.map((_, i) => i)
    if (n.inputs[4] && g.intsOf(n.inputs[4])!.some((s) => s !== 1)) throw new Error('no gradient rule for a strided Slice')
    const pads = new Array<number>(2 * sx.length).fill(0)
    axes.forEach((a, k) => {
      const ax = axisOf(a, sx.length)
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + sx[ax] : v, 0), sx[ax])
      pads[ax] = clamp(starts[k])
      pads[sx.length + ax] = sx[ax] - clamp(ends[k])
    })
    return [g.op('Pad', [gy!, g.ints(pads)], {}, 'grad_slice')]
  },
  Softmax: (g, n, [gy], _need, shape) => {
    // dx = y · (dy − Σ dy·y) over the softmax axis.
    const y = n.outputs[0]
    const rank = shape(y).length
    const axis = axisOf((n.attrs.axis as number | undefined) ?? -1, rank)
    const dot = g.op('ReduceSum', [g.op('Mul', [gy!, y]), g.ints([axis])], { keepdims: 1 }, 'grad_softmax_dot')
    return [g.op('Mul', [g.op('Sub', [gy!, dot]), y], {}, 'grad_softmax')]
  },
  'com.microsoft:Gelu': (g, n, [gy]) => {
    // d/dx x·Φ(x) = Φ(x) + x·φ(x). Φ(x) is read off the output y = x·Φ(x) (kept anyway: the next
    // Linear's weight gradient needs it) as y/x, 0.5 at x = 0; ORT's Erf kernel is slow.
    const x = n.inputs[0]
    const cdf = g.op('Where', [g.op('Equal', [x, g.scalar(0)]), g.scalar(0.5), g.op('Div', [n.outputs[0], x])])
    const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [g.op('Mul', [x, x]), g.scalar(-0.5)])]), g.scalar(1 / Math.sqrt(2 * Math.PI))])
    return [g.op('Mul', [gy!, g.op('Add', [cdf, g.op('Mul', [x, pdf])])], {}, 'grad_gelu')]
  },
  Erf: (g, n, [gy]) => {
    const x = n.inputs[0]
    const dens = g.op('Exp', [g.op('Neg', [g.op('Mul', [x, x])])])
    return [g.op('Mul', [gy!, g.op('Mul', [dens, g.scalar(2 / Math.sqrt(Math.PI))])], {}, 'grad_erf')]
  },
  ReduceMean: (g, n, [gy], _need, shape) => {
    const sx = shape(n.inputs[0])
    const axes = (n.attrs.axes as number[]).map((a) => axisOf(a, sx.length))
    const kept = sx.map((d, i) => (axes.includes(i) ? 1 : d))
    const count = axes.reduce((p, a) => p * sx[a], 1)
    const scaled = g.op('Mul', [g.op('Reshape', [gy!, g.ints(kept)]), g.scalar(1 / count)])
    return [g.op('Expand', [scaled, g.ints(sx)], {}, 'grad_mean')]
  },
  LayerNormalization: (g, n, [gy], need, shape) => {
    // With x̂ = (x − μ)·r (r = 1/σ, the node's Mean and InvStdDev outputs) and h = dy·γ:
    // dx = r·(h − mean(h) − x̂·mean(h·x̂)), dγ = Σ dy·x̂, dβ = Σ dy over the leading axes.
    const [x, gamma] = n.inputs
    if (n.outputs.length < 3) throw new Error('LayerNormalization gradient needs the Mean and InvStdDev outputs')
    const [y, mean, inv] = n.outputs
    const sy = shape(y)
    const xhat = g.op('Mul', [g.op('Sub', [x, mean]), inv], {}, 'grad_ln_xhat')
    const out: (string | null)[] = [null, null, null]
    if (need[0]) {
      const h = g.op('Mul', [gy!, gamma])
      const mh = g.op('ReduceMean', [h], { axes: [-1], keepdims: 1 })
      const mhx = g.op('ReduceMean', [g.op('Mul', [h, xhat])], { axes: [-1], keepdims: 1 })
      out[0] = g.op('Mul', [g.op('Sub', [g.op('Sub', [h, mh]), g.op('Mul', [xhat, mhx])]), inv], {}, 'grad_ln_x')
    }
    if (need[1]) out[1] = reduceTo(g, g.op('Mul', [gy!, xhat]), sy, shape(gamma))
    if (need[2]) out[2] = reduceTo(g, gy!, sy, shape(n.inputs[2]))
    return out
  },
  Gather: (g, n, [gy], need, shape) => {
    if (!need[0]) return [null, null]
    // Constant 1-D indices along axis 0 (HTS-AT's relative position bias): the scatter-add of the
    // incoming rows is a product with the constant one-hot [rows, K], shared by every Gather of the
    // same indices and table height.
    const sx = shape(n.inputs[0])
    const idx = g.intsOf(n.inputs[1])
    if (!idx || axisOf((n.attrs.axis as number | undefined) ?? 0, sx.length) !== 0)
      throw new Error(`no gradient rule for Gather of trained data (${n.inputs[0]}) but along axis 0 by constant 1-D indices`)
    const rows = sx[0]
    const rest = sx.slice(1).reduce((a, b) => a * b, 1)
    const name = `gather_grad_onehot_${n.inputs[1]}_${rows}`
    if (!g.dimsOf(name)) {
      const oneHot = new Float32Array(rows * idx.length)
      idx.forEach((r, k) => {
        if (r < -rows || r >= rows) throw new Error(`Gather gradient: index ${r} outside ${rows} rows`)
        oneHot[(r < 0 ? r + rows : r) * idx.length + k] = 1
      })
      g.weight(name, [rows, idx.length], oneHot)
    }
    const summed = g.op('MatMul', [name, g.op('Reshape', [gy!, g.ints([idx.length, rest])])], {}, 'grad_gather')
    return [g.op('Reshape', [summed, g.ints(sx)], {}, 'grad_gather'), null]
  },
  Sqrt: (g, n, [gy]) => [g.op('Div', [g.op('Mul', [gy!, g.scalar(0.5)]), n.outputs[0]], {}, 'grad_sqrt')]
}

/**
 * Adds the nodes that compute d(seeded outputs)/d(wrt) and returns, per name in `wrt`, the tensor
 * holding its gradient. `seeds` maps forward tensors to their incoming gradients (the loss's
 * gradient w.r.t. the logits, say). A `wrt` tensor the seeds do not depend on gets an explicit zero.
 */
export function addGradients(g: GraphBuilder, forward: readonly NodeRecord[], shapes: Shapes, seeds: Map<string, string>, wrt: string[]): Map<string, string> {
  const shape = (t: string): number[] => {
    const s = shapes.get(t) ?? g.dimsOf(t)
    if (!s) throw new Error(`gradients: no shape for ${t}`)
    return s
  }
  // Which tensors depend on a wrt tensor.
  const live = new Set(wrt)
  for (const n of forward) if (n.opType !== 'Shape' && n.inputs.some((x) => live.has(x))) for (const o of n.outputs) live.add(o)

  const pending = new Map<string, string[]>()
  const push = (t: string, grad: string) => {
    const list = pending.get(t)
    if (list) list.push(grad)
    else pending.set(t, [grad])
  }
  const total = (t: string): string | null => {
    const list = pending.get(t)
    if (!list || list.length === 0) return null
    const sum = list.length === 1 ? list[0] : g.op('Sum', list, {}, 'grad_acc')
    pending.set(t, [sum])
    return sum
  }
  for (const [t, grad] of seeds) push(t, grad)

  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k]
    if (!n.outputs.some((o) => live.has(o))) continue
    const gys = n.outputs.map(total)
    if (gys.every((x) => x === null)) continue
    const rule = RULES[n.opType]
    if (!rule) throw new Error(`no gradient rule for ONNX op ${n.opType}`)
    const need = n.inputs.map((x) => live.has(x))
    const gxs = rule(g, n, gys, need, shape)
    n.inputs.forEach((x, i) => {
      if (need[i] && gxs[i]) push(x, gxs[i]!)
    })
  }
  return new Map(wrt.map((w) => [w, total(w) ?? g.op('Expand', [g.scalar(0), g.ints(shape(w))], {}, 'grad_zeros')]))
}
