// The ort engine against the tfjs engine on the same weights and batch: the loss and every gradient
// of a micro-batch agree for each loss (BCE, weighted BCE, focal, CE, label smoothing), with dropout
// and drop-path (the masks are the tfjs model's own draws), with a frame head and frame loss, and for
// a frozen backbone (head gradients only). The tfjs model is the reference here; the PyTorch
// fixtures (astGradTorch.test.ts) check the graph independently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../../src/main/engine/platform/backend'
import { makeAstConfig, type AstConfigInput } from '../../../../src/main/engine/models/ast/config'
import { makeHtsatConfig, type HtsatConfigInput } from '../../../../src/main/engine/models/htsat/config'
import type { HtsatModel } from '../../../../src/main/engine/models/htsat/model'
import type { ModelConfig } from '../../../../src/main/engine/models/config'
import { createModel } from '../../../../src/main/engine/models'
import { frameOutput } from '../../../../src/main/engine/models/frameHead'
import { makeRng } from '../../../../src/main/engine/util/rng'
import type { Batch } from '../../../../src/main/engine/train/data'
import type { LossOptions } from '../../../../src/main/engine/train/losses'
import { createStepGradients } from '../../../../src/main/engine/train/parallel/pool'
import type { LossContext } from '../../../../src/main/engine/train/parallel/shard'
import { createOrtStepGradients } from '../../../../src/main/engine/train/ort/engine'

const T = 48
const F = 32
const C = 4
const config = (over: AstConfigInput = {}) =>
  makeAstConfig({ size: 'tiny', embedDim: 32, heads: 2, depth: 2, melBins: F, targetLength: T, fstride: 10, tstride: 12, numClasses: C, norm: { mean: 0, std: 0.5 }, ...over })

function randomBatch(seed: number, n: number, frames: number | null, t = T, f = F): Batch {
  const rng = makeRng(seed)
  const b: Batch = {
    size: n,
    x: Float32Array.from({ length: n * t * f }, () => rng.normal()),
    // Soft targets (as after mixup) exercise the losses' general form.
    y: Float32Array.from({ length: n * C }, () => (rng.next() < 0.3 ? 1 : rng.next() < 0.2 ? 0.4 : 0))
  }
  if (frames !== null) {
    b.frameY = Float32Array.from({ length: n * frames * C }, () => (rng.next() < 0.2 ? 1 : 0))
    b.frameMask = Float32Array.from({ length: n * frames }, (_, i) => (i % frames < frames - 2 ? 1 : 0))
  }
  return b
}

const relErr = (a: Float32Array, b: Float32Array) => {
  let d = 0
  let s = 0
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]))
    s = Math.max(s, Math.abs(b[i]))
  }
  return d / Math.max(s, 1e-12)
}

async function compare(over: AstConfigInput, loss: LossOptions, frames = false, share = 0.5) {
  return compareModels(config(frames ? { ...over, frameHead: { frameRate: 25 } } : over), loss, frames, share)
}

async function compareModels(cfg: ModelConfig, loss: LossOptions, frames: boolean, share: number) {
  const model = createModel(cfg, 3)
  const nFrames = frames ? frameOutput(cfg)!.frames : null
  const ctx: LossContext = { loss, classes: C, frames: nFrames !== null ? { count: nFrames, rate: 25 } : null }
  const vars = model.trainableVariables()
  const ref = await createStepGradients(model, vars, { threads: 1, seed: 0, lossContext: ctx })
  const ort = await createOrtStepGradients(model, vars, { threads: 1, lossContext: ctx, provider: 'cpu', spinning: false })
  const batch = randomBatch(7, 3, nFrames, cfg.targetLength, cfg.melBins)
  const bn = cfg.kind === 'htsat' ? ['bn0.running_mean', 'bn0.running_var'].map((n) => (model as HtsatModel).params.get(n)) : []
  const before = bn.map((v) => v.dataSync().slice())
  const a = await ref.compute(batch, share, 1234)
  const between = bn.map((v) => v.dataSync().slice())
  const b = await ort.compute(batch, share, 1234)
  expect(b.grads.length).toBe(a.grads.length)
  expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-5)
  a.grads.forEach((g, i) => {
    expect(b.grads[i].shape).toEqual(g.shape)
    expect(relErr(b.grads[i].dataSync() as Float32Array, g.dataSync() as Float32Array)).toBeLessThan(1e-4)
  })
  tf.dispose([...a.grads, ...b.grads])
  // bn0 (HTS-AT) in training mode: each pass moves the running statistics by 0.1 × the same batch's
  // statistics, so the ort pass's step (after 0.9 × what tfjs left) equals the tfjs pass's step.
  bn.forEach((v, i) => {
    const after = v.dataSync()
    const tfjsStep = Float32Array.from(between[i], (x, k) => x - 0.9 * before[i][k])
    const ortStep = Float32Array.from(after, (x, k) => x - 0.9 * between[i][k])
    expect(tfjsStep.some((x) => Math.abs(x) > 1e-3)).toBe(true)
    expect(relErr(ortStep, tfjsStep)).toBeLessThan(1e-5)
  })
  await ort.dispose()
  await ref.dispose()
  model.dispose()
  return { vars: vars.length }
}

