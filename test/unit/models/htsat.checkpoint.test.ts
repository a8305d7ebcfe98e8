// HTS-AT through the shared checkpoint folder (createModel dispatch, safetensors under the reference
// names): after a training step has moved the weights and bn0's running statistics, a reload gives
// the same weights and bit-identical eval outputs.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { initBackend, tf } from '../../../src/main/engine/platform/backend'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { createModel } from '../../../src/main/engine/models'
import { hostWeights, loadCheckpoint, saveCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { readSafetensors } from '../../../src/main/engine/models/safetensors'

beforeAll(async () => {
  await initBackend('wasm')
})

describe('HTS-AT checkpoints', () => {
  it('reload bit-identically, running statistics included', async () => {
    const config = makeHtsatConfig({ specSize: 32, melBins: 16, targetLength: 60, patchSize: 4, embedDim: 8, depths: [2, 1], heads: [2, 2], window: 4, labels: ['a', 'b'] })
    const model = createModel(config, 5)
    const x = tf.randomNormal([2, 60, 16], -4, 3, 'float32', 9) as tf.Tensor3D
    const opt = tf.train.sgd(0.1)
    opt.minimize(() => tf.mean(model.apply(x, true).logits) as tf.Scalar, false, model.trainableVariables())
    opt.dispose()

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'htsat-ckpt-'))
    await saveCheckpoint(dir, model)
    const st = readSafetensors(path.join(dir, 'model.safetensors'))
    expect(st.get('patch_embed.proj.weight')!.shape).toEqual([8, 1, 4, 4])
    expect(st.get('layers.0.blocks.1.attn.relative_position_bias_table')!.shape).toEqual([49, 2])
    expect(st.get('layers.0.downsample.reduction.weight')!.shape).toEqual([16, 32])
    expect(st.get('tscam_conv.weight')!.shape).toEqual([2, 16, 2, 3])
    // One training pass moved bn0's running statistics away from their initial 0 / 1.
    expect(Math.max(...st.get('bn0.running_mean')!.data.map(Math.abs))).toBeGreaterThan(0.1)

    const back = loadCheckpoint(dir)
    expect(back.config).toEqual(config)
    const a = hostWeights(model)
    const b = hostWeights(back)
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    for (const [name, t] of a) expect(b.get(name)!.data, name).toEqual(t.data)
    const o1 = model.apply(x, false)
    const o2 = back.apply(x, false)
    expect(o2.logits.dataSync()).toEqual(o1.logits.dataSync())
    expect(o2.frameLogits!.dataSync()).toEqual(o1.frameLogits!.dataSync())
    tf.dispose([x, o1.logits, o1.embedding, o1.frameLogits!, o2.logits, o2.embedding, o2.frameLogits!])
    model.dispose()
    back.dispose()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
