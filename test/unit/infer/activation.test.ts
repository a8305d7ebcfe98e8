// Score activation: sigmoid for multi-label models, softmax for single-label ones. (1) The activation
// rides in the .onnx metadata; an export from before the key reads as sigmoid and says it was assumed.
// (2) A run trained with loss 'ce' tags with softmax scores equal to the tfjs model's logits → softmax
// (summing to 1 per file), names its top class as positive, and `activation: 'sigmoid'` overrides it.
// (3) Hugging Face AST folders follow config.json's problem_type; without one, sigmoid is assumed
// and the outcome's note says so and how to override it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import type { RunConfig as RunConfig } from '../../../src/shared/types'
import { loadMono } from '../../../src/main/engine/audio/decode'
import { astFbank } from '../../../src/main/engine/audio/fbank'
import { normalize, padOrCut } from '../../../src/main/engine/audio/features'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createModel } from '../../../src/main/engine/models'
import { saveCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { checkpointDir, createRun, runDir, saveThresholds, writeCheckpoint } from '../../../src/main/engine/runs/store'
import { exportOnnx, readOnnxMeta } from '../../../src/main/engine/infer/onnxExport'
import { tagFiles } from '../../../src/main/engine/infer/tag'
import { toneBurst, useTagSandbox, writeEnergyModel, writeWavSamples } from './helpers'

const HF = path.resolve(__dirname, '../../fixtures/models/ast/hf_ast')
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
function softmax(x: ArrayLike<number>): number[] {
  const e = Array.from(x, (v) => Math.exp(v))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / s)
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const scoresOf = (top: { label: string; score: number }[]) => Object.fromEntries(top.map((t) => [t.label, t.score]))

const box = useTagSandbox('tagbench-activation-')


describe('activation in the ONNX metadata', () => {
  it('round-trips softmax and sigmoid; an export without the key reads as sigmoid, noted as assumed when tagging', async () => {
    const config = makeAstConfig({ embedDim: 16, heads: 1, depth: 1, fstride: 16, tstride: 16, melBins: 32, targetLength: 32, labels: ['a', 'b'] })
    const model = createModel(config, 3)
    for (const activation of ['softmax', 'sigmoid'] as const) {
      const file = path.join(box.dir, `${activation}.onnx`)
      const out = await exportOnnx(model, file, { activation })
      expect(out.meta.activation).toBe(activation)
      expect(readOnnxMeta(file).activation).toBe(activation)
    }
    model.dispose()

    const old = path.join(box.dir, 'old.onnx')
    writeEnergyModel(old, { melBins: 32, targetLength: 100, level: -14, activation: null })
    expect(readOnnxMeta(old).activation).toBe('sigmoid')
    const audio = path.join(box.dir, 'energy', 'tone.wav')
    writeWavSamples(audio, toneBurst(0.8, 0.2, 0.6))
    const out = await tagFiles(old, [audio])
    expect(out.activation).toBe('sigmoid')
    expect(out.note).toMatch(/sigmoid scores assumed because .*old\.onnx was exported before the activation was recorded; for a single-label model choose softmax \(--activation softmax\)/)
    // The same model recorded as softmax: its two clip scores are a softmax, and nothing is assumed.
    const soft = path.join(box.dir, 'soft-energy.onnx')
    writeEnergyModel(soft, { melBins: 32, targetLength: 100, level: -14, activation: 'softmax' })
    const s = await tagFiles(soft, [audio])
    expect(s.activation).toBe('softmax')
    expect(s.note).not.toMatch(/assumed/)
    const e = s.results[0].top.map((t) => t.score)
    expect(sum(e)).toBeCloseTo(1, 6)
    const sg = scoresOf(out.results[0].top)
    // Sigmoid scores of the same logits: logit = ln(p / (1 - p)); the softmax of the two logits follows.
    const logit = (p: number) => Math.log(p / (1 - p))
    const expected = softmax([logit(sg.loud), logit(sg.quiet)])
    expect(scoresOf(s.results[0].top).loud).toBeCloseTo(expected[0], 4)
  })
})

describe('a single-label (CE) run', () => {
  const labels = ['a', 'b', 'c', 'd']
  const T = 64
  const M = 32
  let id: string
  let model: ReturnType<typeof createModel>

  beforeAll(async () => {
    const config = makeAstConfig({ embedDim: 24, heads: 2, depth: 2, fstride: 16, tstride: 16, melBins: M, targetLength: T, labels, norm: { mean: -8, std: 4 } })
    model = createModel(config, 7)
    const runCfg = { dataset: 'ds', model: 'ast', size: 'tiny', epochs: 1, lr: 1e-4, loss: 'ce' } as unknown as RunConfig
    id = createRun(runCfg, { datasetName: 'ds', datasetFingerprint: 'f', classNames: labels, valClips: 3 })
    await writeCheckpoint(id, 'best', (d) => saveCheckpoint(d, model))
  })
  afterAll(() => model.dispose())

  /** The tfjs model's logits on window [start, start + T) of the file's features. */
  async function windowLogits(file: string, start: number): Promise<Float32Array> {
    const fb = astFbank(await loadMono(file), M)
    const win = normalize(padOrCut(fb.data.subarray(start * M), fb.frames - start, M, T), -8, 4)
    return tf.tidy(() => model.apply(tf.tensor3d(win, [1, T, M]), false).logits.dataSync() as Float32Array)
  }

  it('tags with softmax scores equal to tfjs logits → softmax, summing to 1; positive = top-1 plus any over its threshold', async () => {
    const file = path.join(box.dir, 'ce', 'short.wav')
    writeWavSamples(file, toneBurst(0.5, 0.1, 0.4)) // 48 frames: one padded window
    const out = await tagFiles(id, [file], { topK: labels.length })
    expect(out.activation).toBe('softmax')
    expect(out.note).not.toMatch(/assumed/)
    expect(readOnnxMeta(path.join(runDir(id), 'export', 'model.onnx')).activation).toBe('softmax')
    const r = out.results[0]
    expect(sum(r.top.map((t) => t.score))).toBeCloseTo(1, 5)
    const expected = softmax(await windowLogits(file, 0))
    const got = scoresOf(r.top)
    labels.forEach((l, c) => expect(got[l]).toBeCloseTo(expected[c], 4))
    // Four classes from a random head: every probability is under 0.5, yet the top class is named.
    expect(Math.max(...expected)).toBeLessThan(0.5)
    expect(r.positive).toEqual([r.top[0].label])

    // With thresholds from the run, classes over theirs join the top class.
    const low = labels.map((_, c) => (c === 3 ? 0.01 : 0.99))
    saveThresholds(id, { classNames: labels, methods: [{ method: 'search', thresholds: low, microF1: 0.5, macroF1: 0.5 }] })
    const thr = await tagFiles(id, [file], { topK: labels.length })
    expect(thr.results[0].positive.sort()).toEqual([...new Set([r.top[0].label, 'd'])].sort())

    // Forced sigmoid: per-class sigmoids of the same logits.
    const sig = await tagFiles(id, [file], { topK: labels.length, activation: 'sigmoid' })
    expect(sig.activation).toBe('sigmoid')
    const logits = await windowLogits(file, 0)
    labels.forEach((l, c) => expect(scoresOf(sig.results[0].top)[l]).toBeCloseTo(sigmoid(logits[c]), 4))
  })

  it('aggregates per-window softmax (mean over windows still sums to 1); the run\'s checkpoint folder is softmax too', async () => {
    const file = path.join(box.dir, 'ce', 'long.wav')
    writeWavSamples(file, toneBurst(1.2, 0.3, 0.9)) // 118 frames: windows at 0, 32, 54
    const out = await tagFiles(id, [file], { topK: labels.length, aggregate: 'mean', engine: 'tfjs' })
    const perWindow = await Promise.all([0, 32, 54].map(async (s) => softmax(await windowLogits(file, s))))
    const got = scoresOf(out.results[0].top)
    labels.forEach((l, c) => expect(got[l]).toBeCloseTo(sum(perWindow.map((p) => p[c])) / 3, 4))
    expect(sum(Object.values(got))).toBeCloseTo(1, 5)
    const max = await tagFiles(id, [file], { topK: labels.length, engine: 'tfjs' })
    labels.forEach((l, c) => expect(scoresOf(max.results[0].top)[l]).toBeCloseTo(Math.max(...perWindow.map((p) => p[c])), 4))

    const ckpt = await tagFiles(checkpointDir(id, 'best'), [file], { engine: 'tfjs' })
    expect(ckpt.activation).toBe('softmax')
  })
})

describe('Hugging Face AST folders', () => {
  function hfCopy(name: string, problemType: string | undefined): string {
    const to = path.join(box.dir, name)
    fs.cpSync(HF, to, { recursive: true })
    const cfgFile = path.join(to, 'config.json')
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'))
    expect(cfg.problem_type).toBeUndefined()
    if (problemType) fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, problem_type: problemType }))
    return to
  }

  it('problem_type single_label gives softmax, multi_label sigmoid; absent, sigmoid noted as assumed with the override', async () => {
    const audio = path.join(box.dir, 'hf', 'clip.wav')
    writeWavSamples(audio, toneBurst(0.9, 0.1, 0.8)) // one 100-frame window
    const single = await tagFiles(hfCopy('hf-single', 'single_label_classification'), [audio], { topK: 6 })
    const multi = await tagFiles(hfCopy('hf-multi', 'multi_label_classification'), [audio], { topK: 6 })
    const plain = await tagFiles(hfCopy('hf-plain', undefined), [audio], { topK: 6 })
    expect([single.activation, multi.activation, plain.activation]).toEqual(['softmax', 'sigmoid', 'sigmoid'])
    expect(single.note).not.toMatch(/assumed/)
    expect(multi.note).not.toMatch(/assumed/)
    expect(plain.note).toMatch(/sigmoid scores assumed because .*hf-plain.config\.json does not say how the model was trained \(it has no problem_type; sigmoid is the AudioSet convention\); for a single-label model choose softmax \(--activation softmax\)/)

    // Same weights: softmax scores are the sigmoid scores' logits through a softmax.
    const sig = scoresOf(multi.results[0].top)
    const names = Object.keys(sig)
    const expected = softmax(names.map((l) => Math.log(sig[l] / (1 - sig[l]))))
    const soft = scoresOf(single.results[0].top)
    names.forEach((l, c) => expect(soft[l]).toBeCloseTo(expected[c], 4))
    expect(sum(Object.values(soft))).toBeCloseTo(1, 5)

    // Overriding the assumption: softmax, and no note about it.
    const forced = await tagFiles(path.join(box.dir, 'hf-plain'), [audio], { topK: 6, activation: 'softmax' })
    expect(forced.activation).toBe('softmax')
    expect(forced.note).not.toMatch(/assumed/)
    names.forEach((l) => expect(scoresOf(forced.results[0].top)[l]).toBeCloseTo(soft[l], 5))
  })
})
