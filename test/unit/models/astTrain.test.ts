// A small AST trains on wasm: the loss falls clearly on a generated task, the tensor count stays flat
// across steps (no leaks), and a frozen model updates only its head.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { createModel } from '../../../src/main/engine/models'
import { hostWeights } from '../../../src/main/engine/models/checkpoint'
import { clipLoss } from '../../../src/main/engine/train/losses'
import { createOptimizer } from '../../../src/main/engine/train/optimizer'
import { makeRng } from '../../../src/main/engine/util/rng'
import type { TagModel } from '../../../src/main/engine/models/types'

const T = 48
const F = 32
const CLASSES = 4

/**
 * Clips of noise where class c adds a band of energy at mel bins 6c..6c+3 in a random stretch of
 * time; each clip holds one or two classes (multi-label).
 */
function makeBatch(rng: ReturnType<typeof makeRng>, n: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const x = new Float32Array(n * T * F)
  const y = new Float32Array(n * CLASSES)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < T * F; j++) x[i * T * F + j] = rng.normal() * 0.5
    const classes = new Set([rng.int(CLASSES)])
    if (rng.next() < 0.5) classes.add(rng.int(CLASSES))
    for (const c of classes) {
      y[i * CLASSES + c] = 1
      const start = rng.int(T - 16)
      for (let t = start; t < start + 16; t++) for (let f = 6 * c; f < 6 * c + 4; f++) x[(i * T + t) * F + f] += 2
    }
  }
  return { x: tf.tensor3d(x, [n, T, F]), y: tf.tensor2d(y, [n, CLASSES]) }
}

function trainSteps(model: TagModel, steps: number, lr: number): { losses: number[]; tensorCounts: number[] } {
  const rng = makeRng(5)
  const vars = model.trainableVariables()
  const optimizer = createOptimizer(vars, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 })
  const losses: number[] = []
  const tensorCounts: number[] = []
  for (let s = 0; s < steps; s++) {
    const { x, y } = makeBatch(rng, 16)
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => clipLoss(model.apply(x, true).logits, y, { kind: 'bce' }), vars)
      optimizer.apply(vars.map((v) => grads[v.name]), lr)
      return value.dataSync()[0]
    })
    tf.dispose([x, y])
    losses.push(loss)
    tensorCounts.push(tf.memory().numTensors)
  }
  optimizer.dispose()
  return { losses, tensorCounts }
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length

beforeAll(async () => {
  await initBackend('wasm')
})

describe('AST training on wasm', () => {
  it('brings the loss down without leaking tensors (dropout and drop-path on)', () => {
    const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 2, fstride: 16, tstride: 16, melBins: F, targetLength: T, numClasses: CLASSES, dropout: 0.05, dropPath: 0.1 })
    const model = createModel(config, 3)
    const { losses, tensorCounts } = trainSteps(model, 250, 2e-3)
    const first = mean(losses.slice(0, 10))
    const last = mean(losses.slice(-10))
    expect(last).toBeLessThan(0.5 * first)
    // Flat after the first step (the optimizer's moments are created with it).
    expect(new Set(tensorCounts.slice(1)).size).toBe(1)
    // Eval mode is deterministic: dropout is off.
    const { x } = makeBatch(makeRng(9), 4)
    const a = model.apply(x, false)
    const b = model.apply(x, false)
    expect(Array.from(a.logits.dataSync())).toEqual(Array.from(b.logits.dataSync()))
    tf.dispose([x, a.logits, a.embedding, b.logits, b.embedding])
    model.dispose()
  })

  it('trains only the head when frozen', () => {
    const config = makeAstConfig({ embedDim: 32, heads: 2, depth: 1, fstride: 16, tstride: 16, melBins: F, targetLength: T, numClasses: CLASSES, frozen: true })
    const model = createModel(config, 4)
    expect(model.trainableVariables().length).toBe(4)
    const before = hostWeights(model)
    trainSteps(model, 3, 1e-2)
    const after = hostWeights(model)
    for (const [name, w] of before) {
      const changed = w.data.some((v, i) => v !== after.get(name)!.data[i])
      expect(changed, name).toBe(name.startsWith('mlp_head.'))
    }
    model.dispose()
  })
})
