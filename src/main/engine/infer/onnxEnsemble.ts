// One ONNX model from several: every member's graph (names prefixed) reads the same fbank input, and
// the outputs average the members' clip scores. The tagger turns logits into scores with the members'
// activation, so the merged graph returns logits that give back the mean score exactly:
// sigmoid: logit(p̄) = log p̄ − log(1 − p̄); softmax: log p̄ (softmax of log p̄ is p̄, as Σ p̄ = 1).
// Members must share labels, feature settings (input size and normalisation) and activation.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { onnx as OnnxNs } from 'onnx-proto'
import { writeFileAtomic } from '../io/fsutil'
import { metadataProps, readOnnxMeta, type OnnxModelMeta } from './onnxExport'
import { tensorInfo } from './onnxGraph'

const require = createRequire(import.meta.url)
const onnx: typeof OnnxNs = (require('onnx-proto') as { onnx: typeof OnnxNs }).onnx

const INPUT = 'fbank'
const EPS = 1e-7

function prefixed(graph: OnnxNs.IGraphProto, prefix: string): { nodes: OnnxNs.INodeProto[]; initializers: OnnxNs.ITensorProto[]; logits: string; embedding: string } {
  const rename = (n: string) => (n === '' || n === INPUT ? n : `${prefix}${n}`)
  const nodes = (graph.node ?? []).map((n) => ({ ...n, name: n.name ? `${prefix}${n.name}` : n.name, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) }))
  const initializers = (graph.initializer ?? []).map((t) => ({ ...t, name: rename(t.name ?? '') }))
  const outputs = new Map((graph.output ?? []).map((o) => [o.name, rename(o.name ?? '')]))
  if (!outputs.has('logits') || !outputs.has('embedding')) throw new Error('an ensemble member has no logits or embedding output')
  return { nodes, initializers, logits: outputs.get('logits')!, embedding: outputs.get('embedding')! }
}

/** Merges member .onnx files (Tagbench exports) into one ensemble model; returns its bytes and metadata. */
export function mergeEnsemble(files: string[], label: string): { bytes: Uint8Array; meta: OnnxModelMeta } {
  if (files.length < 2) throw new Error(`An ensemble needs at least 2 models, got ${files.length}`)
  const metas = files.map((f) => readOnnxMeta(f))
  const first = metas[0]
  metas.forEach((m, i) => {
    if (JSON.stringify(m.labels) !== JSON.stringify(first.labels)) throw new Error(`${files[i]} scores other labels than ${files[0]}`)
    if (JSON.stringify(m.features) !== JSON.stringify(first.features))
      throw new Error(`${files[i]} takes other input features than ${files[0]} (${JSON.stringify(m.features)} vs ${JSON.stringify(first.features)}): ensemble models with the same mel bins, clip length and normalisation`)
    if (m.activation !== first.activation) throw new Error(`${files[i]} turns logits into scores with ${m.activation}, ${files[0]} with ${first.activation}`)
  })
  const nodes: OnnxNs.INodeProto[] = []
  const initializers: OnnxNs.ITensorProto[] = []
  const logits: string[] = []
  const embeddings: string[] = []
  files.forEach((f, i) => {
    const model = onnx.ModelProto.decode(fs.readFileSync(f))
    const part = prefixed(model.graph!, `m${i}/`)
    nodes.push(...part.nodes)
    initializers.push(...part.initializers)
    logits.push(part.logits)
    embeddings.push(part.embedding)
  })
  const scalar = (name: string, v: number): string => {
    initializers.push({ name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [v] })
    return name
  }
  const node = (opType: string, input: string[], output: string, attribute: OnnxNs.IAttributeProto[] = []) => {
    nodes.push({ opType, input, output: [output], name: `ensemble/${output}`, attribute })
    return output
  }
  const probs = logits.map((l, i) =>
    first.activation === 'sigmoid' ? node('Sigmoid', [l], `ensemble/p${i}`) : node('Softmax', [l], `ensemble/p${i}`, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }])
  )
  const mean = node('Clip', [node('Mean', probs, 'ensemble/mean'), scalar('ensemble/eps', EPS), scalar('ensemble/one_minus_eps', 1 - EPS)], 'ensemble/p')
  const logP = node('Log', [mean], 'ensemble/log_p')
  if (first.activation === 'sigmoid') node('Sub', [logP, node('Log', [node('Sub', [scalar('ensemble/one', 1), mean], 'ensemble/q')], 'ensemble/log_q')], 'logits')
  else node('Identity', [logP], 'logits')
  const sameDim = metas.every((m) => m.embeddingDim === first.embeddingDim)
  // Embeddings: their mean when the members' widths agree, else the first member's.
  node(sameDim ? 'Mean' : 'Identity', sameDim ? embeddings : [embeddings[0]], 'embedding')
  const C = first.labels.length
  const f = first.features
  const graph: OnnxNs.IGraphProto = {
    name: 'tagbench_ensemble',
    node: nodes,
    initializer: initializers,
    input: [tensorInfo(INPUT, ['batch', f.targetLength, f.melBins])],
    output: [tensorInfo('logits', ['batch', C]), tensorInfo('embedding', ['batch', first.embeddingDim])]
  }
  const meta: OnnxModelMeta = { ...first, thresholds: null, frameOutput: null }
  const props = { ...metadataProps(meta), ensemble: label, ensemble_members: String(files.length) }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'tagbench',
    producerVersion: process.env.npm_package_version ?? '0.1.0',
    graph,
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value }))
  })
  const err = onnx.ModelProto.verify(model)
  if (err) throw new Error(`The ensemble's ONNX model is invalid: ${err}`)
  return { bytes: onnx.ModelProto.encode(model).finish(), meta }
}

export async function writeEnsembleOnnx(files: string[], label: string, outFile: string): Promise<OnnxModelMeta> {
  const { bytes, meta } = mergeEnsemble(files, label)
  await writeFileAtomic(outFile, bytes)
  return meta
}
