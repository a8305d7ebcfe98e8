// A small ONNX graph builder over onnx-proto's generated protobuf classes: named initializers,
// nodes with typed attributes, and the handful of composite layers the exported models share
// (linear, LayerNormalization, erf GELU). Encoding is protobufjs's (onnx.ModelProto.encode); no bytes
// are written by hand here.
import { createRequire } from 'node:module'
import type { onnx as OnnxNs } from 'onnx-proto'

const require = createRequire(import.meta.url)
// onnx-proto is CommonJS (`module.exports = $root`); require keeps its `onnx` namespace intact under
// tsx, vitest and the bundled app alike.
const onnx: typeof OnnxNs = (require('onnx-proto') as { onnx: typeof OnnxNs }).onnx

/** Opset 17: LayerNormalization is native; Gelu is not (it is written with Erf). */
const OPSET = 17
const IR_VERSION = 8

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] }

export interface GraphBuilder {
  /** Float32 initializer; the name must be unique. Returns the name. */
  weight(name: string, dims: number[], data: Float32Array): string
  /** Int64 initializer (shapes, axes, split sizes), named automatically. */
  ints(values: number[], hint?: string): string
  /** Float32 scalar initializer shared by value. */
  scalar(value: number): string
  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, hint?: string): string
  /** Adds a node with several outputs and returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs?: Record<string, AttrValue>, hint?: string): string[]
  /** Publishes `from` under the exact name `name` (an Identity node), for graph outputs. */
  output(name: string, from: string): string
  graph(name: string, inputs: OnnxNs.IValueInfoProto[], outputs: OnnxNs.IValueInfoProto[]): OnnxNs.IGraphProto
}

function attribute(name: string, value: AttrValue): OnnxNs.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`ONNX attribute ${name}: ${value} is not an integer; use { float }`)
    return { name, type: T.INT, i: value }
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') }
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float }
  return { name, type: T.FLOATS, floats: value.floats }
}

function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // raw_data is little-endian; so are the typed arrays on every platform Node supports for ORT.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

export function createGraphBuilder(): GraphBuilder {
  const nodes: OnnxNs.INodeProto[] = []
  const initializers: OnnxNs.ITensorProto[] = []
  const names = new Set<string>()
  const intCache = new Map<string, string>()
  const scalarCache = new Map<number, string>()
  let counter = 0

  const fresh = (hint: string): string => {
    let name = `${hint}_${counter++}`
    while (names.has(name)) name = `${hint}_${counter++}`
    names.add(name)
    return name
  }
  const claim = (name: string): string => {
    if (names.has(name)) throw new Error(`ONNX export: duplicate tensor name ${name}`)
    names.add(name)
    return name
  }

  const builder: GraphBuilder = {
    weight(name, dims, data) {
      const count = dims.reduce((a, b) => a * b, 1)
      if (count !== data.length) throw new Error(`ONNX export: ${name} has ${data.length} values, shape [${dims}] needs ${count}`)
      initializers.push({ name: claim(name), dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: rawBytes(data) })
      return name
    },
    ints(values, hint = 'const') {
      const key = values.join(',')
      const cached = intCache.get(key)
      if (cached) return cached
      const name = fresh(hint)
      initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: rawBytes(BigInt64Array.from(values, BigInt)) })
      intCache.set(key, name)
      return name
    },
    scalar(value) {
      const cached = scalarCache.get(value)
      if (cached) return cached
      const name = fresh('scalar')
      initializers.push({ name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, rawData: rawBytes(Float32Array.of(value)) })
      scalarCache.set(value, name)
      return name
    },
    op(opType, inputs, attrs = {}, hint) {
      return builder.opN(opType, inputs, 1, attrs, hint)[0]
    },
    opN(opType, inputs, outputs, attrs = {}, hint) {
      const outs = Array.from({ length: outputs }, () => fresh(hint ?? opType.toLowerCase()))
      nodes.push({
        opType,
        name: fresh(`n_${opType}`),
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v))
      })
      return outs
    },
    output(name, from) {
      nodes.push({ opType: 'Identity', name: fresh('n_Identity'), input: [from], output: [claim(name)], attribute: [] })
      return name
    },
    graph(name, inputs, outputs) {
      return { name, node: nodes, initializer: initializers, input: inputs, output: outputs }
    }
  }
  return builder
}

/** A float32 tensor's value info; a string dimension is symbolic (e.g. 'batch'). */
export function tensorInfo(name: string, dims: (number | string)[]): OnnxNs.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) }
      }
    }
  }
}

