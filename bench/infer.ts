// Inference speed of AST-tiny (12 blocks, 128 mel × 512 frames, batch 8, random init) at strides 16
// and 10: our ONNX export in onnxruntime-node (2 intra-op threads, as REFERENCE.md's anchor) and the
// same TagModel on the tfjs backend. Compare with bench/reference_infer.py (PyTorch eval, 2 threads).
//   node bin/run-ts.mjs bench/infer.ts [--strides 16,10] [--batches 4] [--threads 2] [--engines ort,tfjs]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { initBackend } from '../src/main/engine/backend'
import { makeAstConfig } from '../src/main/engine/models/config'
import { createModel } from '../src/main/engine/models'
import { exportOnnx } from '../src/main/engine/infer/onnxExport'
import { closeSessions } from '../src/main/engine/infer/ortSession'
import { ortRunner, tfjsRunner, type WindowRunner } from '../src/main/engine/infer/runner'
import { makeRng } from '../src/main/engine/rng'

export interface InferBenchOptions {
  strides?: number[]
  engines?: ('ort' | 'tfjs')[]
  batch?: number
  /** Timed batches after one untimed warm-up batch (the best batch time counts, as the machine is shared). */
  batches?: number
  /** ORT intra-op threads. */
  threads?: number
  depth?: number
  melBins?: number
  frames?: number
}

export interface InferBenchResult {
  engine: 'ort' | 'tfjs'
  stride: number
  clips_per_s: number
}

async function clipsPerS(runner: WindowRunner, x: Float32Array, batch: number, batches: number): Promise<number> {
  await runner.run(x, batch)
  let best = Infinity
  for (let i = 0; i < batches; i++) {
    const t0 = performance.now()
    await runner.run(x, batch)
    best = Math.min(best, performance.now() - t0)
  }
  return Math.round((batch / (best / 1000)) * 100) / 100
}

export async function benchInfer(opts: InferBenchOptions = {}): Promise<InferBenchResult[]> {
  const { strides = [16, 10], engines = ['ort', 'tfjs'], batch = 8, batches = 4, threads = 2, depth = 12, melBins = 128, frames = 512 } = opts
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
          results.push({ engine, stride, clips_per_s: await clipsPerS(runner, x, batch, engine === 'tfjs' ? Math.min(batches, 2) : batches) })
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
    batches: arg('batches') ? Number(arg('batches')) : undefined,
    threads: arg('threads') ? Number(arg('threads')) : undefined
  })
  const backend = (await initBackend()).label
  console.log(JSON.stringify({ model: 'AST-tiny, 12 blocks, 128 mel x 512 frames, batch 8', tfjs: backend, cpus: os.cpus().length, results }, null, 1))
}
