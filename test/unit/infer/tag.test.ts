// Tagging end to end. (1) A hand-built energy-detector .onnx (helpers.ts) whose frame outputs are a
// known function of each fbank frame: stitched frames, events, clip scores and embeddings are checked
// against the audio's own features; a broken file and a missing path are reported while the rest
// is tagged. (2) A small AST in a run folder made with the run store API: exported on first use,
// cached, tagged with the run's best thresholds, and equal to the tfjs model applied window by window.
// (3) Streaming: 50 clips go through in fixed-size batches, results arrive as batches complete.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import type { RunConfig as RunConfig } from '../../../src/shared/types'
import { loadMono } from '../../../src/main/engine/audio/decode'
import { astFbank } from '../../../src/main/engine/audio/fbank'
import { normalize, padOrCut } from '../../../src/main/engine/audio/features'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { createModel } from '../../../src/main/engine/models'
import { saveCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { createRun, runDir, saveThresholds, writeCheckpoint } from '../../../src/main/engine/runs/store'
import { tagFiles, type BatchInfo } from '../../../src/main/engine/infer/tag'
import { toneBurst, useTagSandbox, writeEnergyModel, writeWavSamples } from './helpers'

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const box = useTagSandbox('tagbench-tag-')


/** Per-frame mean over mel bins of a file's fbank: what the energy model sees. */
async function frameEnergy(file: string, melBins: number): Promise<Float32Array> {
  const fb = astFbank(await loadMono(file), melBins)
  return Float32Array.from({ length: fb.frames }, (_, t) => fb.data.subarray(t * melBins, (t + 1) * melBins).reduce((a, b) => a + b, 0) / melBins)
}

describe('tagging with a self-contained .onnx (energy detector)', () => {
  const M = 32
  const T = 100 // 1 s windows
  const level = -14 // between steady tone (≈ -12.7) and digital silence (≈ -15.9)
  let model: string
  let audio: string

  beforeAll(() => {
    model = path.join(box.dir, 'energy.onnx')
    writeEnergyModel(model, { melBins: M, targetLength: T, level })
    audio = path.join(box.dir, 'audio')
    writeWavSamples(path.join(audio, 'long.wav'), toneBurst(4, 1.0, 2.5)) // 398 frames: 7 windows
    writeWavSamples(path.join(audio, 'sub', 'short.wav'), toneBurst(0.5, 0, 0.5)) // 48 frames, padded
    fs.writeFileSync(path.join(audio, 'broken.wav'), Buffer.from('RIFF....WAVEfmt this is not audio'))
    fs.writeFileSync(path.join(audio, 'notes.txt'), 'not audio')
  })

  it('tags a folder: long file windowed and stitched, events, a broken file and a missing path reported', async () => {
    const missing = path.join(box.dir, 'nope.wav')
    const out = await tagFiles(model, [audio, missing], { topK: 1, embeddings: true, events: { medianS: 0.05, minDurationS: 0.1 } })
    expect(out.engine).toBe('ort')
    expect(out.results.map((r) => path.relative(box.dir, r.file))).toEqual(['audio/broken.wav', 'audio/long.wav', 'audio/sub/short.wav', 'nope.wav'])
    const [broken, long, short, nope] = out.results
    expect(broken.error).toContain('broken.wav')
    expect(broken.top).toEqual([])
    expect(nope.error).toContain('nope.wav')

    // Stitched frames equal the model applied to each fbank frame of the whole file: any window
    // placed at the wrong offset would shift them.
    const e = await frameEnergy(path.join(audio, 'long.wav'), M)
    expect(long.frames!.frameRate).toBe(100)
    expect(long.frames!.values).toHaveLength(e.length)
    long.frames!.values.forEach((row, t) => {
      expect(row[0]).toBeCloseTo(sigmoid(e[t] - level), 5)
      expect(row[1]).toBeCloseTo(sigmoid(level - e[t]), 5)
    })
    // Max over windows of the max over frames, and no padding anywhere in a long file's windows.
    expect(long.durationS).toBeCloseTo(4, 6)
    expect(long.top).toHaveLength(1)
    const maxE = Math.max(...e)
    expect(long.top[0].label).toBe('loud')
    expect(long.top[0].score).toBeCloseTo(sigmoid(maxE - level), 5)
    expect(long.positive.sort()).toEqual(['loud', 'quiet'])

    // Events: the tone from 1.0 s to 2.5 s (its first and last fbank frames straddle the edges).
    const loud = long.events!.filter((ev) => ev.label === 'loud')
    expect(loud).toHaveLength(1)
    expect(loud[0].onset).toBeCloseTo(0.98, 2)
    expect(loud[0].offset).toBeCloseTo(2.5, 2)
    const quiet = long.events!.filter((ev) => ev.label === 'quiet').map((ev) => [ev.onset, ev.offset])
    expect(quiet).toHaveLength(2)
    expect(quiet[0][0]).toBe(0)
    expect(quiet[1][1]).toBeCloseTo(3.98, 6)

    // A file shorter than a window: one padded window; frames stop at its own 48 fbank frames.
    expect(short.frames!.values).toHaveLength(48)
    expect(short.events!.map((ev) => ev.label)).toEqual(['loud'])

    // Embeddings: rows in result order, NaN for files that failed; the energy model's embedding is
    // the mean fbank frame of each window, averaged over windows.
    expect(out.embeddingDim).toBe(M)
    expect(out.embeddings).toHaveLength(4 * M)
    expect(Number.isNaN(out.embeddings![0])).toBe(true)
    expect(Number.isNaN(out.embeddings![3 * M])).toBe(true)
    const shortEnergy = await frameEnergy(path.join(audio, 'sub', 'short.wav'), M)
    // Mean over the padded window = (sum of 48 frames + 52 zero frames) / 100, averaged over bins.
    const meanBins = Array.from(out.embeddings!.subarray(2 * M, 3 * M)).reduce((a, b) => a + b, 0) / M
    expect(meanBins).toBeCloseTo(shortEnergy.reduce((a, b) => a + b, 0) / T, 4)
  })

  it('aggregates windows by mean when asked, with the hop given in seconds', async () => {
    const file = path.join(audio, 'long.wav')
    const out = await tagFiles(model, [file], { aggregate: 'mean', hopS: 0.5 })
    const e = await frameEnergy(file, M)
    // Windows start at 0, 50, …, 250 and the last ends on frame 398: start 298.
    const starts = [0, 50, 100, 150, 200, 250, 298]
    const windowMax = starts.map((s) => sigmoid(Math.max(...e.subarray(s, s + T)) - level))
    const loud = out.results[0].top.find((t) => t.label === 'loud')!
    expect(loud.score).toBeCloseTo(windowMax.reduce((a, b) => a + b, 0) / starts.length, 5)
  })

  it('streams: 50 clips in batches of 8, results as each batch completes, few files held at once', async () => {
    const clips = path.join(box.dir, 'clips')
    for (let i = 0; i < 50; i++) writeWavSamples(path.join(clips, `c${String(i).padStart(2, '0')}.wav`), toneBurst(0.3, 0.05 * (i % 4), 0.3))
    const log: string[] = []
    const batches: BatchInfo[] = []
    const out = await tagFiles(model, [clips], { batchSize: 8 }, {
      onBatch: (b) => {
        batches.push(b)
        log.push('batch')
      },
      onResult: (_r, i) => log.push(`result ${i}`)
    })
    expect(out.results.filter((r) => !r.error)).toHaveLength(50)
    expect(batches.map((b) => b.windows)).toEqual([8, 8, 8, 8, 8, 8, 2])
    expect(Math.max(...batches.map((b) => b.filesInMemory))).toBeLessThanOrEqual(8)
    // The first 8 results are out before the second batch is even filled.
    expect(log.slice(0, 10)).toEqual(['batch', ...Array.from({ length: 8 }, (_, i) => `result ${i}`), 'batch'])
  })

  it('stops when cancelled, refuses a hop longer than a window, and reports the CUDA fall-back when CUDA is asked for', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(tagFiles(model, [audio], {}, { signal: ac.signal })).rejects.toThrow(/cancelled/)
    await expect(tagFiles(model, [audio], { hopS: 1.5 })).rejects.toThrow(/longer than the model's window \(1\.00 s\)/)
    const out = await tagFiles(model, [path.join(audio, 'long.wav')], { provider: 'cuda' })
    if (out.provider !== 'cuda') expect(out.note).toMatch(/CUDA/)
    expect(out.results[0].error).toBeUndefined()
  })
})

describe('tagging a run', () => {
  it('exports the best checkpoint on first use, caches it, uses the best thresholds, and equals tfjs window by window', async () => {
    const labels = ['a', 'b', 'c']
    const config = makeAstConfig({ embedDim: 24, heads: 2, depth: 2, fstride: 16, tstride: 16, melBins: 32, targetLength: 64, labels, norm: { mean: -8, std: 4 } })
    const model = createModel(config, 1)
    const runCfg = { dataset: 'ds', model: 'ast', size: 'tiny', epochs: 1, lr: 1e-4 } as unknown as RunConfig
    const id = createRun(runCfg, { datasetName: 'ds', datasetFingerprint: 'f', classNames: labels, valClips: 3 })
    await writeCheckpoint(id, 'best', (d) => saveCheckpoint(d, model))
    const sgl = [0.2, 0.5, 0.8]
    saveThresholds(id, {
      classNames: labels,
      methods: [
        { method: 'default', thresholds: [0.5, 0.5, 0.5], microF1: 0.4, macroF1: 0.3 },
        { method: 'sgl', thresholds: sgl, microF1: 0.6, macroF1: 0.5 },
        { method: 'search', thresholds: [0.1, 0.1, 0.1], microF1: 0.55, macroF1: 0.5 }
      ]
    })
    const file = path.join(box.dir, 'run-audio', 'clip.wav')
    writeWavSamples(file, toneBurst(1.2, 0.3, 0.9)) // 118 frames: windows at 0, 32 and 54

    const out = await tagFiles(id, [file], { topK: 3 })
    const onnx = path.join(runDir(id), 'export', 'model.onnx')
    expect(fs.existsSync(onnx)).toBe(true)
    const firstMtime = fs.statSync(onnx).mtimeMs
    expect(out.engine).toBe('ort')
    expect(out.model).toContain(id)
    const r = out.results[0]

    // Reference: the tfjs model on each window (padOrCut + normalise), sigmoid, max over windows.
    const fb = astFbank(await loadMono(file), 32)
    const expected = new Float64Array(3).fill(-Infinity)
    for (const s of [0, 32, 54]) {
      const win = normalize(padOrCut(fb.data.subarray(s * 32), fb.frames - s, 32, 64), -8, 4)
      const logits = tf.tidy(() => model.apply(tf.tensor3d(win, [1, 64, 32]), false).logits.dataSync())
      logits.forEach((l, c) => (expected[c] = Math.max(expected[c], sigmoid(l))))
    }
    const scores = Object.fromEntries(r.top.map((t) => [t.label, t.score]))
    labels.forEach((l, c) => expect(scores[l]).toBeCloseTo(expected[c], 4))
    expect(r.positive.sort()).toEqual(labels.filter((l, c) => expected[c] >= sgl[c]).sort())

    // Cached: a second run reuses the export; the tfjs engine gives the same scores.
    const again = await tagFiles(id, [file], { topK: 3, engine: 'tfjs' })
    expect(again.engine).toBe('tfjs')
    expect(again.note).toMatch(/tfjs was asked for/)
    again.results[0].top.forEach((t) => expect(t.score).toBeCloseTo(scores[t.label], 4))
    await tagFiles(id, [file])
    expect(fs.statSync(onnx).mtimeMs).toBe(firstMtime)
    model.dispose()
  })

  it('tags with an HTS-AT checkpoint folder: stitched frames and events, ORT equal to tfjs', async () => {
    const labels = ['x', 'y']
    const config = makeHtsatConfig({ size: 'tiny', specSize: 64, melBins: 32, targetLength: 120, embedDim: 12, depths: [2, 2, 2], heads: [2, 4, 8], window: 4, labels, dropPath: 0 })
    const model = createModel(config, 4)
    const ckpt = path.join(box.dir, 'htsat-ckpt')
    await saveCheckpoint(ckpt, model)
    model.dispose()
    const file = path.join(box.dir, 'htsat-audio', 'clip.wav')
    writeWavSamples(file, toneBurst(3, 0.5, 2)) // 298 frames: windows at 0, 60, 120, 178
    const ort = await tagFiles(ckpt, [file], { aggregate: 'mean' })
    const tfjs = await tagFiles(ckpt, [file], { aggregate: 'mean', engine: 'tfjs' })
    expect([ort.engine, tfjs.engine]).toEqual(['ort', 'tfjs'])
    const [a, b] = [ort.results[0], tfjs.results[0]]
    // 8 steps per 1.2 s window: 6.67 steps/s; the file's 298 frames span ceil(2.98 · 6.67) = 20 steps.
    expect(a.frames!.frameRate).toBeCloseTo(8 / 1.2, 9)
    expect(a.frames!.values).toHaveLength(20)
    a.frames!.values.forEach((row, t) => row.forEach((v, c) => expect(v).toBeCloseTo(b.frames!.values[t][c], 4)))
    expect(a.events).toEqual(expect.any(Array))
    expect(a.events!.length).toBe(b.events!.length)
  })

  it('names the reference when it is no model', async () => {
    await expect(tagFiles('no-such-run', [box.dir])).rejects.toThrow(/no-such-run/)
    const notModel = path.join(box.dir, 'x.txt')
    fs.writeFileSync(notModel, 'x')
    await expect(tagFiles(notModel, [box.dir])).rejects.toThrow(/x\.txt/)
  })
})
