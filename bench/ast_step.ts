// AST training-step speed on the current tfjs backend: forward + BCE + gradients + Adam, the same
// work as one trainer step, on random features. REFERENCE.md's anchor: AST-tiny, 12 blocks,
// 128 × 512, batch 8, stride 16 (naive tfjs-wasm 32 s/step, PyTorch 2 threads ~1.7 s/step).
//   node bin/run-ts.mjs bench/ast_step.ts [--backend wasm] [--steps 3] [--stride 16] [--depth 12]
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../src/main/engine/platform/backend'
import { makeAstConfig } from '../src/main/engine/models/ast/config'
import { createModel } from '../src/main/engine/models'
import { clipLoss } from '../src/main/engine/train/losses'
import { createOptimizer } from '../src/main/engine/train/optimizer'
import type { BackendPreference, ModelSize } from '../src/shared/types'

export interface AstStepBenchOptions {
  backend?: BackendPreference
  size?: ModelSize
  depth?: number
  batch?: number
  frames?: number
  melBins?: number
  stride?: number
  classes?: number
  /** Timed steps after one untimed warm-up step. */
  steps?: number
  /** Also time eval forward passes (no gradients). */
  forward?: boolean
}

export interface AstStepBenchResult {
  backend: string
  model: string
  tokens: number
  batch: number
  secondsPerStep: number
  samplesPerS: number
  /** Per timed step, wall seconds. */
  stepTimes: number[]
  /**
   * Per timed step, CPU seconds of this process (user + system). wasm runs on one thread, so on a
   * machine shared with other work this is the step time the process would have alone.
   */
  cpuSecondsPerStep: number
  forwardClipsPerS: number | null
  /** The same from CPU time (see cpuSecondsPerStep). */
  forwardCpuClipsPerS: number | null
  tensorsLeaked: number
}

export async function benchAstStep(o: AstStepBenchOptions = {}): Promise<AstStepBenchResult> {
  const report = await initBackend(o.backend ?? 'wasm')
  const batch = o.batch ?? 8
  const stride = o.stride ?? 16
  const config = makeAstConfig({
    size: o.size ?? 'tiny',
    depth: o.depth ?? 12,
    fstride: stride,
    tstride: stride,
    melBins: o.melBins ?? 128,
    targetLength: o.frames ?? 512,
    numClasses: o.classes ?? 50
  })
  const model = createModel(config, 1)
  const optimizer = createOptimizer(model.trainableVariables(), { kind: 'adam', beta1: 0.95, beta2: 0.999, eps: 1e-8, weightDecay: 5e-7 })
  const x = tf.randomNormal([batch, config.targetLength, config.melBins], 0, 1, 'float32', 2) as tf.Tensor3D
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, config.numClasses], 0, 1, 'float32', 3), 0.9), 'float32')) as tf.Tensor2D
  const vars = model.trainableVariables()
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => clipLoss(model.apply(x, true).logits, y, { kind: 'bce' }), vars)
      optimizer.apply(vars.map((v) => grads[v.name]), 1e-4)
    })
  step()
  const before = tf.memory().numTensors
  const stepTimes: number[] = []
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < (o.steps ?? 3); i++) {
    const t0 = performance.now()
    step()
    stepTimes.push((performance.now() - t0) / 1000)
  }
  const cpu = process.cpuUsage(cpu0)
  const tensorsLeaked = tf.memory().numTensors - before
  let forwardClipsPerS: number | null = null
  let forwardCpuClipsPerS: number | null = null
  if (o.forward ?? true) {
    const run = () => tf.tidy(() => model.apply(x, false).logits.dataSync())
    run()
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    const n = 2
    for (let i = 0; i < n; i++) run()
    const c = process.cpuUsage(c0)
    forwardClipsPerS = (n * batch) / ((performance.now() - t0) / 1000)
    forwardCpuClipsPerS = (n * batch) / ((c.user + c.system) / 1e6)
  }
  const grid = (config.melBins - 16) / stride + 1
  const secondsPerStep = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length
  tf.dispose([x, y])
  optimizer.dispose()
  model.dispose()
  return {
    backend: report.label,
    model: `AST-${config.size} depth ${config.depth}, ${config.melBins}×${config.targetLength}, stride ${stride}`,
    tokens: Math.floor(grid) * (Math.floor((config.targetLength - 16) / stride) + 1) + 2,
    batch,
    secondsPerStep,
    samplesPerS: batch / secondsPerStep,
    stepTimes,
    cpuSecondsPerStep: (cpu.user + cpu.system) / 1e6 / stepTimes.length,
    forwardClipsPerS,
    forwardCpuClipsPerS,
    tensorsLeaked
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)))
  const result = await benchAstStep({
    backend: arg('backend') as BackendPreference | undefined,
    size: arg('size') as ModelSize | undefined,
    depth: num('depth'),
    batch: num('batch'),
    frames: num('frames'),
    stride: num('stride'),
    steps: num('steps')
  })
  console.log(JSON.stringify(result, null, 2))
}
