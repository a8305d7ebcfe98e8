// Where a training step's time and memory go: one forward + backward pass of AST-tiny on random
// features (batch, stride as given), profiled kernel by kernel with tf.profile. Kernel times are this
// process's CPU time around each kernel (wasm runs on this thread), so a busy machine does not inflate
// them; nested scopes (custom ops) are left out so the times add up. Also the step's peak tensor bytes.
//   node bin/run-ts.mjs bench/profile.ts [--stride 16] [--batch 8] [--depth 12] [--top 30]
import { Command, InvalidArgumentError } from 'commander'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../src/main/engine/platform/backend'
import { makeAstConfig } from '../src/main/engine/models/ast/config'
import { createModel } from '../src/main/engine/models'
import { clipLoss } from '../src/main/engine/train/losses'

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

const o = new Command('bench/profile.ts')
  .description('Kernel-by-kernel CPU time and peak tensor memory of one AST training step (forward + backward) on tfjs-wasm')
  .option('--stride <n>', 'patch stride', int, 16)
  .option('--batch <n>', 'batch size', int, 8)
  .option('--depth <n>', 'transformer blocks', int, 12)
  .option('--top <n>', 'rows of the per-shape table', int, 30)
  .parse()
  .opts<{ stride: number; batch: number; depth: number; top: number }>()

await initBackend('wasm')
// Time each kernel by this process's CPU time instead of the wall clock.
;(tf.backend() as unknown as { time: (f: () => void) => Promise<{ kernelMs: number }> }).time = async (f) => {
  const c0 = process.cpuUsage()
  f()
  const c = process.cpuUsage(c0)
  return { kernelMs: (c.user + c.system) / 1000 }
}
const config = makeAstConfig({ size: 'tiny', depth: o.depth, fstride: o.stride, tstride: o.stride, melBins: 128, targetLength: 512, numClasses: 50 })
const model = createModel(config, 1)
const x = tf.randomNormal([o.batch, 512, 128], 0, 1, 'float32', 1) as tf.Tensor3D
const y = tf.zeros([o.batch, 50]) as tf.Tensor2D
const vars = model.trainableVariables()
const step = () =>
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => clipLoss(model.apply(x, true).logits, y, { kind: 'bce' }), vars)
    for (const g of Object.values(grads)) g.dataSync()
  })
step()
const c0 = process.cpuUsage()
step()
const c1 = process.cpuUsage(c0)
const prof = await tf.profile(step)
const leaf = prof.kernels.filter((k) => tf.getKernel(k.name, 'wasm') !== undefined)
const total = leaf.reduce((a, k) => a + (k.kernelTimeMs as number), 0)
const group = (key: (k: (typeof leaf)[number]) => string) => {
  const m = new Map<string, { ms: number; n: number }>()
  for (const k of leaf) {
    const e = m.get(key(k)) ?? { ms: 0, n: 0 }
    e.ms += k.kernelTimeMs as number
    e.n++
    m.set(key(k), e)
  }
  return [...m.entries()].sort((a, b) => b[1].ms - a[1].ms)
}
const pct = (ms: number) => ((100 * ms) / total).toFixed(1).padStart(5)
console.log(`AST-tiny depth ${o.depth}, 128×512, stride ${o.stride}, batch ${o.batch}: forward + backward`)
console.log(`step CPU ${((c1.user + c1.system) / 1e6).toFixed(2)} s unprofiled; ${leaf.length} kernels, ${total.toFixed(0)} ms kernel CPU; peak tensor memory ${(prof.peakBytes / 2 ** 20).toFixed(0)} MB`)
console.log('\nby kernel:')
for (const [name, e] of group((k) => k.name)) if (e.ms >= 1) console.log(`${e.ms.toFixed(0).padStart(7)} ms ${pct(e.ms)}%  x${String(e.n).padEnd(5)} ${name}`)
console.log('\nby kernel and input shapes:')
for (const [name, e] of group((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`).slice(0, o.top))
  console.log(`${e.ms.toFixed(0).padStart(7)} ms ${pct(e.ms)}%  x${String(e.n).padEnd(5)} ${name.slice(0, 110)}`)
tf.dispose([x, y])
model.dispose()
