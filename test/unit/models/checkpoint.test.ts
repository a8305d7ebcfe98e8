// Checkpoint folders: bit-identical reload (weights and outputs), the config travelling with it,
// fine-tuning from a checkpoint (new head, regridded positions), and damaged folders named in errors.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createModel } from '../../../src/main/engine/models'
import { hostWeights, loadCheckpoint, readCheckpointExtra, saveCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { readSafetensors, writeSafetensors } from '../../../src/main/engine/models/safetensors'
import { astGrid, type AstConfig } from '../../../src/main/engine/models/ast/config'

beforeAll(async () => {
  await initBackend('wasm')
})

const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 2, fstride: 10, tstride: 12, melBins: 40, targetLength: 64, labels: ['x', 'y', 'z'], norm: { mean: -3, std: 2 } })
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'))
const input = (frames: number) => tf.randomNormal([2, frames, 40], 0, 1, 'float32', 5) as tf.Tensor3D

describe('checkpoints', () => {
  it('reload bit-identically, with the config, reference names and PyTorch layouts', async () => {
    const dir = tmp()
    const model = createModel(config, 11)
    await saveCheckpoint(dir, model, { epoch: 3 })
    const st = readSafetensors(path.join(dir, 'model.safetensors'))
    expect(st.get('v.patch_embed.proj.weight')!.shape).toEqual([32, 1, 16, 16])
    expect(st.get('v.blocks.1.attn.qkv.weight')!.shape).toEqual([96, 32])
    expect(st.get('v.pos_embed')!.shape).toEqual([1, 2 + 3 * 5, 32])
    expect(st.get('mlp_head.1.weight')!.shape).toEqual([3, 32])
    expect([...st.values()].every((t) => t.dtype === 'F32')).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual(config)
    expect(readCheckpointExtra(dir)).toEqual({ epoch: 3 })

    const back = loadCheckpoint(dir)
    expect(back.config).toEqual(config)
    const a = hostWeights(model)
    const b = hostWeights(back)
    expect([...b.keys()]).toEqual([...a.keys()])
    for (const [n, t] of a) expect(Buffer.from(b.get(n)!.data.buffer).equals(Buffer.from(t.data.buffer)), n).toBe(true)
    const x = input(64)
    const ya = model.apply(x, false)
    const yb = back.apply(x, false)
    expect(Buffer.from(yb.logits.dataSync().buffer).equals(Buffer.from(ya.logits.dataSync().buffer))).toBe(true)
    tf.dispose([x, ya.logits, ya.embedding, yb.logits, yb.embedding])
    model.dispose()
    back.dispose()
    fs.rmSync(dir, { recursive: true })
  })

  it('start a new task: a new head, another frame count, the trunk kept', async () => {
    const dir = tmp()
    const model = createModel(config, 12)
    await saveCheckpoint(dir, model)
    const tuned = loadCheckpoint(dir, { labels: ['p', 'q'], targetLength: 100, frozen: true, seed: 4 })
    expect(tuned.config).toMatchObject({ labels: ['p', 'q'], numClasses: 2, targetLength: 100, frozen: true })
    const w = hostWeights(tuned)
    const old = hostWeights(model)
    const grid = astGrid(tuned.config as AstConfig)
    expect(grid).toEqual({ fDim: 3, tDim: 8 })
    expect(w.get('v.pos_embed')!.shape).toEqual([1, 2 + 3 * 8, 32])
    expect(Array.from(w.get('v.blocks.0.mlp.fc1.weight')!.data)).toEqual(Array.from(old.get('v.blocks.0.mlp.fc1.weight')!.data))
    expect(w.get('mlp_head.1.weight')!.shape).toEqual([2, 32])
    // Frozen: only the head trains.
    expect(tuned.trainableVariables().length).toBe(4)
    const x = input(100)
    const out = tuned.apply(x, false)
    expect(out.logits.shape).toEqual([2, 2])
    tf.dispose([x, out.logits, out.embedding])
    model.dispose()
    tuned.dispose()
    fs.rmSync(dir, { recursive: true })
  })

  it('add a new frame head on a pretrained trunk', async () => {
    const dir = tmp()
    const model = createModel(config, 14)
    await saveCheckpoint(dir, model)
    const tuned = loadCheckpoint(dir, { labels: ['p', 'q'], frameHead: { frameRate: 25 } })
    expect(tuned.config.frameHead).toEqual({ frameRate: 25 })
    const x = input(64)
    const out = tuned.apply(x, false)
    // 64 feature frames at 100 frames/s → 0.64 s → 16 frames at 25 frames/s.
    expect(out.frameLogits!.shape).toEqual([2, 16, 2])
    tf.dispose([x, out.logits, out.embedding, out.frameLogits!])
    model.dispose()
    tuned.dispose()
    fs.rmSync(dir, { recursive: true })
  })

  it('name the file and tensor when a checkpoint does not fit its config', async () => {
    const dir = tmp()
    const model = createModel(config, 13)
    await saveCheckpoint(dir, model)
    const weights = hostWeights(model)
    weights.delete('v.norm.bias')
    writeSafetensors(path.join(dir, 'model.safetensors'), weights)
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: no weights for v\.norm\.bias/)
    weights.set('v.norm.bias', { shape: [31], data: new Float32Array(31) })
    writeSafetensors(path.join(dir, 'model.safetensors'), weights)
    expect(() => loadCheckpoint(dir)).toThrow(/model\.safetensors: tensor v\.norm\.bias has shape \[31\], the model expects \[32\]/)
    fs.writeFileSync(path.join(dir, 'config.json'), '{"kind": ')
    expect(() => loadCheckpoint(dir)).toThrow(/config\.json is not valid JSON/)
    expect(() => loadCheckpoint(path.join(dir, 'missing'))).toThrow(/Cannot read .*missing\/config\.json: ENOENT/)
    model.dispose()
    fs.rmSync(dir, { recursive: true })
  })
})
