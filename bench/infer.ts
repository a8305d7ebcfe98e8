// Inference speed of AST-tiny (12 blocks, 128 mel × 512 frames, batch 8, random init) at strides 16
// and 10: our ONNX export in onnxruntime-node (2 intra-op threads, as REFERENCE.md's anchor), the
// same TagModel on the tfjs backend, and — the same-runtime control — PyTorch's own torch.onnx export
// of the same AST (bench/reference_infer.py --torch-onnx DIR) in the same ORT session code. Every
// engine is measured as bench/reference_infer.py measures PyTorch eval: untimed warm-up batches, then
// timed batches; the figure is batch / the median batch time.
//   node bin/run-ts.mjs bench/infer.ts [--strides 16,10] [--warmup 2] [--batches 5] [--threads 2]
//     [--engines ort,tfjs] [--depth 12] [--torch-onnx DIR]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { initBackend } from '../src/main/engine/platform/backend'
import { makeAstConfig } from '../src/main/engine/models/ast/config'
import { createModel } from '../src/main/engine/models'
import { exportOnnx } from '../src/main/engine/infer/onnxExport'
import { closeSessions } from '../src/main/engine/infer/ortSession'
import { ortRunner, tfjsRunner, type WindowRunner } from '../src/main/engine/infer/runner'
import { makeRng } from '../src/main/engine/util/rng'
import { median } from './results'

export interface InferBenchOptions {
  strides?: number[]
  engines?: ('ort' | 'tfjs')[]
  batch?: number
  /** Untimed batches first. Default 2. */
  warmup?: number
  /** Timed batches; the figure is their median. Default 5. */
  batches?: number
  /** A folder of PyTorch's exports (ast_tiny_s<stride>.onnx) to run as engine 'ort-torch'. */
  torchOnnx?: string
  /** ORT intra-op threads. */
  threads?: number
  depth?: number
  melBins?: number
  frames?: number
}

export interface InferBenchResult {
  /** ort: our export in ONNX Runtime; ort-torch: PyTorch's export of the same AST in the same ORT code. */
  engine: 'ort' | 'tfjs' | 'ort-torch'
  stride: number
  clips_per_s: number
  /** Wall seconds of each timed batch. */
  batch_s: number[]
}

async function timeBatches(runner: WindowRunner, x: Float32Array, batch: number, warmup: number, batches: number): Promise<Pick<InferBenchResult, 'clips_per_s' | 'batch_s'>> {
  for (let i = 0; i < warmup; i++) await runner.run(x, batch)
  const times: number[] = []
  for (let i = 0; i < batches; i++) {
    const t0 = performance.now()
    await runner.run(x, batch)
    times.push((performance.now() - t0) / 1000)
  }
  return { clips_per_s: Math.round((batch / median(times)) * 100) / 100, batch_s: times.map((t) => Math.round(t * 1e4) / 1e4) }
}

export async function benchInfer(opts: InferBenchOptions = {}): Promise<InferBenchResult[]> {
  const { strides = [16, 10], engines = ['ort', 'tfjs'], batch = 8, warmup = 2, batches = 5, threads = 2, depth = 12, melBins = 128, frames = 512 } = opts
  await initBackend()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-bench-infer-'))
  const rng = makeRng(1)
  const x = Float32Array.from({ length: batch * frames * melBins }, () => rng.normal())
  const results: InferBenchResult[] = []
  try {
    for (const stride of strides) {
      const config = makeAstConfig({ size: 'tiny', depth, fstride: stride, tstride: stride, melBins, targetLength: frames, numClasses: 50 })
      const model = createModel(config, 0)
      try {
        for (const engine of engines) {
          let runner: WindowRunner
          if (engine === 'ort') {
            const file = path.join(dir, `ast_s${stride}.onnx`)
            await exportOnnx(model, file)
            runner = await ortRunner(file, frames, melBins, { threads, provider: 'cpu' })
          } else runner = tfjsRunner(model, 'benchmark')
          results.push({ engine, stride, ...(await timeBatches(runner, x, batch, warmup, batches)) })
        }
        if (opts.torchOnnx) {
          const file = path.join(opts.torchOnnx, `ast_tiny_s${stride}.onnx`)
          const runner = await ortRunner(file, frames, melBins, { threads, provider: 'cpu' })
          results.push({ engine: 'ort-torch', stride, ...(await timeBatches(runner, x, batch, warmup, batches)) })
        }
      } finally {
        model.dispose()
      }
    }
  } finally {
    await closeSessions()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return results
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const list = (v: string | undefined) => v?.split(',').map((s) => s.trim())
  const results = await benchInfer({
    strides: list(arg('strides'))?.map(Number),
    engines: list(arg('engines')) as InferBenchOptions['engines'],
    warmup: arg('warmup') ? Number(arg('warmup')) : undefined,
    batches: arg('batches') ? Number(arg('batches')) : undefined,
    depth: arg('depth') ? Number(arg('depth')) : undefined,
    torchOnnx: arg('torch-onnx'),
    threads: arg('threads') ? Number(arg('threads')) : undefined
  })
  const backend = (await initBackend()).label
  console.log(JSON.stringify({ model: `AST-tiny, ${arg('depth') ?? 12} blocks, 128 mel x 512 frames, batch 8`, tfjs: backend, cpus: os.cpus().length, results }, null, 1))
}
