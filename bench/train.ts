// Training speed of one configuration, in this process (bench/run.ts starts one child per
// configuration, so that the peak RSS it reports belongs to that configuration alone): AST-tiny on
// random features, BCE, AdamW, through the trainer's own gradient path (train/parallel: one thread,
// or data-parallel over worker threads).
// Its figure is batch / the median wall time of the timed steps, after untimed warm-up steps: the
// same statistic bench/reference_train.py reports for PyTorch.
//   node bin/run-ts.mjs bench/train.ts [--backend wasm] [--stride 16] [--threads 1] [--warmup 2] [--steps 5] [--json]
//   node bin/run-ts.mjs bench/train.ts --leak-check [--leak-steps 1000] [--threads 2]
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { Command, InvalidArgumentError } from 'commander'
import * as tf from '@tensorflow/tfjs-core'
import { initBackend } from '../src/main/engine/platform/backend'
import { appendResult, commandLine, median, round } from './results'
import { makeAstConfig } from '../src/main/engine/models/ast/config'
import { createModel } from '../src/main/engine/models'
import { createOptimizer } from '../src/main/engine/train/optimizer'
import { createStepGradients, defaultTrainThreads, type StepGradients } from '../src/main/engine/train/parallel/pool'
import { threadCpuSeconds } from '../src/main/engine/train/parallel/threadCpu'
import type { Batch } from '../src/main/engine/train/data'
import { makeRng } from '../src/main/engine/util/rng'
import type { BackendPreference } from '../src/shared/types'

export interface TrainBenchOptions {
  backend?: BackendPreference
  stride?: number
  /** Shards (1 = single thread); default: the trainer's default for the backend. */
  threads?: number
  batch?: number
  depth?: number
  frames?: number
  melBins?: number
  classes?: number
  warmup?: number
  steps?: number
}

export interface TrainBenchResult {
  backend: string
  mode: 'single' | 'parallel'
  threads: number
  stride: number
  tokens: number
  batch: number
  depth: number
  /** batch / the median of step_s. */
  samples_per_s: number
  peak_rss_mb: number
  /** Untimed steps before the timed ones. */
  warmup: number
  /** Wall seconds of each timed step. */
  step_s: number[]
  /** This process's CPU seconds (all threads) per timed step. */
  cpu_s_per_step: number
  /**
   * CPU seconds per timed step of the main thread (its shard, the gradient sum and the optimizer) and
   * of each worker thread (its shard); null where the platform cannot tell.
   */
  thread_cpu_s: { main: number; workers: number[] } | null
  /**
   * batch / the busiest thread's CPU seconds per step: the rate this code would reach with a core per
   * thread to itself. On a shared machine (see `load`) the wall-clock rate falls below it.
   */
  cpu_bound_samples_per_s: number | null
  /** 1-minute load average before and after the timed steps (the machine may be shared). */
  load: [number, number]
}


export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024)

function randomBatch(n: number, frames: number, melBins: number, classes: number, seed: number): Batch {
  const rng = makeRng(seed)
  return {
    size: n,
    x: Float32Array.from({ length: n * frames * melBins }, () => rng.normal()),
    y: Float32Array.from({ length: n * classes }, () => (rng.next() < 0.1 ? 1 : 0))
  }
}

function setup(o: TrainBenchOptions) {
  const stride = o.stride ?? 16
  const config = makeAstConfig({
    size: 'tiny',
    depth: o.depth ?? 12,
    fstride: stride,
    tstride: stride,
    melBins: o.melBins ?? 128,
    targetLength: o.frames ?? 512,
    numClasses: o.classes ?? 50,
    norm: { mean: 0, std: 0.5 }
  })
  const model = createModel(config, 1)
  const vars = model.trainableVariables()
  const optimizer = createOptimizer(vars, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 })
  return { config, model, vars, optimizer }
}

