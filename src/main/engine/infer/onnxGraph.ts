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

/** A node as the builder recorded it (attributes as given), for passes over the graph such as gradients. */
export interface NodeRecord {
  opType: string
  inputs: string[]
  outputs: string[]
  attrs: Record<string, AttrValue>
}

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
  /** The nodes added so far, in order. */
  nodes(): readonly NodeRecord[]
  /** The values of an int64 initializer made by ints(), or undefined. */
  intsOf(name: string): number[] | undefined
  /** The dims of an initializer, or undefined when `name` is none. */
  dimsOf(name: string): number[] | undefined
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
  const records: NodeRecord[] = []
  const intValues = new Map<string, number[]>()
  const constants = new Map<string, number[]>()
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
      constants.set(name, [...dims])
      return name
    },
    ints(values, hint = 'const') {
      const key = values.join(',')
      const cached = intCache.get(key)
      if (cached) return cached
      const name = fresh(hint)
      initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: rawBytes(BigInt64Array.from(values, BigInt)) })
      intCache.set(key, name)
      intValues.set(name, [...values])
      constants.set(name, [values.length])
      return name
    },
    scalar(value) {
      const cached = scalarCache.get(value)
      if (cached) return cached
      const name = fresh('scalar')
      initializers.push({ name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, rawData: rawBytes(Float32Array.of(value)) })
      scalarCache.set(value, name)
      constants.set(name, [])
      return name
    },
    op(opType, inputs, attrs = {}, hint) {
      return builder.opN(opType, inputs, 1, attrs, hint)[0]
    },
    opN(opType, inputs, outputs, attrs = {}, hint) {
      const outs = Array.from({ length: outputs }, () => fresh(hint ?? opType.toLowerCase().replace(/\W/g, '_')))
      // 'com.microsoft:Gelu': an op of another domain (ONNX Runtime's contrib ops).
      const [domain, type] = opType.includes(':') ? opType.split(':') : ['', opType]
      nodes.push({
        opType: type,
        ...(domain ? { domain } : {}),
        name: fresh(`n_${type}`),
        input: inputs,
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v))
      })
      records.push({ opType, inputs: [...inputs], outputs: outs, attrs })
      return outs
    },
    output(name, from) {
      nodes.push({ opType: 'Identity', name: fresh('n_Identity'), input: [from], output: [claim(name)], attribute: [] })
      records.push({ opType: 'Identity', inputs: [from], outputs: [name], attrs: {} })
      return name
    },
    nodes: () => records,
    intsOf: (name) => intValues.get(name),
    dimsOf: (name) => constants.get(name),
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
  const domains = new Set((graph.node ?? []).map((n) => n.domain).filter((d): d is string => !!d))
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
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

// ---------- how parameters enter a graph ----------

/**
 * How a model definition's parameters enter a graph, so that one definition serves both the export
 * and the training graph. The export binds them as initializers with their values, and may fold
 * constants on the host (the 1/√d of attention into the qkv weights, say); the training graph binds
 * them as graph inputs in the trainer's layout, and outputs their gradients (train/ort).
 */
export interface ParamBinding {
  /** A parameter in its PyTorch shape (norm weights, biases, tokens, position embeddings). */
  tensor(name: string, shape: number[]): string
  /** The weight `${layer}.weight` of a Linear or Conv (PyTorch [out, ...in]) as the [prod(in), out] matrix MatMul takes. */
  matrix(layer: string, out: number, inn: number): string
  /** The values, when the parameters are constants (export): a definition may fold them on the host. */
  readonly host: WeightSource | null
  /** A static batch size (training graphs), or null for a symbolic batch axis. */
  readonly batch: number | null
  /**
   * A scaled keep-mask input (dropout, drop-path) of this shape for drop rate `rate`, or null when
   * nothing is dropped (rate 0, or an inference graph). Definitions ask for masks in a fixed order:
   * the order the tfjs model draws them in, so that both engines can drop the same units.
   */
  mask(shape: number[], rate: number): string | null
}

/** [out, in] (PyTorch Linear layout) → [in, out], so MatMul(x, Wᵀ) needs no Transpose node. */
function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]
  return out
}

/** Parameters as initializers holding the values `w` gives (the ONNX export). */
export function constantBinding(g: GraphBuilder, w: WeightSource): ParamBinding {
  return {
    tensor: (name, shape) => g.weight(name, shape, w(name, shape)),
    matrix: (layer, out, inn) => g.weight(`${layer}.weight_t`, [inn, out], transpose2d(w(`${layer}.weight`, [out, inn]), out, inn)),
    host: w,
    batch: null,
    mask: () => null
  }
}

// ---------- layers shared by the models ----------

/** y = x Wᵀ + b for x of any rank ≥ 2, with the Linear `layer` (PyTorch weight [out, in]). */
export function linear(g: GraphBuilder, P: ParamBinding, x: string, layer: string, outDim: number, inDim: number, bias = true): string {
  const y = g.op('MatMul', [x, P.matrix(layer, outDim, inDim)], {}, layer)
  return bias ? g.op('Add', [y, P.tensor(`${layer}.bias`, [outDim])], {}, layer) : y
}

