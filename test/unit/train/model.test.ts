import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src/main/engine/platform/backend'
import { buildModel, checkPretrainedFiles, pretrainedModelConfig } from '../../../src/main/engine/train/model'
import { loadHfAst, readHfAstConfig } from '../../../src/main/engine/models/ast/import/hfAst'
import type { RunConfig as RunConfig } from '../../../src/shared/types'

const HF = path.resolve('test/fixtures/models/ast/hf_ast')
// A DeiT trunk of width 64: narrower than every AST size, so each start from it is refused.
const DEIT = path.resolve('test/fixtures/models/ast/deit_timm.safetensors')

const cfg = (over: Partial<RunConfig>): RunConfig =>
  ({
    dataset: 'd',
    model: 'ast',
    size: 'tiny',
    pretrained: { kind: 'audioset', path: HF },
    fstride: 16,
    tstride: 12,
    targetLength: 100,
    melBins: 48,
    frozen: false,
    seed: 3,
    ...over
  }) as RunConfig

describe('buildModel from a pretrained start', () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  it('adds a new frame head to an AudioSet AST, keeping the backbone weights', () => {
    const model = buildModel(cfg({ frameHead: true }), ['a', 'b'], null, 25)
    const reference = loadHfAst(HF).model
    expect(model.config.kind === 'ast' && model.config.frameHead).toEqual({ frameRate: 25 })
    const mine = model.namedWeights()
    const theirs = reference.namedWeights()
    for (const name of ['v.blocks.0.attn.qkv.weight', 'v.pos_embed', 'v.norm.weight']) {
      expect(Array.from(mine.get(name)!.dataSync()), name).toEqual(Array.from(theirs.get(name)!.dataSync()))
    }
    expect([...mine.keys()].some((k) => k.startsWith('frame_head.'))).toBe(true)
    const out = tf.tidy(() => {
      const o = model.apply(tf.randomNormal([2, 100, 48], 0, 1, 'float32', 1) as tf.Tensor3D, false)
      return { logits: o.logits.shape, frames: o.frameLogits?.shape }
    })
    // 100 frames at the fbank's 100 frames/s are 1 s: 25 frames at 25 frames/s, for 2 new classes.
    expect(out).toEqual({ logits: [2, 2], frames: [2, 25, 2] })
    model.dispose()
    reference.dispose()
  })

  it('still refuses a frame head on a pretrained HTS-AT start, saying why', () => {
    expect(() => buildModel(cfg({ model: 'htsat', frameHead: true, pretrained: { kind: 'run', runId: 'x' } }), ['a'], null, 25)).toThrow(/HTS-AT has its own framewise output/)
  })
})

describe("a file start through its kind's importer (models/ast/starts.ts)", () => {
  beforeAll(async () => {
    await initBackend('wasm')
  })

  it('reads the config an AudioSet folder brings, and none from ImageNet weights', () => {
    expect(pretrainedModelConfig({ kind: 'audioset', path: HF })).toEqual(readHfAstConfig(HF))
    expect(pretrainedModelConfig({ kind: 'imagenet', path: DEIT })).toBeNull()
    expect(pretrainedModelConfig({ kind: 'none' })).toBeNull()
  })

  it("checks the files before a run is created: a DeiT of another width is refused, naming the file and the run's size", () => {
    expect(() => checkPretrainedFiles({ kind: 'audioset', path: HF }, 'tiny')).not.toThrow()
    expect(() => checkPretrainedFiles({ kind: 'imagenet', path: DEIT }, 'tiny')).toThrow(/deit_timm\.safetensors: DeiT width 64 does not match AST-tiny's 192; pick the size of the checkpoint/)
  })

  it("builds an ImageNet start around the run's scratch config (which needs the split's statistics)", () => {
    const run = cfg({ pretrained: { kind: 'imagenet', path: DEIT } })
    expect(() => buildModel(run, ['a'], null, 25)).toThrow(/An AST run needs feature statistics/)
    expect(() => buildModel(run, ['a'], { mean: -4, std: 4 }, 25)).toThrow(/deit_timm\.safetensors: DeiT width 64 does not match the model's 192/)
  })
})
