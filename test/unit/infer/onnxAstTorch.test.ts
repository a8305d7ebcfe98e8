// The AST ONNX graph against PyTorch: tiny ASTs written in plain torch (bench/reference_infer.py,
// following YuanGongND/ast) with seeded weights; fixtures made by test/fixtures/infer/make_fixtures.py.
// This checks the graph itself, independently of the tfjs model (see onnxParity.test.ts for that).
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { readNpyFloat32 } from '../../../src/main/engine/io/npy'
import { readJsonSync } from '../../../src/main/engine/io/fsutil'
import { buildAstGraph } from '../../../src/main/engine/models/ast/onnx'
import { createGraphBuilder, encodeModel, tensorInfo, type WeightSource } from '../../../src/main/engine/infer/onnxGraph'

const FIX = path.resolve(__dirname, '../../fixtures/infer')

interface FixtureMeta {
  config: { dim: number; depth: number; heads: number; fstride: number; tstride: number; mel_bins: number; target_length: number; classes: number }
  blockEps: number
  headEps: number
  weights: { name: string; shape: number[] }[]
}

function fixtureWeights(meta: FixtureMeta, flat: Float32Array): WeightSource {
  const table = new Map<string, { shape: number[]; data: Float32Array }>()
  let offset = 0
  for (const { name, shape } of meta.weights) {
    const n = shape.reduce((a, b) => a * b, 1)
    table.set(name, { shape, data: flat.subarray(offset, offset + n) })
    offset += n
  }
  return (name, shape) => {
    const t = table.get(name)
    if (!t) throw new Error(`missing ${name}`)
    expect(t.shape).toEqual(shape)
    return t.data
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe.each(['ast_s10', 'ast_s16'])('AST graph vs PyTorch (%s)', (name) => {
  it('gives the reference logits and embedding for a batch of 3', async () => {
    const meta = readJsonSync<FixtureMeta>(path.join(FIX, `${name}.json`))
    const c = meta.config
    const g = createGraphBuilder()
    const out = buildAstGraph(g, 'fbank', {
      embedDim: c.dim, depth: c.depth, heads: c.heads, fstride: c.fstride, tstride: c.tstride,
      melBins: c.mel_bins, targetLength: c.target_length, numClasses: c.classes, blockEps: meta.blockEps, headEps: meta.headEps
    }, fixtureWeights(meta, readNpyFloat32(path.join(FIX, `${name}.weights.npy`)).data))
    const outputs = [g.output('logits', out.logits), g.output('embedding', out.embedding)]
    const graph = g.graph('ast', [tensorInfo('fbank', ['batch', c.target_length, c.mel_bins])], [tensorInfo(outputs[0], ['batch', c.classes]), tensorInfo(outputs[1], ['batch', c.dim])])
    const session = await ort.InferenceSession.create(encodeModel(graph, {}, 'test'))
    const x = readNpyFloat32(path.join(FIX, `${name}.input.npy`))
    const res = await session.run({ fbank: new ort.Tensor('float32', x.data, x.shape) })
    expect(maxAbsDiff(res[outputs[0]].data as Float32Array, readNpyFloat32(path.join(FIX, `${name}.logits.npy`)).data)).toBeLessThan(1e-4)
    expect(maxAbsDiff(res[outputs[1]].data as Float32Array, readNpyFloat32(path.join(FIX, `${name}.embedding.npy`)).data)).toBeLessThan(1e-4)
    await session.release()
  })
})
