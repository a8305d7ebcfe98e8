// The ORT training graph's loss and gradients against PyTorch's autograd: tiny ASTs (stride 16, and
// overlapping stride 10×12) and the frame head with its masked frame loss, 128 mel × 64 frames,
// batch 2, BCE. Fixtures made by test/fixtures/train/ort/make_grad_fixtures.py (plain torch,
// bench/reference_infer.py's AST). Every parameter's gradient within 1e-4 of its largest value.
import { beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../../src/main/engine/platform/backend'
import { readJsonSync } from '../../../../src/main/engine/io/fsutil'
import { readNpyFloat32 } from '../../../../src/main/engine/io/npy'
import type { AstModel } from '../../../../src/main/engine/models/ast/model'
import { makeAstConfig } from '../../../../src/main/engine/models/ast/config'
import { createModel } from '../../../../src/main/engine/models'
import { splitFlat, torchLayout } from './torchFixtures'
import type { Batch } from '../../../../src/main/engine/train/data'
import { createOrtStepGradients } from '../../../../src/main/engine/train/ort/engine'

const FIX = path.resolve(__dirname, '../../../fixtures/train/ort')

interface Meta {
  config: { dim: number; depth: number; heads: number; fstride: number; tstride: number; mel_bins: number; target_length: number; classes: number }
  batch: number
  frames: number | null
  loss: number
  blockEps: number
  headEps: number
  weights: { name: string; shape: number[] }[]
}

const npy = (name: string) => readNpyFloat32(path.join(FIX, name)).data

const split = (meta: Meta, flat: Float32Array) => splitFlat(meta.weights, flat)

describe.each(['ast_s16', 'ast_s10', 'ast_frame'])('ORT training graph vs PyTorch autograd (%s)', (name) => {
  beforeAll(async () => {
    await initBackend()
  })

  it('gives PyTorch\'s loss and every parameter\'s gradient', async () => {
    const meta = readJsonSync<Meta>(path.join(FIX, `${name}.json`))
    const c = meta.config
    const config = makeAstConfig({
      embedDim: c.dim, depth: c.depth, heads: c.heads, fstride: c.fstride, tstride: c.tstride, melBins: c.mel_bins, targetLength: c.target_length,
      numClasses: c.classes, blockEps: meta.blockEps, headEps: meta.headEps, norm: { mean: 0, std: 0.5 },
      ...(meta.frames ? { frameHead: { frameRate: 25 } } : {})
    })
    const model = createModel(config, 0) as AstModel
    expect(model.loadWeights(split(meta, npy(`${name}.weights.npy`)), name)).toEqual([])
    const batch: Batch = { size: meta.batch, x: npy(`${name}.input.npy`), y: npy(`${name}.targets.npy`) }
    if (meta.frames) {
      batch.frameY = npy(`${name}.frame_targets.npy`)
      batch.frameMask = npy(`${name}.frame_mask.npy`)
    }
    const vars = model.trainableVariables()
    const engine = await createOrtStepGradients(model, vars, {
      threads: 1, provider: 'cpu', spinning: false,
      lossContext: { loss: { kind: 'bce' }, classes: c.classes, frames: meta.frames ? { count: meta.frames, rate: 25 } : null }
    })
    const { loss, grads } = await engine.compute(batch, 1)
    expect(Math.abs(loss - meta.loss) / meta.loss).toBeLessThan(1e-5)
    const ref = split(meta, npy(`${name}.grads.npy`))
    const params = model.params.list()
    expect(params.length).toBe(ref.size)
    params.forEach((p, i) => {
      const want = ref.get(p.name)!
      const got = torchLayout(grads[i].dataSync() as Float32Array, p.layout, p.torchShape)
      let diff = 0
      let scale = 0
      want.data.forEach((v, k) => {
        diff = Math.max(diff, Math.abs(got[k] - v))
        scale = Math.max(scale, Math.abs(v))
      })
      expect(scale, p.name).toBeGreaterThan(0)
      expect(diff / scale, p.name).toBeLessThan(1e-4)
    })
    tf.dispose(grads)
    await engine.dispose()
    model.dispose()
  })
})
