// When onnxruntime-node cannot load, tagging falls back to the tfjs model and says why; a bare .onnx
// (which has no tfjs model behind it) gets a clear error instead. The load failure is simulated by
// replacing loadOrt for this file only.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { toneBurst, writeEnergyModel, writeWavSamples } from './helpers'

vi.mock('../../../src/main/engine/infer/ortSession', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/main/engine/infer/ortSession')>()),
  loadOrt: () => ({ ort: null, reason: 'onnxruntime-node failed to load: libonnxruntime.so.1: cannot open shared object file' })
}))
const { tagFiles } = await import('../../../src/main/engine/infer/tag')

const HF = path.resolve(__dirname, '../../fixtures/models/ast/hf_ast')
let dir: string
const saved = process.env.TAGBENCH_DATA_DIR

beforeAll(async () => {
  await initBackend('wasm')
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-no-ort-'))
  process.env.TAGBENCH_DATA_DIR = path.join(dir, 'data')
  writeWavSamples(path.join(dir, 'a.wav'), toneBurst(1.5, 0.2, 1.2))
})
afterAll(() => {
  if (saved === undefined) delete process.env.TAGBENCH_DATA_DIR
  else process.env.TAGBENCH_DATA_DIR = saved
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('without ONNX Runtime', () => {
  it('tags through tfjs and says why, leaving no tensors behind', async () => {
    const tensors = tf.memory().numTensors
    const out = await tagFiles(HF, [path.join(dir, 'a.wav')])
    expect(tf.memory().numTensors).toBe(tensors)
    expect(out.engine).toBe('tfjs')
    expect(out.note).toMatch(/ONNX Runtime is unavailable \(onnxruntime-node failed to load: libonnxruntime/)
    expect(out.results[0].error).toBeUndefined()
    expect(out.results[0].top).toHaveLength(5)
    // No export was needed for the tfjs path.
    expect(fs.existsSync(path.join(dir, 'data', 'cache', 'onnx'))).toBe(false)
  })

  it('refuses a bare .onnx file with the reason, and an explicit --engine ort', async () => {
    const file = path.join(dir, 'energy.onnx')
    writeEnergyModel(file, { melBins: 32, targetLength: 100, level: -14 })
    await expect(tagFiles(file, [dir])).rejects.toThrow(/energy\.onnx: a \.onnx file needs ONNX Runtime, and onnxruntime-node failed to load/)
    await expect(tagFiles(HF, [dir], { engine: 'ort' })).rejects.toThrow(/ONNX Runtime was asked for but onnxruntime-node failed to load/)
  })
})