export function encodeModel(graph: OnnxNs.IGraphProto, metadata: Record<string, string>, producerVersion: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'tagbench',
    producerVersion,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value }))
  })
  const err = onnx.ModelProto.verify(model)
  if (err) throw new Error(`ONNX export built an invalid model: ${err}`)
  return onnx.ModelProto.encode(model).finish()
}

/** The metadata_props of an encoded model, without keeping its graph around. */
export function decodeMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes)
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))
}

// ---------- layers shared by the exported models ----------

/** [out, in] (PyTorch Linear layout) → [in, out], so MatMul(x, Wᵀ) needs no Transpose node. */
function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]
  return out
}

/** y = x Wᵀ + b for x of any rank ≥ 2; w is PyTorch's [out, in]. */
export function linear(g: GraphBuilder, x: string, name: string, w: Float32Array, b: Float32Array | null, outDim: number, inDim: number): string {
  const wt = g.weight(`${name}.weight_t`, [inDim, outDim], transpose2d(w, outDim, inDim))
  const y = g.op('MatMul', [x, wt], {}, name)
  return b ? g.op('Add', [y, g.weight(`${name}.bias`, [outDim], b)], {}, name) : y
}

export function layerNorm(g: GraphBuilder, x: string, name: string, w: Float32Array, b: Float32Array, eps: number): string {
  const dim = w.length
  return g.op('LayerNormalization', [x, g.weight(`${name}.weight`, [dim], w), g.weight(`${name}.bias`, [dim], b)], { axis: -1, epsilon: { float: eps } }, name)
}

/** Exact GELU as torch.onnx writes it for opset < 20 (x·0.5·(1 + erf(x/√2))), which ORT fuses into one Gelu kernel. */
function gelu(g: GraphBuilder, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])])
  const h = g.op('Mul', [x, g.op('Add', [e, g.scalar(1)])])
  return g.op('Mul', [h, g.scalar(0.5)], {}, 'gelu')
}

/** timm's Mlp: `${name}.fc1` → exact GELU → `${name}.fc2`. */
export function mlp(g: GraphBuilder, x: string, name: string, w: WeightSource, dim: number, hidden: number): string {
  const fc1 = linear(g, x, `${name}.fc1`, w(`${name}.fc1.weight`, [hidden, dim]), w(`${name}.fc1.bias`, [hidden]), hidden, dim)
  return linear(g, gelu(g, fc1), `${name}.fc2`, w(`${name}.fc2.weight`, [dim, hidden]), w(`${name}.fc2.bias`, [dim]), dim, hidden)
}

/**
 * timm's Attention on x [B', N, D] with weights `${name}.qkv.*` and `${name}.proj.*`: one fused qkv
 * MatMul (the 1/√d scale folded into its q rows, one Mul fewer), heads as [B', H, N, d], MatMul +
 * Softmax, and the output projection. `addBias` may add to the scores [B', H, N, N] before the softmax.
 */
export function selfAttention(g: GraphBuilder, x: string, name: string, w: WeightSource, dim: number, heads: number, addBias?: (scores: string) => string): string {
  const d = dim / heads
  const scale = 1 / Math.sqrt(d)
  const qkvW = w(`${name}.qkv.weight`, [3 * dim, dim]).slice()
  const qkvB = w(`${name}.qkv.bias`, [3 * dim]).slice()
  for (let k = 0; k < dim * dim; k++) qkvW[k] *= scale
  for (let k = 0; k < dim; k++) qkvB[k] *= scale
  const qkv = linear(g, x, `${name}.qkv`, qkvW, qkvB, 3 * dim, dim)
  const [q, k, v] = g.opN('Split', [qkv, g.ints([dim, dim, dim])], 3, { axis: -1 }, `${name}.split`)
  const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, heads, d])])], { perm })
  let scores = g.op('MatMul', [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])], {}, `${name}.scores`)
  if (addBias) scores = addBias(scores)
  const probs = g.op('Softmax', [scores], { axis: -1 })
  const ctx = g.op('MatMul', [probs, split(v, [0, 2, 1, 3])], {}, `${name}.context`)
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.ints([0, 0, dim])])
  return linear(g, merged, `${name}.proj`, w(`${name}.proj.weight`, [dim, dim]), w(`${name}.proj.bias`, [dim]), dim, dim)
}

/** Reads one named weight as float32, checking its shape; throws naming the weight when missing or mis-shaped. */
export type WeightSource = (name: string, shape: number[]) => Float32Array