/** Tokens the AST sees for this config: the 16×16 patch grid plus the CLS and distillation tokens. */
const astTokens = (c: { melBins: number; targetLength: number; fstride: number; tstride: number }): number =>
  (Math.floor((c.melBins - 16) / c.fstride) + 1) * (Math.floor((c.targetLength - 16) / c.tstride) + 1) + 2

/** The fields both engines report the same way: the model's shape, the batch, peak RSS and the step timing. */
type SharedFields = Pick<TrainBenchResult, 'stride' | 'tokens' | 'depth' | 'batch' | 'peak_rss_mb' | 'samples_per_s' | 'warmup' | 'step_s' | 'cpu_s_per_step' | 'load'>

/**
 * Times training steps on one random batch: each step is `gradients`' loss and gradients plus the
 * AdamW update. `warmup` untimed steps, then `steps` timed ones; the figure is batch / the median timed
 * step (the statistic bench/reference_train.py reports for PyTorch), so both engines compare.
 * `probe`, when given, is called at the start of each timed step (not the warm-up) and the function it
 * returns right after that step's wall time is taken: benchTrain uses it for per-thread CPU time.
 */
async function timeTraining(
  gradients: Pick<StepGradients, 'compute'>,
  { config, optimizer }: Pick<ReturnType<typeof setup>, 'config' | 'optimizer'>,
  o: TrainBenchOptions,
  probe?: () => () => void
): Promise<SharedFields> {
  const batchSize = o.batch ?? 8
  const batch = randomBatch(batchSize, config.targetLength, config.melBins, config.numClasses, 2)
  const step = async () => {
    const { grads } = await gradients.compute(batch, 1)
    optimizer.apply(grads, 1e-4)
    tf.dispose(grads)
  }
  const warmup = o.warmup ?? 2
  for (let i = 0; i < warmup; i++) await step()
  const load0 = os.loadavg()[0]
  const cpu0 = process.cpuUsage()
  const stepS: number[] = []
  for (let i = 0; i < (o.steps ?? 5); i++) {
    const t0 = performance.now()
    const done = probe?.()
    await step()
    stepS.push((performance.now() - t0) / 1000)
    done?.()
  }
  const cpu = process.cpuUsage(cpu0)
  return {
    stride: config.fstride,
    tokens: astTokens(config),
    depth: config.depth,
    batch: batchSize,
    samples_per_s: round(batchSize / median(stepS)),
    peak_rss_mb: peakRssMb(),
    warmup,
    step_s: stepS.map((s) => round(s)),
    cpu_s_per_step: round((cpu.user + cpu.system) / 1e6 / stepS.length),
    load: [round(load0, 2), round(os.loadavg()[0], 2)]
  }
}

export async function benchTrain(o: TrainBenchOptions = {}): Promise<TrainBenchResult> {
  const report = await initBackend(o.backend ?? 'wasm')
  const { config, model, vars, optimizer } = setup(o)
  const threads = o.threads ?? defaultTrainThreads(report.chosen)
  const pool = await createStepGradients(model, vars, {
    threads,
    seed: 1,
    lossContext: { loss: { kind: 'bce' }, classes: config.numClasses, frames: null },
    onLog: (m) => console.error(m)
  })
  try {
    // This process's and each worker's CPU seconds over the timed steps; null where the platform cannot tell.
    const cpuS: { main: number | null; workers: number[] | null } = { main: 0, workers: null }
    const shared = await timeTraining(pool, { config, optimizer }, o, () => {
      const c0 = threadCpuSeconds()
      return () => {
        const c1 = threadCpuSeconds()
        cpuS.main = cpuS.main === null || c0 === null || c1 === null ? null : cpuS.main + (c1 - c0)
        const w = pool.workerStats().map((x) => x.cpuS)
        cpuS.workers = w.some((x) => x === null) ? null : w.map((x, k) => (cpuS.workers?.[k] ?? 0) + x!)
      }
    })
    const n = shared.step_s.length
    const threadCpu = cpuS.main === null || (pool.threads > 1 && cpuS.workers === null) ? null : { main: round(cpuS.main / n), workers: (cpuS.workers ?? []).map((x) => round(x / n)) }
    return {
      backend: report.chosen,
      mode: pool.threads > 1 ? 'parallel' : 'single',
      threads: pool.threads,
      ...shared,
      thread_cpu_s: threadCpu,
      cpu_bound_samples_per_s: threadCpu ? round(shared.batch / Math.max(threadCpu.main, ...threadCpu.workers)) : null
    }
  } finally {
    await pool.dispose()
    optimizer.dispose()
    model.dispose()
  }
}

