// The ort engine's optimizer step, two ways, in one process on one ORT session, interleaved A B B A
// (so that a change in the machine's load falls on both alike):
//   tfjs: gradients made into tfjs-wasm tensors, the tfjs Adam/AdamW (optimizer.ts), the weights read
//         out of the tfjs variables for every step's feeds (what the engine did before hostOptimizer.ts);
//   host: gradients kept as ORT's Float32Arrays, hostOptimizer.ts's fused loops, ORT fed from its arrays.
// CPU seconds, not wall (the machine is shared): of the whole step, and of its optimizer part alone
// (everything after the session's outputs are back: the tensors' copies, the update, the write-back).
//   npx tsx bench/ort_optim.ts [--stride 16] [--depth 12] [--batch 8] [--steps 3] [--threads 2]
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import * as tf from '@tensorflow/tfjs-core'
import { Command } from 'commander'
import { initBackend } from '../src/main/engine/backend'
import { makeAstConfig } from '../src/main/engine/models/ast/config'
import { createModel } from '../src/main/engine/models'
import { createOptimizer, type OptimizerConfig } from '../src/main/engine/train/optimizer'
import { createHostOptimizer } from '../src/main/engine/train/hostOptimizer'
import { createOrtStepGradients } from '../src/main/engine/train/ort/engine'
import { makeRng } from '../src/main/engine/rng'
import { median, round } from './results'

const cpuS = (since?: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

async function main() {
  const o = new Command()
    .option('--stride <n>', 'patch stride', '16')
    .option('--depth <n>', 'blocks', '12')
    .option('--batch <n>', 'batch', '8')
    .option('--steps <n>', 'timed steps per leg', '3')
    .option('--threads <n>', 'ORT intra-op threads', '2')
    .parse()
    .opts<{ stride: string; depth: string; batch: string; steps: string; threads: string }>()
  await initBackend('wasm')
  const stride = Number(o.stride)
  const config = makeAstConfig({ size: 'tiny', depth: Number(o.depth), fstride: stride, tstride: stride, melBins: 128, targetLength: 512, numClasses: 50, norm: { mean: 0, std: 0.5 } })
  const model = createModel(config, 1)
  const vars = model.trainableVariables()
  const params = vars.reduce((n, v) => n + v.size, 0)
  const cfg: OptimizerConfig = { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 }
  const tfOpt = createOptimizer(vars, cfg)
  const hostOpt = createHostOptimizer(vars, cfg)
  const B = Number(o.batch)
  const engine = await createOrtStepGradients(model, vars, { threads: Number(o.threads), batch: B, spinning: false, lossContext: { loss: { kind: 'bce' }, classes: 50, frames: null } })
  const rng = makeRng(2)
  const batch = { size: B, x: Float32Array.from({ length: B * 512 * 128 }, () => rng.normal()), y: Float32Array.from({ length: B * 50 }, () => (rng.next() < 0.1 ? 1 : 0)) }

  const steps = {
    tfjs: async () => {
      engine.useWeights(null)
      const c0 = process.cpuUsage()
      const { grads } = await engine.compute(batch, 1)
      const o0 = process.cpuUsage()
      tfOpt.apply(grads, 1e-4)
      tf.dispose(grads)
      return { step: cpuS(c0), opt: cpuS(o0) }
    },
    hostd: async () => {
      process.env.HOSTOPT_DOUBLE = '1'
      engine.useWeights(hostOpt.weights)
      const c0 = process.cpuUsage()
      const { grads } = await engine.computeHost(batch, 1)
      const o0 = process.cpuUsage()
      hostOpt.applyHost(grads, 1e-4)
      delete process.env.HOSTOPT_DOUBLE
      return { step: cpuS(c0), opt: cpuS(o0) }
    },
    host: async () => {
      engine.useWeights(hostOpt.weights)
      const c0 = process.cpuUsage()
      const { grads } = await engine.computeHost(batch, 1)
      const o0 = process.cpuUsage()
      hostOpt.applyHost(grads, 1e-4)
      return { step: cpuS(c0), opt: cpuS(o0) }
    }
  }
  const rows: Record<'tfjs' | 'host' | 'hostd', { step: number[]; opt: number[]; wall: number[] }> = { tfjs: { step: [], opt: [], wall: [] }, host: { step: [], opt: [], wall: [] }, hostd: { step: [], opt: [], wall: [] } }
  await steps.tfjs()
  await steps.host()
  await steps.hostd()
  const load0 = os.loadavg()
  for (const leg of ['tfjs', 'host', 'hostd', 'hostd', 'host', 'tfjs'] as const)
    for (let i = 0; i < Number(o.steps); i++) {
      const t0 = performance.now()
      const r = await steps[leg]()
      rows[leg].wall.push((performance.now() - t0) / 1000)
      rows[leg].step.push(r.step)
      rows[leg].opt.push(r.opt)
    }
  const load1 = os.loadavg()
  const summary = Object.fromEntries(
    (['tfjs', 'host', 'hostd'] as const).map((k) => [k, { step_cpu_s: round(median(rows[k].step)), optimizer_cpu_s: round(median(rows[k].opt), 4), optimizer_share: round(median(rows[k].opt) / median(rows[k].step), 4), wall_s: round(median(rows[k].wall)), raw: rows[k] }])
  )
  console.log(JSON.stringify({ date: new Date().toISOString(), params, stride, depth: Number(o.depth), batch: B, threads: Number(o.threads), load_before: load0.map((v) => round(v, 2)), load_after: load1.map((v) => round(v, 2)), ...summary }, null, 1))
  await engine.dispose()
  tfOpt.dispose()
  model.dispose()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
