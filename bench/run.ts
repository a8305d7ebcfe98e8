// `npm run bench`: Tagbench's speed against the PyTorch CPU reference, measured in one run on one
// machine, so that the ratios hold even when the machine is shared (the load average is recorded
// beside every figure). Every measurement runs in its own child process: peak RSS is then per
// configuration, and a crash or hang in one costs only that figure.
//   npm run bench [-- --json] [-- --only train|infer|features] [-- --steps 2] [-- --no-reference]
// Writes bench/results/<YYYY-MM-DD>.json (atomically; a run with --only replaces just its sections).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError, Option } from 'commander'
import { writeJsonAtomic } from '../src/main/engine/fsutil'
import type { TrainBenchResult } from './train'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PYTHON = '/usr/bin/python3'
const require = createRequire(import.meta.url)

type Section = 'train' | 'infer' | 'features'

interface TrainEntry extends TrainBenchResult {
  /** 'ort' for the ONNX Runtime training engine (benchTrainOrt); absent for tfjs rows. */
  engine?: 'ort' | 'tfjs'
  /** Why this configuration has no figure (crash, timeout, missing backend). */
  error?: string
}
interface InferEntry {
  engine: string
  stride: number
  clips_per_s: number
  load: number
}
interface FeaturesEntry {
  clips_per_s: number
  cpu_clips_per_s?: number
  load: number
}
interface ReferenceTrainEntry {
  stride: number
  threads: number
  samples_per_s: number
  /** Process CPU seconds per step, all threads (OpenMP threads spin while they wait, so it rises with the load). */
  cpu_s_per_step?: number
  peak_rss_mb: number
  load: [number, number]
}
export interface BenchReport {
  train: TrainEntry[]
  infer: InferEntry[]
  features: FeaturesEntry | null
  reference: {
    available: boolean
    note?: string
    train: ReferenceTrainEntry[]
    infer: InferEntry[]
    features: FeaturesEntry | null
  }
  machine: {
    cpu: string
    cores: number
    memory_gb: number
    node: string
    tfjs: string
    platform: string
    load_start: number[]
    load_end?: number[]
  }
  date: string
  /** Wall seconds of the whole bench. */
  seconds?: number
  notes: string[]
}

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`)
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100

/** Run a command, stream its stderr to ours, and parse the JSON object it prints on stdout. */
function runJson<T>(cmd: string, args: string[], timeoutS: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d.replace(/^(?=.)/gm, '  | ')))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') return reject(new Error(`${path.basename(args[1] ?? cmd)} ran past ${timeoutS} s and was stopped`))
      if (code !== 0) return reject(new Error(`${path.basename(args[1] ?? cmd)} exited with code ${code}`))
      try {
        resolve(parseJsonOutput<T>(out))
      } catch (err) {
        reject(err)
      }
    })
  })
}

/** The JSON object a child printed: the whole stdout, or the last block that starts a line with '{'. */
function parseJsonOutput<T>(out: string): T {
  const text = out.trim()
  try {
    return JSON.parse(text) as T
  } catch {
    const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index ?? 0).reverse()
    for (const s of starts) {
      try {
        return JSON.parse(text.slice(s)) as T
      } catch {
        // try an earlier block
      }
    }
    throw new Error(`no JSON object in the output: ${text.slice(0, 200)}`)
  }
}

const ts = (script: string, args: string[]) => ['bin/run-ts.mjs', script, ...args]

/** Backends to train on: wasm always; tfjs-node when its package is installed (the trainer picks it automatically then). */
function trainBackends(): string[] {
  try {
    require.resolve('@tensorflow/tfjs-node')
    return ['native', 'wasm']
  } catch {
    return ['wasm']
  }
}

function pythonHasTorch(): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', 'import torch, torchaudio'], { stdio: 'ignore' })
    child.on('error', (err) => resolve(`${PYTHON} could not run (${err.message})`))
    child.on('close', (code) => resolve(code === 0 ? null : `${PYTHON} has no torch/torchaudio`))
  })
}

interface Options {
  json?: boolean
  only?: Section
  steps: number
  strides: number[]
  threads: number
  reference: boolean
  clips: number
}

async function measureTrain(o: Options, report: BenchReport, torch: boolean): Promise<void> {
  const backends = trainBackends()
  if (!backends.includes('native')) report.notes.push('tfjs-node is not installed: training measured on tfjs-wasm only')
  // Ours and the reference alternate per stride, so each ratio compares figures taken minutes apart.
  for (const stride of o.strides) {
    if (torch) {
      log(`PyTorch training, stride ${stride}`)
      const l0 = load1()
      try {
        const r = await runJson<{ results: { stride: number; samples_per_s: number; cpu_s_per_step?: number; peak_rss_mb: number }[]; threads: number }>(
          PYTHON,
          ['bench/reference_train.py', '--threads', '2', '--steps', String(Math.max(2, o.steps)), '--strides', String(stride)],
          300
        )
        for (const x of r.results) report.reference.train.push({ ...x, threads: r.threads, load: [l0, load1()] })
      } catch (err) {
        report.notes.push(`PyTorch training at stride ${stride}: ${(err as Error).message}`)
      }
    }
    for (const backend of backends) {
      for (const threads of [1, o.threads]) {
        const mode = threads > 1 ? 'parallel' : 'single'
        log(`training: ${backend}, ${mode} (${threads} thread${threads > 1 ? 's' : ''}), stride ${stride}`)
        const args = ts('bench/train.ts', ['--backend', backend, '--stride', String(stride), '--threads', String(threads), '--steps', String(o.steps), '--json'])
        try {
          report.train.push(await runJson<TrainBenchResult>(process.execPath, args, 420))
        } catch (err) {
          const l = load1()
          report.train.push({ backend, mode, threads, stride, tokens: 0, batch: 8, samples_per_s: 0, peak_rss_mb: 0, step_s: [], cpu_s_per_step: 0, thread_cpu_s: null, cpu_bound_samples_per_s: null, load: [l, l], error: (err as Error).message })
        }
        if (threads === o.threads && o.threads === 1) break
      }
    }
    report.train.push(await measureOrtTrain(o, stride))
  }
}

/** One ort-engine row: bench/train.ts --engine ort in its own process (its peak RSS is its own). */
async function measureOrtTrain(o: Options, stride: number): Promise<TrainEntry> {
  log(`training: ort engine (${o.threads} intra-op threads), stride ${stride}`)
  try {
    const args = ts('bench/train.ts', ['--engine', 'ort', '--stride', String(stride), '--threads', String(o.threads), '--steps', String(o.steps), '--json'])
    return { ...(await runJson<TrainEntry>(process.execPath, args, 420)), engine: 'ort' }
  } catch (err) {
    const l = load1()
    return { engine: 'ort', backend: 'ort', mode: 'single', threads: o.threads, stride, tokens: 0, batch: 8, samples_per_s: 0, peak_rss_mb: 0, step_s: [], cpu_s_per_step: 0, thread_cpu_s: null, cpu_bound_samples_per_s: null, load: [l, l], error: (err as Error).message }
  }
}

async function measureInfer(o: Options, report: BenchReport, torch: boolean): Promise<void> {
  log('inference: ORT and tfjs')
  const l0 = load1()
  try {
    const r = await runJson<{ results: { engine: string; stride: number; clips_per_s: number }[] }>(
      process.execPath,
      ts('bench/infer.ts', ['--strides', o.strides.join(','), '--batches', '3', '--threads', '2']),
      420
    )
    const l = Math.round(((l0 + load1()) / 2) * 100) / 100
    report.infer.push(...r.results.map((x) => ({ ...x, load: l })))
  } catch (err) {
    report.notes.push(`inference: ${(err as Error).message}`)
  }
  if (!torch) return
  log('PyTorch inference')
  const l1 = load1()
  try {
    const r = await runJson<{ results: { stride: number; clips_per_s: number }[] }>(PYTHON, ['bench/reference_infer.py', '--threads', '2', '--batches', '3'], 300)
    const l = Math.round(((l1 + load1()) / 2) * 100) / 100
    report.reference.infer.push(...r.results.filter((x) => o.strides.includes(x.stride)).map((x) => ({ engine: 'pytorch', stride: x.stride, clips_per_s: x.clips_per_s, load: l })))
  } catch (err) {
    report.notes.push(`PyTorch inference: ${(err as Error).message}`)
  }
}

async function measureFeatures(o: Options, report: BenchReport, torch: boolean): Promise<void> {
  type F = { clips_per_s: number; cpu_clips_per_s?: number }
  const pick = (r: F, l: number): FeaturesEntry => ({ clips_per_s: r.clips_per_s, ...(r.cpu_clips_per_s ? { cpu_clips_per_s: r.cpu_clips_per_s } : {}), load: l })
  log('feature extraction')
  try {
    const l = load1()
    report.features = pick(await runJson<F>(process.execPath, ts('bench/features.ts', ['--clips', String(o.clips)]), 300), l)
  } catch (err) {
    report.notes.push(`features: ${(err as Error).message}`)
  }
  if (!torch) return
  log('torchaudio feature extraction')
  try {
    const l = load1()
    report.reference.features = pick(await runJson<F>(PYTHON, ['bench/reference_features.py', '--clips', String(o.clips)], 300), l)
  } catch (err) {
    report.notes.push(`torchaudio features: ${(err as Error).message}`)
  }
}

const fmt = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d))
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '-')
const pad = (s: string, n: number) => s.padEnd(n)

/** The side-by-side table: each figure, PyTorch's, the ratio (ours / PyTorch) and the 1-minute load average. */
export function formatTable(r: BenchReport): string {
  const lines: string[] = []
  const head = (cols: string[]) => {
    lines.push(cols.map((c, i) => pad(c, i === 0 ? 44 : 13)).join(''))
    lines.push('-'.repeat(44 + 13 * (cols.length - 1)))
  }
  const row = (cols: string[]) => lines.push(cols.map((c, i) => pad(c, i === 0 ? 44 : 13)).join(''))
  lines.push(`Tagbench bench, ${r.date}: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, tfjs ${r.machine.tfjs}`)
  lines.push('')
  if (r.train.length > 0 || r.reference.train.length > 0) {
    lines.push('Training, AST-tiny (12 blocks, 192 dim), 128 mel × 512 frames, batch 8')
    head(['configuration', 'samples/s', 'PyTorch', 'ours/PyTorch', 'peak RSS MB', 'load', 'CPU s/step', 'CPU-bound'])
    for (const t of r.train) {
      const ref = r.reference.train.find((x) => x.stride === t.stride)
      const name = `${t.engine === 'ort' ? 'ort engine' : `${t.backend} ${t.mode}`} (${t.threads} thr), stride ${t.stride}${t.tokens ? ` (${t.tokens} tok)` : ''}`
      if (t.error) row([name, `failed: ${t.error}`])
      else row([name, fmt(t.samples_per_s), fmt(ref?.samples_per_s), ratio(t.samples_per_s, ref?.samples_per_s), String(t.peak_rss_mb), `${fmt(t.load[0], 1)}-${fmt(t.load[1], 1)}`, fmt(t.cpu_s_per_step), fmt(t.cpu_bound_samples_per_s ?? undefined)])
    }
    for (const p of r.reference.train)
      row([`PyTorch ${p.threads} threads, stride ${p.stride}`, fmt(p.samples_per_s), '', '', String(p.peak_rss_mb), `${fmt(p.load[0], 1)}-${fmt(p.load[1], 1)}`, fmt(p.cpu_s_per_step)])
    lines.push('')
  }
  if (r.infer.length > 0) {
    lines.push('Inference, same model, batch 8 (clips/s)')
    head(['engine', 'clips/s', 'PyTorch', 'ours/PyTorch', 'load'])
    for (const i of r.infer) {
      const ref = r.reference.infer.find((x) => x.stride === i.stride)
      row([`${i.engine}, stride ${i.stride}`, fmt(i.clips_per_s), fmt(ref?.clips_per_s), ratio(i.clips_per_s, ref?.clips_per_s), fmt(i.load, 1)])
    }
    lines.push('')
  }
  if (r.features) {
    lines.push('Feature extraction, 128-mel Kaldi fbank of 10 s clips, one thread (clips/s)')
    head(['what', 'clips/s', 'torchaudio', 'ours/torch', 'load'])
    const ref = r.reference.features
    row(['wall clock', fmt(r.features.clips_per_s, 1), fmt(ref?.clips_per_s, 1), ratio(r.features.clips_per_s, ref?.clips_per_s), fmt(r.features.load, 1)])
    if (r.features.cpu_clips_per_s) row(['by CPU time', fmt(r.features.cpu_clips_per_s, 1), fmt(ref?.cpu_clips_per_s, 1), ratio(r.features.cpu_clips_per_s, ref?.cpu_clips_per_s), ''])
    lines.push('')
  }
  if (r.train.length > 0)
    lines.push(
      'CPU s/step: the process, all threads. CPU-bound: batch / CPU seconds per step of the busiest thread, the rate with a free core per thread. load: 1-minute load average.'
    )
  for (const n of r.notes) lines.push(`note: ${n}`)
  if (r.seconds !== undefined) lines.push(`(${Math.round(r.seconds)} s; load average ${r.machine.load_start.map((v) => v.toFixed(1)).join(' ')} at the start, ${r.machine.load_end?.map((v) => v.toFixed(1)).join(' ')} at the end)`)
  return lines.join('\n')
}

function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** Today's results file: a run with --only keeps the other sections of an earlier run of the same day. */
async function saveResults(report: BenchReport, only: Section | undefined): Promise<string> {
  const file = path.join(ROOT, 'bench', 'results', `${localDate(new Date(report.date))}.json`)
  let out: BenchReport = report
  if (only && fs.existsSync(file)) {
    try {
      const prev = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport
      out = { ...prev, [only]: report[only], reference: { ...prev.reference, [only]: report.reference[only] }, machine: report.machine, date: report.date, notes: report.notes }
    } catch {
      log(`${file} could not be read; writing this run's sections only`)
    }
  }
  await writeJsonAtomic(file, out)
  return file
}