/**
 * Training speed on the ort engine (train/ort): N timed steps of the same AST-tiny step, each the
 * ONNX Runtime session's loss and gradients plus the trainer's AdamW update, with `threads` intra-op
 * threads. Timed by the same timeTraining as benchTrain (warm-up, step count and median step).
 */
export async function benchTrainOrt(o: TrainBenchOptions & { spinning?: boolean } = {}): Promise<TrainBenchResult & { engine: 'ort'; provider: string; note: string; graph_s: number }> {
  const report = await initBackend(o.backend ?? 'wasm')
  const { config, model, vars, optimizer } = setup(o)
  const threads = o.threads ?? os.availableParallelism()
  const batchSize = o.batch ?? 8
  const g0 = performance.now()
  const { createOrtStepGradients } = await import('../src/main/engine/train/ort/engine')
  const engine = await createOrtStepGradients(model, vars, {
    threads,
    batch: batchSize,
    spinning: o.spinning,
    lossContext: { loss: { kind: 'bce' }, classes: config.numClasses, frames: null },
    onLog: (m) => console.error(m)
  })
  const graphS = (performance.now() - g0) / 1000
  try {
    const shared = await timeTraining(engine, { config, optimizer }, o)
    return {
      engine: 'ort',
      provider: engine.provider,
      note: engine.note,
      graph_s: round(graphS),
      backend: `ort-${engine.provider} (tfjs ${report.chosen} optimizer)`,
      mode: 'single',
      threads,
      ...shared,
      thread_cpu_s: null,
      cpu_bound_samples_per_s: null
    }
  } finally {
    await engine.dispose()
    optimizer.dispose()
    model.dispose()
  }
}

export interface LeakCheckResult {
  steps: number
  threads: number
  model: string
  /** Every `every` steps: step, live tensors in this thread and in each worker, RSS, V8 heap and this thread's wasm heap in MB. */
  samples: { step: number; tensors: number; workerTensors: number[]; rss_mb: number; v8_heap_mb: number; wasm_heap_mb: number | null }[]
  tensorsFlat: boolean
  /** RSS growth from the first sample after warm-up (step `every`) to the last. */
  rssGrowthMb: number
  /** Highest RSS after warm-up minus the lowest (the V8 garbage-collection sawtooth). */
  rssSwingMb: number
  seconds: number
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

/** Size of the wasm backend's heap (it grows, never shrinks: a leak shows as growth here), or null on other backends. */
function wasmHeapBytes(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }
  return b.wasm?.HEAPU8?.length ?? null
}

