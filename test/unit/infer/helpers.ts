// Test-only helpers for tagging: WAV files from samples, and a tiny hand-built "energy detector"
// ONNX model whose outputs are known functions of the input, so windowing, stitching and event
// times can be checked against the audio itself.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { closeSessions } from '../../../src/main/engine/infer/ortSession'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createGraphBuilder, encodeModel, tensorInfo } from '../../../src/main/engine/infer/onnxGraph'
import { metadataProps, type OnnxModelMeta } from '../../../src/main/engine/infer/onnxExport'
import type { ScoreActivation } from '../../../src/main/engine/infer/activation'
import { pcm16Wav } from '../../wav'

/** 16-bit mono PCM WAV of the samples (scaled by 32767, clipped). */
export function writeWavSamples(file: string, samples: Float32Array, sampleRate = 16000): void {
  const pcm = Int16Array.from(samples, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, pcm16Wav([pcm], sampleRate))
}

/** Silence with a 440 Hz tone (amplitude 0.3) between onS and offS. */
export function toneBurst(totalS: number, onS: number, offS: number, sampleRate = 16000): Float32Array {
  return Float32Array.from({ length: Math.round(totalS * sampleRate) }, (_, i) => {
    const t = i / sampleRate
    return t >= onS && t < offS ? 0.3 * Math.sin(2 * Math.PI * 440 * t) : 0
  })
}

/**
 * An ONNX model over fbank [B, T, F] (unnormalised log-mel) with labels ['loud', 'quiet']: per frame,
 * e = mean over mel bins; frame_logits = [e - level, level - e] at 100 frames/s; logits = their max
 * over time; embedding = the mean fbank frame [F]. Digital silence is log(eps) ≈ -15.9 in every bin.
 * `activation: null` writes the metadata of an export made before the activation key existed.
 */
export function writeEnergyModel(file: string, opts: { melBins: number; targetLength: number; level: number; activation?: ScoreActivation | null }): OnnxModelMeta {
  const { melBins: F, targetLength: T, level } = opts
  const g = createGraphBuilder()
  const e = g.op('ReduceMean', ['fbank'], { axes: [2], keepdims: 1 })
  const frames = g.op('Add', [g.op('Mul', [e, g.weight('sign', [2], Float32Array.of(1, -1))]), g.weight('offset', [2], Float32Array.of(-level, level))])
  const logits = g.op('ReduceMax', [frames], { axes: [1], keepdims: 0 })
  const embedding = g.op('ReduceMean', ['fbank'], { axes: [1], keepdims: 0 })
  const outputs = [
    tensorInfo(g.output('logits', logits), ['batch', 2]),
    tensorInfo(g.output('embedding', embedding), ['batch', F]),
    tensorInfo(g.output('frame_logits', frames), ['batch', T, 2])
  ]
  const config = makeAstConfig({ labels: ['loud', 'quiet'], melBins: F, targetLength: T, embedDim: 16, heads: 1, depth: 1 })
  const meta: OnnxModelMeta = {
    labels: ['loud', 'quiet'],
    features: { kind: 'kaldi-fbank', sampleRate: 16000, melBins: F, targetLength: T, frameShiftS: 0.01, norm: null },
    thresholds: [0.5, 0.5],
    activation: opts.activation ?? 'sigmoid',
    modelKind: 'ast',
    model: config,
    frameOutput: { frames: T, frameRate: 100 },
    embeddingDim: F
  }
  const props = metadataProps(meta)
  if (opts.activation === null) delete props.activation
  fs.writeFileSync(file, encodeModel(g.graph('energy', [tensorInfo('fbank', ['batch', T, F])], outputs), props, 'test'))
  return meta
}

/**
 * For a test file that tags: wasm ready, and a temp folder holding the app's data folder (box.dir/data)
 * for the file's tests; afterwards ORT sessions are closed, the folder removed and the data-folder
 * setting restored.
 */
export function useTagSandbox(prefix: string): { readonly dir: string } {
  let dir = ''
  const saved = process.env.TAGBENCH_DATA_DIR
  beforeAll(async () => {
    await initBackend('wasm')
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
    process.env.TAGBENCH_DATA_DIR = path.join(dir, 'data')
  })
  afterAll(async () => {
    await closeSessions()
    if (saved === undefined) delete process.env.TAGBENCH_DATA_DIR
    else process.env.TAGBENCH_DATA_DIR = saved
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return {
    get dir() {
      return dir
    }
  }
}