const positive = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}

async function main(): Promise<void> {
  const program = new Command('npm run bench --')
    .description('Training, inference and feature-extraction speed against the PyTorch CPU reference, in one run')
    .option('--json', 'print one JSON object on stdout (logs go to stderr)')
    .addOption(new Option('--only <section>', 'measure one section only').choices(['train', 'infer', 'features']))
    .option('--steps <n>', 'timed training steps per configuration (after one warm-up step)', positive, 2)
    .option('--strides <list>', 'patch strides', (v) => v.split(',').map((s) => positive(s.trim())), [16, 10])
    .option('--threads <n>', 'shards of the data-parallel path', positive, os.availableParallelism())
    .option('--clips <n>', 'clips for the feature-extraction figure', positive, 100)
    .option('--no-reference', 'skip the PyTorch reference')
    .parse()
  const o = program.opts<Options>()
  const t0 = Date.now()
  const torchMissing = o.reference ? await pythonHasTorch() : 'skipped (--no-reference)'
  const torch = torchMissing === null
  const report: BenchReport = {
    train: [],
    infer: [],
    features: null,
    reference: { available: torch, train: [], infer: [], features: null },
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.versions.node,
      tfjs: (require('@tensorflow/tfjs-core/package.json') as { version: string }).version,
      platform: `${os.platform()} ${os.release()}`,
      load_start: os.loadavg().map((v) => Math.round(v * 100) / 100)
    },
    date: new Date().toISOString(),
    notes: []
  }
  if (!torch) {
    report.reference.note = `PyTorch reference not measured: ${torchMissing}`
    report.notes.push(report.reference.note)
  }
  const want = (s: Section) => !o.only || o.only === s
  if (want('features')) await measureFeatures(o, report, torch)
  if (want('infer')) await measureInfer(o, report, torch)
  if (want('train')) await measureTrain(o, report, torch)
  report.machine.load_end = os.loadavg().map((v) => Math.round(v * 100) / 100)
  report.seconds = Math.round((Date.now() - t0) / 1000)
  const file = await saveResults(report, o.only)
  log(`results written to ${path.relative(ROOT, file)}`)
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n')
  else process.stdout.write(formatTable(report) + '\n')
  if (o.json) process.stderr.write(formatTable(report) + '\n')
}

await main()