/** Many steps of a small AST (2 blocks, 64 mel × 128 frames, batch 8): tensor counts and RSS over time. */
export async function leakCheck(steps = 1000, threads?: number, every = 100): Promise<LeakCheckResult> {
  const report = await initBackend('wasm')
  const o: TrainBenchOptions = { depth: 2, melBins: 64, frames: 128, stride: 16, classes: 10 }
  const { config, model, vars, optimizer } = setup(o)
  const pool = await createStepGradients(model, vars, {
    threads: threads ?? defaultTrainThreads(report.chosen),
    seed: 1,
    lossContext: { loss: { kind: 'bce' }, classes: config.numClasses, frames: null },
    onLog: (m) => console.error(m)
  })
  const samples: LeakCheckResult['samples'] = []
  const t0 = performance.now()
  try {
    for (let s = 1; s <= steps; s++) {
      // A new batch every step, as in training (tensors made from it must not pile up).
      const { grads } = await pool.compute(randomBatch(8, config.targetLength, config.melBins, config.numClasses, s), 1)
      optimizer.apply(grads, 1e-4)
      tf.dispose(grads)
      if (s % every === 0 || s === 1) {
        const mem = process.memoryUsage()
        samples.push({
          step: s,
          tensors: tf.memory().numTensors,
          workerTensors: pool.workerStats().map((w) => w.tensors),
          rss_mb: mb(mem.rss),
          v8_heap_mb: mb(mem.heapUsed),
          wasm_heap_mb: wasmHeapBytes() === null ? null : mb(wasmHeapBytes()!)
        })
        console.error(`leak check: step ${s}/${steps}, tensors ${tf.memory().numTensors} (workers ${samples.at(-1)!.workerTensors.join(', ') || '-'}), RSS ${samples.at(-1)!.rss_mb} MB`)
      }
    }
  } finally {
    await pool.dispose()
    optimizer.dispose()
    model.dispose()
  }
  const counts = samples.map((x) => [x.tensors, ...x.workerTensors].join(','))
  const after = samples.filter((x) => x.step >= every)
  return {
    steps,
    threads: pool.threads,
    model: `AST-tiny depth ${config.depth}, ${config.melBins}×${config.targetLength}, stride ${config.fstride}, batch 8`,
    samples,
    tensorsFlat: new Set(counts).size === 1,
    rssGrowthMb: after.length > 1 ? after.at(-1)!.rss_mb - after[0].rss_mb : 0,
    rssSwingMb: after.length > 0 ? Math.max(...after.map((x) => x.rss_mb)) - Math.min(...after.map((x) => x.rss_mb)) : 0,
    seconds: round((performance.now() - t0) / 1000, 1)
  }
}

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const program = new Command('bench/train.ts')
    .description('Training speed of AST-tiny on random features (one configuration), or a 1,000-step leak check')
    .option('--backend <name>', 'wasm | native | cpu | auto', 'wasm')
    .option('--engine <name>', 'tfjs | ort (ONNX Runtime training graph, --threads intra-op threads)', 'tfjs')
    .option('--spin <on|off>', "ort: whether idle intra-op threads spin (default: the engine's choice, off on a busy machine)")
    .option('--stride <n>', 'patch stride (16: 258 tokens, 10: 602 tokens)', int, 16)
    .option('--threads <n>', 'shards (1: single thread; default: one per core on wasm/cpu, 1 on native)', int)
    .option('--batch <n>', 'batch size', int, 8)
    .option('--depth <n>', 'transformer blocks', int, 12)
    .option('--warmup <n>', 'untimed steps', int, 2)
    .option('--steps <n>', 'timed steps (the figure is their median)', int, 5)
    .option('--leak-check', 'run many steps of a small model and report tensor counts and RSS')
    .option('--leak-steps <n>', 'steps of the leak check', int, 1000)
    .option('--json', 'print one JSON object')
    .parse()
  const o = program.opts<{ backend: BackendPreference; engine: string; spin?: string; stride: number; threads?: number; batch: number; depth: number; warmup: number; steps: number; leakCheck?: boolean; leakSteps: number; json?: boolean }>()
  if (o.leakCheck) {
    const result = await leakCheck(o.leakSteps, o.threads)
    // Appended beside the speed results (bench/results/<day>-leak-check.jsonl), for NOTES.md to cite.
    const file = appendResult({ date: new Date().toISOString(), command: commandLine('node bin/run-ts.mjs bench/train.ts'), cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), ...result }, '-leak-check')
    console.error(`leak check appended to ${path.relative(process.cwd(), file)}`)
    console.log(o.json ? JSON.stringify(result) : JSON.stringify(result, null, 2))
  } else {
    const result = o.engine === 'ort' ? await benchTrainOrt({ ...o, spinning: o.spin === undefined ? undefined : o.spin === 'on' }) : await benchTrain(o)
    console.log(o.json ? JSON.stringify(result) : JSON.stringify(result, null, 2))
  }
}
