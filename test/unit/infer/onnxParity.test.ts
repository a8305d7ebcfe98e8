// Exported ONNX models against the tfjs TagModels they came from: AST at strides 10 and 16, AST with
// a frame head, HTS-AT with shifted windows and bicubic resize (with and without a frame head). Every
// weight is perturbed away from its init (bn0 statistics and LayerNorm gains included) so that no term
// of the graph can hide behind a 0 or a 1. Also: batch 1 and 3 through one session, and the metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { type ModelConfig } from '../../../src/main/engine/models/config'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { makeCrnnConfig } from '../../../src/main/engine/models/crnn/config'
import { createModel } from '../../../src/main/engine/models'
import type { TagModel, WeightMap } from '../../../src/main/engine/models/types'
import { makeRng } from '../../../src/main/engine/util/rng'
import { exportOnnx, metaOf, readOnnxMeta } from '../../../src/main/engine/infer/onnxExport'

let dir: string
beforeAll(async () => {
  await initBackend('wasm')
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-onnx-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const labels = ['dog', 'rain', 'siren', 'speech']

/** Moves every weight away from its init: gains near 1, everything else small noise, variances positive. */
function perturb(model: TagModel, seed: number): void {
  const rng = makeRng(seed)
  const weights: WeightMap = new Map()
  for (const [name, t] of model.namedWeights()) {
    const data = Float32Array.from(t.dataSync() as Float32Array, (v) => {
      if (name.endsWith('running_var')) return 0.5 + rng.next()
      return v + 0.1 * rng.normal()
    })
    weights.set(name, { shape: t.shape, data })
    t.dispose()
  }
  expect(model.loadWeights(weights, 'perturb')).toEqual([])
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

const CASES: [string, () => ModelConfig][] = [
  ['AST stride 10', () => makeAstConfig({ embedDim: 24, heads: 2, depth: 2, fstride: 10, tstride: 10, melBins: 32, targetLength: 64, labels })],
  ['AST stride 16', () => makeAstConfig({ embedDim: 24, heads: 2, depth: 2, fstride: 16, tstride: 16, melBins: 32, targetLength: 64, labels })],
  ['AST stride 10 + frame head', () => makeAstConfig({ embedDim: 24, heads: 2, depth: 2, fstride: 10, tstride: 12, melBins: 32, targetLength: 64, labels, frameHead: { frameRate: 25 } })],
  ['HTS-AT', () => makeHtsatConfig({ size: 'tiny', specSize: 64, melBins: 32, targetLength: 120, embedDim: 12, depths: [2, 2, 2], heads: [2, 4, 8], window: 4, labels, dropPath: 0 })],
  ['HTS-AT + frame head', () => makeHtsatConfig({ size: 'tiny', specSize: 64, melBins: 32, targetLength: 120, embedDim: 12, depths: [2, 2, 2], heads: [2, 4, 8], window: 4, labels, dropPath: 0, frameHead: { frameRate: 20 } })],
  // Odd sizes on purpose: 37 frames / time pool 3 and 34 bins / pools 2·2·2 both drop a remainder (floor).
  ['CRNN', () => makeCrnnConfig({ channels: [4, 6, 8], freqPools: [2, 2, 2], timePool: 3, hidden: 5, melBins: 34, targetLength: 37, labels })],
  ['CRNN + frame head', () => makeCrnnConfig({ channels: [4, 6], freqPools: [4, 2], hidden: 7, melBins: 32, targetLength: 60, labels, frameHead: { frameRate: 30 } })]
]

describe.each(CASES)('ONNX export of %s', (name, makeConfig) => {
  it('gives the tfjs outputs (logits within 1e-4) for batch 3 and batch 1, with its metadata', async () => {
    const config = makeConfig()
    const model = createModel(config, 3)
    perturb(model, 11)
    const thresholds = [0.3, 0.4, 0.5, 0.6]
    const file = path.join(dir, `${name.replace(/\W+/g, '_')}.onnx`)
    const written = await exportOnnx(model, file, { thresholds })
    expect(written.bytes).toBe(fs.statSync(file).size)

    const { targetLength: T, melBins: F } = config
    const rng = makeRng(5)
    const x = Float32Array.from({ length: 3 * T * F }, () => rng.normal())
    const input = tf.tensor3d(x, [3, T, F])
    const o = model.apply(input, false)
    const ref = {
      logits: o.logits.dataSync() as Float32Array,
      embedding: o.embedding.dataSync() as Float32Array,
      frames: (o.frameLogits?.dataSync() as Float32Array | undefined) ?? null,
      frameShape: o.frameLogits?.shape ?? null
    }
    tf.dispose([input, o.logits, o.embedding, ...(o.frameLogits ? [o.frameLogits] : [])])
    model.dispose()

    const session = await ort.InferenceSession.create(file)
    const hasFrames = ref.frames !== null
    expect([...session.outputNames].sort()).toEqual(hasFrames ? ['embedding', 'frame_logits', 'logits'] : ['embedding', 'logits'])
    const out = await session.run({ fbank: new ort.Tensor('float32', x, [3, T, F]) })
    expect(maxAbsDiff(out.logits.data as Float32Array, ref.logits)).toBeLessThan(1e-4)
    expect(maxAbsDiff(out.embedding.data as Float32Array, ref.embedding)).toBeLessThan(1e-4)
    if (hasFrames) {
      expect(out.frame_logits.dims).toEqual(ref.frameShape)
      expect(maxAbsDiff(out.frame_logits.data as Float32Array, ref.frames!)).toBeLessThan(1e-4)
    }
    // The batch axis is symbolic: one clip alone gives that clip's outputs.
    const one = await session.run({ fbank: new ort.Tensor('float32', x.slice(T * F, 2 * T * F), [1, T, F]) })
    expect(one.logits.dims).toEqual([1, labels.length])
    expect(maxAbsDiff(one.logits.data as Float32Array, ref.logits.slice(labels.length, 2 * labels.length))).toBeLessThan(1e-4)
    await session.release()

    const meta = readOnnxMeta(file)
    expect(meta).toEqual(metaOf(config, thresholds))
    expect(meta.labels).toEqual(labels)
    expect(meta.thresholds).toEqual(thresholds)
    expect(meta.features).toMatchObject({ kind: 'kaldi-fbank', sampleRate: 16000, melBins: F, targetLength: T, frameShiftS: 0.01 })
    expect(meta.features.norm).toEqual('norm' in config ? config.norm : null)
    expect(meta.frameOutput?.frames ?? null).toBe(ref.frameShape ? ref.frameShape[1] : null)
  })
})
