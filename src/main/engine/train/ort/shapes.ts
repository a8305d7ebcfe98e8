// Static shape inference over the nodes a GraphBuilder recorded, for the ops the models use. The
// gradient pass needs every forward tensor's shape (a broadcast Add's gradient is summed back to its
// input's shape), and training graphs have static shapes: one graph per batch size.
import type { GraphBuilder, NodeRecord } from '../../infer/onnxGraph'

export type Shapes = Map<string, number[]>

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1)
const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis)

/** NumPy broadcasting of two shapes; throws when they do not broadcast. */
export function broadcastShapes(a: number[], b: number[], where: string): number[] {
  const r = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1
    const y = b[b.length - r + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) throw new Error(`${where}: shapes [${a}] and [${b}] do not broadcast`)
    out.push(x === 1 ? y : x)
  }
  return out
}

/** ONNX Reshape's target: 0 copies the input's dimension, −1 takes what is left. */
function reshapeTarget(input: number[], spec: number[]): number[] {
  const out = spec.map((d, i) => (d === 0 ? input[i] : d))
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1)
  return out.map((d) => (d === -1 ? numel(input) / known : d))
}

function inferNode(g: GraphBuilder, n: NodeRecord, shapeOf: (name: string) => number[]): number[][] {
  const ints = (name: string) => {
    const v = g.intsOf(name)
    if (!v) throw new Error(`shape inference: ${n.opType} needs the constant ${name}`)
    return v
  }
  const x = () => shapeOf(n.inputs[0])
  switch (n.opType) {
    case 'Identity':
    case 'Erf':
    case 'Softmax':
    case 'LogSoftmax':
    case 'Sqrt':
    case 'Neg':
    case 'Exp':
    case 'Log':
    case 'Relu':
    case 'Abs':
    case 'Sigmoid':
    case 'com.microsoft:Gelu':
      return [x()]
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Pow':
    case 'Max':
      return [broadcastShapes(x(), shapeOf(n.inputs[1]), n.opType)]
    case 'MatMul': {
      const a = x()
      const b = shapeOf(n.inputs[1])
      if (a.length < 2 || b.length < 2) throw new Error('shape inference: MatMul of vectors is not supported')
      if (a[a.length - 1] !== b[b.length - 2]) throw new Error(`MatMul: [${a}] × [${b}]`)
      const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), 'MatMul')
      return [[...batch, a[a.length - 2], b[b.length - 1]]]
    }
    case 'Gemm': {
      const a = x()
      const b = shapeOf(n.inputs[1])
      return [[n.attrs.transA ? a[1] : a[0], n.attrs.transB ? b[0] : b[1]]]
    }
    case 'Transpose': {
      const s = x()
      const perm = (n.attrs.perm as number[] | undefined) ?? s.map((_, i) => s.length - 1 - i)
      return [perm.map((p) => s[p])]
    }
    case 'Reshape':
      return [reshapeTarget(x(), ints(n.inputs[1]))]
    case 'Gather': {
      const s = x()
      const axis = axisOf((n.attrs.axis as number | undefined) ?? 0, s.length)
      const idx = g.dimsOf(n.inputs[1])
      if (!idx) throw new Error('shape inference: Gather needs constant indices')
      return [[...s.slice(0, axis), ...idx, ...s.slice(axis + 1)]]
    }
    case 'Concat': {
      const shapes = n.inputs.map(shapeOf)
      const axis = axisOf(n.attrs.axis as number, shapes[0].length)
      const out = [...shapes[0]]
      out[axis] = shapes.reduce((sum, s) => sum + s[axis], 0)
      return [out]
    }
    case 'Split': {
      const s = x()
      const axis = axisOf((n.attrs.axis as number | undefined) ?? 0, s.length)
      return ints(n.inputs[1]).map((size) => s.map((d, i) => (i === axis ? size : d)))
    }
    case 'Slice': {
      const s = [...x()]
      const starts = ints(n.inputs[1])
      const ends = ints(n.inputs[2])
      const axes = n.inputs[3] ? ints(n.inputs[3]) : starts.map((_, i) => i)
      axes.forEach((a, k) => {
        const ax = axisOf(a, s.length)
        const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + s[ax] : v, 0), s[ax])
        s[ax] = Math.max(0, clamp(ends[k]) - clamp(starts[k]))
      })
      return [s]
    }
    case 'LayerNormalization': {
      const s = x()
      const stat = [...s.slice(0, -1), 1]
      return [s, stat, stat].slice(0, n.outputs.length)
    }
    case 'ReduceMean':
    case 'ReduceSum': {
      const s = x()
      const axes = (n.opType === 'ReduceSum' ? ints(n.inputs[1]) : (n.attrs.axes as number[])).map((a) => axisOf(a, s.length))
      const keep = (n.attrs.keepdims as number | undefined) ?? 1
      const out: number[] = []
      s.forEach((d, i) => {
        if (!axes.includes(i)) out.push(d)
        else if (keep) out.push(1)
      })
      return [out]
    }
    case 'Expand':
      return [broadcastShapes(x(), ints(n.inputs[1]), 'Expand')]
    case 'Unsqueeze': {
      const out = [...x()]
      for (const a of [...ints(n.inputs[1])].sort((p, q) => p - q)) out.splice(axisOf(a, out.length + 1), 0, 1)
      return [out]
    }
    default:
      throw new Error(`shape inference: no rule for ${n.opType}`)
  }
}

/** Shapes of every tensor the nodes produce, from the graph inputs' shapes (initializers are looked up). */
export function inferShapes(g: GraphBuilder, nodes: readonly NodeRecord[], inputs: Shapes): Shapes {
  const shapes: Shapes = new Map(inputs)
  const shapeOf = (name: string): number[] => {
    const s = shapes.get(name) ?? g.dimsOf(name)
    if (!s) throw new Error(`shape inference: unknown tensor ${name}`)
    return s
  }
  for (const n of nodes) {
    const outs = inferNode(g, n, shapeOf)
    n.outputs.forEach((o, i) => shapes.set(o, outs[i]))
  }
  return shapes
}
