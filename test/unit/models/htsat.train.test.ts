// HTS-AT learns on tfjs-wasm: a small model trains on generated tone features (see htsatToneData.ts),
// the clip + frame loss falls clearly, its token-semantic frame outputs come to follow the event
// times, and the tensor count stays flat step to step. A frozen model trains only its head.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, tf } from '../../../src/main/engine/platform/backend'
import { makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { createHtsat } from '../../../src/main/engine/models/htsat/model'
import { frameOutput } from '../../../src/main/engine/models/frameHead'
import { CLASSES, FRAMES, MEL, frameAccuracy, trainFrames } from './htsatToneData'

beforeAll(async () => {
  await initBackend('wasm')
})

describe('HTS-AT training on wasm', () => {
  it('small HTS-AT (shifted windows, drop-path): loss falls, frames follow the events, tensor count flat', () => {
    const config = makeHtsatConfig({
      size: 'tiny',
      specSize: 64,
      melBins: MEL,
      targetLength: FRAMES,
      embedDim: 16,
      depths: [2, 2],
      heads: [2, 4],
      window: 4,
      numClasses: CLASSES,
      dropPath: 0.1
    })
    const model = createHtsat(config, 7)
    // 8×8 final map, 2 time chunks: 16 steps of 8 frames over the 1.28 s clip.
    expect(frameOutput(config)).toEqual({ frames: 16, frameRate: 12.5 })
    const steps = 16
    const before = frameAccuracy((x) => model.apply(x, false).frameLogits!, steps)
    const r = trainFrames(model, (x) => {
      const o = model.apply(x, true)
      return { logits: o.logits, frameLogits: o.frameLogits! }
    }, 250, 4, steps, 1)
    const after = frameAccuracy((x) => model.apply(x, false).frameLogits!, steps)
    expect(r.last).toBeLessThan(0.4 * r.first)
    expect(after).toBeGreaterThan(0.93)
    expect(after).toBeGreaterThan(before + 0.2)
    // Adam creates its moment variables on the first step; from then on nothing may leak.
    expect(new Set(r.counts.slice(1)).size).toBe(1)
    model.dispose()
  })

  it('frozen: only the token-semantic head trains', () => {
    const config = makeHtsatConfig({ specSize: 32, melBins: 16, targetLength: 64, embedDim: 8, depths: [2, 1], heads: [2, 2], window: 4, numClasses: 2, frozen: true })
    const model = createHtsat(config, 4)
    const names = model.params.list().filter((p) => model.trainableVariables().includes(p.variable)).map((p) => p.name)
    expect(names.sort()).toEqual(['tscam_conv.bias', 'tscam_conv.weight'])
    const before = model.namedWeights()
    const x = tf.randomNormal([2, 64, 16], 0, 1, 'float32', 3) as tf.Tensor3D
    const opt = tf.train.sgd(0.5)
    opt.minimize(() => tf.mean(model.apply(x, true).logits) as tf.Scalar, false, model.trainableVariables())
    const after = model.namedWeights()
    const changed = [...before.keys()].filter((n) => tf.tidy(() => tf.max(tf.abs(tf.sub(before.get(n)!, after.get(n)!))).dataSync()[0]) > 0)
    // bn0's running statistics move in any training pass, as in PyTorch's train mode.
    expect(changed.sort()).toEqual(['bn0.running_mean', 'bn0.running_var', 'tscam_conv.bias', 'tscam_conv.weight'])
    tf.dispose([x, ...before.values(), ...after.values()])
    opt.dispose()
    model.dispose()
  })
})