/**
 * LayerNormalization over the last axis. Training graphs also take its Mean and InvStdDev outputs,
 * which the gradient reuses instead of recomputing them.
 */
export function layerNorm(g: GraphBuilder, P: ParamBinding, x: string, name: string, dim: number, eps: number): string {
  const inputs = [x, P.tensor(`${name}.weight`, [dim]), P.tensor(`${name}.bias`, [dim])]
  const attrs = { axis: -1, epsilon: { float: eps } }
  return P.host ? g.op('LayerNormalization', inputs, attrs, name) : g.opN('LayerNormalization', inputs, 3, attrs, name)[0]
}

/**
 * Exact GELU as torch.onnx writes it for opset < 20 (x·0.5·(1 + erf(x/√2))), which ORT fuses into
 * one Gelu kernel. Training graphs use ORT's Gelu op directly: its gradient needs only x, where the
 * decomposition would keep three more [B, N, 4D] tensors alive for the backward pass.
 */
function gelu(g: GraphBuilder, x: string, training = false): string {
  if (training) return g.op('com.microsoft:Gelu', [x], {}, 'gelu')
  const e = g.op('Erf', [g.op('Div', [x, g.scalar(Math.SQRT2)])])
  const h = g.op('Mul', [x, g.op('Add', [e, g.scalar(1)])])
  return g.op('Mul', [h, g.scalar(0.5)], {}, 'gelu')
}

/** timm's Mlp: `${name}.fc1` → exact GELU (→ × hiddenMask, timm's drop) → `${name}.fc2`. */
export function mlp(g: GraphBuilder, P: ParamBinding, x: string, name: string, dim: number, hidden: number, hiddenMask: string | null = null): string {
  let h = gelu(g, linear(g, P, x, `${name}.fc1`, hidden, dim), !P.host)
  if (hiddenMask) h = g.op('Mul', [h, hiddenMask], {}, `${name}.drop`)
  return linear(g, P, h, `${name}.fc2`, dim, hidden)
}

/**
 * timm's Attention on x [B', N, D] with weights `${name}.qkv.*` and `${name}.proj.*`: one fused qkv
 * MatMul (with constant weights the 1/√d scale is folded into its q rows, one Mul fewer; with
 * trained ones q is scaled after the split), heads as [B', H, N, d], MatMul + Softmax, and the
 * output projection. `addBias` may add to the scores [B', H, N, N] before the softmax.
 */
export function selfAttention(g: GraphBuilder, P: ParamBinding, x: string, name: string, dim: number, heads: number, addBias?: (scores: string) => string): string {
  const d = dim / heads
  const scale = 1 / Math.sqrt(d)
  let qkv: string
  if (P.host) {
    const qkvW = P.host(`${name}.qkv.weight`, [3 * dim, dim]).slice()
    const qkvB = P.host(`${name}.qkv.bias`, [3 * dim]).slice()
    for (let k = 0; k < dim * dim; k++) qkvW[k] *= scale
    for (let k = 0; k < dim; k++) qkvB[k] *= scale
    const wt = g.weight(`${name}.qkv.weight_t`, [dim, 3 * dim], transpose2d(qkvW, 3 * dim, dim))
    qkv = g.op('Add', [g.op('MatMul', [x, wt], {}, `${name}.qkv`), g.weight(`${name}.qkv.bias`, [3 * dim], qkvB)], {}, `${name}.qkv`)
  } else qkv = linear(g, P, x, `${name}.qkv`, 3 * dim, dim)
  let [q, k, v] = g.opN('Split', [qkv, g.ints([dim, dim, dim])], 3, { axis: -1 }, `${name}.split`)
  if (!P.host) q = g.op('Mul', [q, g.scalar(scale)], {}, `${name}.q_scaled`)
  const split = (t: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [t, g.ints([0, 0, heads, d])])], { perm })
  let scores = g.op('MatMul', [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])], {}, `${name}.scores`)
  if (addBias) scores = addBias(scores)
  const probs = g.op('Softmax', [scores], { axis: -1 })
  const ctx = g.op('MatMul', [probs, split(v, [0, 2, 1, 3])], {}, `${name}.context`)
  const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), g.ints([0, 0, dim])])
  return linear(g, P, merged, `${name}.proj`, dim, dim)
}

/** x · mask when a mask is given (dropout, drop-path: ParamBinding.mask), else x. */
export const masked = (g: GraphBuilder, x: string, mask: string | null): string => (mask ? g.op('Mul', [x, mask], {}, 'drop') : x)

/** Reads one named weight as float32, checking its shape; throws naming the weight when missing or mis-shaped. */
export type WeightSource = (name: string, shape: number[]) => Float32Array
