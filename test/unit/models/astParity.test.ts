// AST forward (and whole-model backward) against PyTorch: test/fixtures/models/make_ast_reference.py
// re-implements timm DeiT + ast_models.py and Hugging Face's ASTForAudioClassification with random
// tiny weights. Covers timm and HF DeiT naming (F16 and BF16 files), the RGB-sum kernel, the 14×14
// grid cut and interpolated along each axis, strides 16, 10 and uneven, HF AST import (split q/k/v,
// config eps everywhere, labels) and fine-tuning from it with another frame count.
import { beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import fs from 'node:fs'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { readNpy } from '../../../src/main/engine/io/npy'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { astFromDeit } from '../../../src/main/engine/models/ast/import/deit'
import { loadHfAst } from '../../../src/main/engine/models/ast/import/hfAst'
import { readSafetensors } from '../../../src/main/engine/models/safetensors'
import type { TagModel } from '../../../src/main/engine/models/types'
import type { AstModel } from '../../../src/main/engine/models/ast/model'

const DIR = path.resolve(__dirname, '../../fixtures/models/ast')
interface Case {
  name: string
  source: 'deit' | 'hf_ast' | 'hf_ast_finetune'
  melBins: number
  frames: number
  fstride: number
  tstride: number
  grid: [number, number]
  embedding: number[][]
  logits?: number[][]
}
const ref = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as { labels: string[]; gradWeights: number[][]; cases: Case[] }
const X = readNpy(path.join(DIR, 'x.npy'))
const byName = (n: string) => ref.cases.find((c) => c.name === n)!

/** x[:, :T, :F] of the shared [2, 240, 64] input. */
function input(frames: number, melBins: number): tf.Tensor3D {
  const [B, T0, F0] = X.shape
  const out = new Float32Array(B * frames * melBins)
  for (let b = 0; b < B; b++) for (let t = 0; t < frames; t++) for (let f = 0; f < melBins; f++) out[(b * frames + t) * melBins + f] = X.data[(b * T0 + t) * F0 + f]
  return tf.tensor3d(out, [B, frames, melBins])
}

/** max|a - b| / max|b| and max|a - b|. */
function errors(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; abs: number } {
  expect(a.length).toBe(b.length)
  let abs = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return { rel: abs / scale, abs }
}

function expectMatches(actual: tf.Tensor, expected: number[][], what: string) {
  expect(actual.shape).toEqual([expected.length, expected[0].length])
  const e = errors(actual.dataSync(), expected.flat())
  expect(e.rel, `${what}: max relative error ${e.rel}`).toBeLessThanOrEqual(1e-4)
  expect(e.abs, `${what}: max abs error ${e.abs}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.max(...expected.flat().map(Math.abs))))
}

function embedWith(model: TagModel, c: Case): tf.Tensor2D {
  const x = input(c.frames, c.melBins)
  const out = model.apply(x, false)
  x.dispose()
  out.logits.dispose()
  return out.embedding
}

beforeAll(async () => {
  await initBackend('wasm')
})

describe('AST from an ImageNet DeiT matches PyTorch', () => {
  for (const c of ref.cases.filter((k) => k.source === 'deit')) {
    for (const [naming, file] of [['timm, F16', 'deit_timm.safetensors'], ['HF, BF16', 'deit_hf.safetensors']]) {
      it(`${c.name} (${c.grid.join('×')} grid), ${naming}`, () => {
        const config = makeAstConfig({ embedDim: 64, heads: 4, depth: 2, fstride: c.fstride, tstride: c.tstride, melBins: c.melBins, targetLength: c.frames, numClasses: 5 })
        const model = astFromDeit(path.join(DIR, file), config, 3)
        const emb = embedWith(model, c)
        expectMatches(emb, c.embedding, `${c.name} embedding`)
        emb.dispose()
        model.dispose()
      })
    }
  }

  it('rejects a DeiT whose width does not match the config', () => {
    const config = makeAstConfig({ size: 'tiny', depth: 2, melBins: 64, targetLength: 160, numClasses: 2 })
    expect(() => astFromDeit(path.join(DIR, 'deit_timm.safetensors'), config)).toThrow(/deit_timm\.safetensors: DeiT width 64 does not match the model's 192/)
  })
})

describe('Hugging Face ASTForAudioClassification import matches PyTorch', () => {
  it('reads the folder: config eps everywhere, labels, features, logits and embedding', () => {
    const c = byName('hf_ast')
    const { model, featureConfig } = loadHfAst(path.join(DIR, 'hf_ast'))
    expect(model.config).toMatchObject({ embedDim: 32, heads: 2, depth: 2, fstride: 16, tstride: 12, melBins: 48, targetLength: 100, blockEps: 0.25, headEps: 0.25, labels: ref.labels, numClasses: 6 })
    expect(featureConfig).toEqual({ melBins: 48, targetLength: 100, mean: -5.5, std: 4.25, sampleRate: 16000 })
    const x = input(c.frames, c.melBins)
    const out = model.apply(x, false)
    expectMatches(out.logits, c.logits!, 'hf_ast logits')
    expectMatches(out.embedding, c.embedding, 'hf_ast embedding')
    tf.dispose([x, out.logits, out.embedding])
    model.dispose()
  })

  it('whole-model gradients match torch autograd', () => {
    const c = byName('hf_ast')
    const { model } = loadHfAst(path.join(DIR, 'hf_ast'))
    const expected = readSafetensors(path.join(DIR, 'hf_ast_grads.safetensors'))
    const x = input(c.frames, c.melBins)
    const r = tf.tensor2d(ref.gradWeights)
    const params = (model as AstModel).params.list()
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, true).logits, r)) as tf.Scalar, model.trainableVariables())
    let checked = 0
    for (const p of params) {
      const want = expected.get(p.name)
      expect(want, `torch has a gradient for ${p.name}`).toBeDefined()
      // Linear/conv weights are held as [in, out]; PyTorch's layout is [out, ...in].
      const g = grads[p.variable.name]
      const torchLayout = tf.tidy(() => (p.layout === 'linear' ? tf.reshape(tf.transpose(g), p.torchShape) : g))
      const e = errors(torchLayout.dataSync(), want!.data)
      expect(e.rel, `gradient of ${p.name}: max relative error ${e.rel}`).toBeLessThanOrEqual(1e-4)
      if (p.layout === 'linear') torchLayout.dispose()
      checked++
    }
    expect(checked).toBe(expected.size)
    tf.dispose([x, r, ...Object.values(grads)])
    model.dispose()
  })

  for (const name of ['hf_ast_time_interp', 'hf_ast_time_cut']) {
    it(`fine-tunes with a new head and another frame count: ${name}`, () => {
      const c = byName(name)
      const { model, featureConfig } = loadHfAst(path.join(DIR, 'hf_ast'), { labels: ['a', 'b', 'c'], targetLength: c.frames, seed: 1 })
      expect(model.config.numClasses).toBe(3)
      expect(model.grid).toEqual({ fDim: c.grid[0], tDim: c.grid[1] })
      expect(featureConfig.targetLength).toBe(c.frames)
      const emb = embedWith(model, c)
      expectMatches(emb, c.embedding, `${name} embedding`)
      emb.dispose()
      model.dispose()
    })
  }
})
