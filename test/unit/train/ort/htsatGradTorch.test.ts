// The ORT training graph of HTS-AT against PyTorch's autograd: the tiny HTS-AT of
// test/fixtures/models/htsat (3 stages, shifted 4×4 windows, the last stage clamped to its 4×4 map,
// 120 frames resized to 128, token-semantic conv), bn0 in training mode, BCE on the clip logits, and
// a frame head with the masked frame loss. Fixtures made by test/fixtures/train/ort/make_grad_fixtures.py
// (an independent float64 HTS-AT after RetroCirce/HTS-Audio-Transformer). Every parameter's gradient
// within 1e-4 of its largest value; bn0's running statistics move as PyTorch's do.
import { beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../../src/main/engine/platform/backend'
import { readJsonSync } from '../../../../src/main/engine/io/fsutil'
import { readNpyFloat32 } from '../../../../src/main/engine/io/npy'
import { createModel } from '../../../../src/main/engine/models'
import { makeHtsatConfig } from '../../../../src/main/engine/models/htsat/config'
import type { HtsatModel } from '../../../../src/main/engine/models/htsat/model'
import { splitFlat as split, torchLayout } from './torchFixtures'
import type { Batch } from '../../../../src/main/engine/train/data'
import { createOrtStepGradients } from '../../../../src/main/engine/train/ort/engine'

const FIX = path.resolve(__dirname, '../../../fixtures/train/ort')

interface Meta {
  config: { specSize: number; melBins: number; targetLength: number; patchSize: number; embedDim: number; depths: number[]; heads: number[]; window: number; mlpRatio: number; numClasses: number }
  batch: number
  frames: number | null
  frameRate: number | null
  loss: number
  weights: { name: string; shape: number[] }[]
  grads: { name: string; shape: number[] }[]
}

const npy = (name: string) => readNpyFloat32(path.join(FIX, name)).data


function relErr(got: Float32Array, want: Float32Array): { err: number; scale: number } {
  let diff = 0
  let scale = 0
  want.forEach((v, k) => {
    diff = Math.max(diff, Math.abs(got[k] - v))
    scale = Math.max(scale, Math.abs(v))
  })
  return { err: diff / scale, scale }
}

describe.each(['htsat_clip', 'htsat_frame'])('HTS-AT ORT training graph vs PyTorch autograd (%s)', (name) => {
  beforeAll(async () => {
    await initBackend()
  })

  it("gives PyTorch's loss, every parameter's gradient and bn0's running statistics", async () => {
    const meta = readJsonSync<Meta>(path.join(FIX, `${name}.json`))
    const c = meta.config
    const config = makeHtsatConfig({ ...c, dropPath: 0, dropout: 0, ...(meta.frameRate ? { frameHead: { frameRate: meta.frameRate } } : {}) })
    const model = createModel(config, 0) as HtsatModel
    expect(model.loadWeights(split(meta.weights, npy(`${name}.weights.npy`)), name)).toEqual([])
    const batch: Batch = { size: meta.batch, x: npy(`${name}.input.npy`), y: npy(`${name}.targets.npy`) }
    if (meta.frames) {
      batch.frameY = npy(`${name}.frame_targets.npy`)
      batch.frameMask = npy(`${name}.frame_mask.npy`)
    }
    const vars = model.trainableVariables()
    const engine = await createOrtStepGradients(model, vars, {
      threads: 1, provider: 'cpu', spinning: false,
      lossContext: { loss: { kind: 'bce' }, classes: c.numClasses, frames: meta.frames ? { count: meta.frames, rate: meta.frameRate! } : null }
    })
    const { loss, grads } = await engine.compute(batch, 1)
    expect(Math.abs(loss - meta.loss) / meta.loss).toBeLessThan(1e-5)
    const ref = split(meta.grads, npy(`${name}.grads.npy`))
    const trained = model.params.list().filter((p) => p.variable.trainable)
    expect(trained.map((p) => p.name).sort()).toEqual([...ref.keys()].sort())
    trained.forEach((p, i) => {
      const { err, scale } = relErr(torchLayout(grads[i].dataSync() as Float32Array, p.layout, p.torchShape), ref.get(p.name)!.data)
      expect(scale, p.name).toBeGreaterThan(0)
      expect(err, p.name).toBeLessThan(1e-4)
    })
    // One training pass moved bn0's running statistics as torch.nn.BatchNorm2d moves them.
    const running = npy(`${name}.running.npy`)
    const F = c.melBins
    expect(relErr(model.params.get('bn0.running_mean').dataSync() as Float32Array, running.subarray(0, F)).err).toBeLessThan(1e-5)
    expect(relErr(model.params.get('bn0.running_var').dataSync() as Float32Array, running.subarray(F)).err).toBeLessThan(1e-5)
    tf.dispose(grads)
    await engine.dispose()
    model.dispose()
  })
})