describe('ort engine gradients = tfjs engine gradients', () => {
  beforeAll(async () => {
    await initBackend()
  })
  afterAll(() => undefined)

  it('BCE, overlapping patches', async () => {
    await compare({}, { kind: 'bce' })
  })
  it('BCE with label smoothing, stride 16', async () => {
    await compare({ fstride: 16, tstride: 16 }, { kind: 'bce', labelSmoothing: 0.1 })
  })
  it('weighted BCE', async () => {
    await compare({}, { kind: 'weighted-bce', classWeights: [0.5, 1, 1.5, 1] })
  })
  it('focal loss (γ 2, α 0.25)', async () => {
    await compare({}, { kind: 'focal', focalGamma: 2, focalAlpha: 0.25 })
  })
  it('CE with label smoothing', async () => {
    await compare({}, { kind: 'ce', labelSmoothing: 0.1 })
  })
  it('dropout and drop-path: the same masks as the tfjs model', async () => {
    await compare({ dropout: 0.2, dropPath: 0.3 }, { kind: 'bce' })
  })
  it('frame head with a masked frame loss', async () => {
    await compare({}, { kind: 'bce' }, true)
  })
  it('frozen backbone: only the head has gradients', async () => {
    const { vars } = await compare({ frozen: true }, { kind: 'bce' })
    expect(vars).toBe(4)
  })
})

// HTS-AT: 2 stages (shifted windows in the first, a clamped window in the second), 60 frames resized
// to 64, batch 3. The tfjs engine runs on one thread so that bn0 sees the same batch as ort.
const htsat = (over: HtsatConfigInput = {}) =>
  makeHtsatConfig({ size: 'tiny', specSize: 32, melBins: 16, targetLength: 60, embedDim: 8, depths: [2, 2], heads: [1, 2], window: 4, numClasses: C, dropPath: 0, ...over })

describe('ort engine gradients = tfjs engine gradients (HTS-AT)', () => {
  beforeAll(async () => {
    await initBackend()
  })

  it('BCE', async () => {
    await compareModels(htsat(), { kind: 'bce' }, false, 0.5)
  })
  it('CE with label smoothing', async () => {
    await compareModels(htsat(), { kind: 'ce', labelSmoothing: 0.1 }, false, 1)
  })
  it('dropout and drop-path: the same masks as the tfjs model', async () => {
    await compareModels(htsat({ dropout: 0.2, dropPath: 0.3 }), { kind: 'bce' }, false, 0.5)
  })
  it('frame head with a masked frame loss', async () => {
    await compareModels(htsat({ frameHead: { frameRate: 25 } }), { kind: 'focal' }, true, 0.5)
  })
  it('token-semantic frame loss (no frame head)', async () => {
    await compareModels(htsat(), { kind: 'bce' }, true, 0.5)
  })
  it('frozen backbone: only the token-semantic conv has gradients', async () => {
    const { vars } = await compareModels(htsat({ frozen: true }), { kind: 'bce' }, false, 0.5)
    expect(vars).toBe(2)
  })
})
