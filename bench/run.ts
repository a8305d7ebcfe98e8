// `npm run bench`: Tagbench's speed against the PyTorch CPU reference, measured in one run on one
// machine, both sides the same way:
//   - the same untimed warm-up and the same number of timed steps (batches, clips) on both sides, and
//     every figure is the MEDIAN of its timed steps (ours: bench/train.ts, infer.ts, features.ts;
//     PyTorch: bench/reference_*.py);
//   - ours and the reference alternate, ABBA (ours, reference, reference, ours with --rounds 2), and
//     each side's timed steps are pooled over the rounds: load that drifts during a section hits both;
//   - the load average is recorded at the start and end of every section and every child;
//   - beside our ONNX export in ONNX Runtime runs PyTorch's own torch.onnx export of the same AST, in
//     the same ORT session code (the same-runtime control): ours/PyTorch-eval then separates "ORT is
//     faster than PyTorch" from "our graph is faster than PyTorch's graph".
// Every measurement runs in its own child process: peak RSS is then per configuration, and a crash
// or hang in one costs only that figure.
//   npm run bench [-- --quick] [-- --json] [-- --only train|infer|features] [-- --steps 5] [-- --rounds 2]
// Appends one line (the whole run, with its date, command and loads) to bench/results/<YYYY-MM-DD>.jsonl:
// earlier runs, of that day or any other, are never rewritten.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { TrainBenchResult } from './train'
import type { InferBenchResult } from './infer'
import type { FeaturesBenchResult } from './features'
import { appendResult, commandLine, loadAvg, median, round } from './results'
import { ortJobEnv } from '../src/main/engine/train/ort/jobEnv'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PYTHON = '/usr/bin/python3'
const require = createRequire(import.meta.url)

type Section = 'train' | 'infer' | 'features'
type Side = 'ours' | 'reference'
type Load = [number, number, number]

/** One child's run: the load average before and after it. */
interface Round {
  side: Side
  load: [Load, Load]
}

export interface TrainFigure {
  /** 'pytorch' for the reference, 'ort' for the ONNX Runtime training engine, else our tfjs backend. */
  engine: string
  mode: 'single' | 'parallel'
  threads: number
  stride: number
  /** batch / the median of step_s (pooled over the rounds). */
  samples_per_s: number
  step_s: number[]
  /** Highest over the rounds. */
  peak_rss_mb: number
  /** Mean over the rounds: the process's CPU seconds per timed step, all threads. */
  cpu_s_per_step: number
  /** batch / the busiest thread's CPU seconds per step (ours, where the platform tells). */
  cpu_bound_samples_per_s?: number | null
  tokens?: number
  error?: string
}
export interface InferFigure {
  /** ort: our export in ORT; ort-torch: PyTorch's export in ORT; tfjs; pytorch: PyTorch eval. */
  engine: string
  stride: number
  /** batch / the median of batch_s (pooled over the rounds). */
  clips_per_s: number
  batch_s: number[]
}
export interface FeaturesFigure {
  engine: 'ours' | 'torchaudio'
  /** 1 / the median of clip_s (pooled over the rounds). */
  clips_per_s: number
  /** By process CPU time, over all the rounds. */
  cpu_clips_per_s: number
  clip_s: number[]
}
interface SectionRecord<F> {
  load_start: Load
  load_end?: Load
  seconds?: number
  /** The order the children ran in, with their loads. */
  rounds: Round[]
  figures: F[]
  notes: string[]
}
export interface BenchRecord {
  date: string
  command: string
  /** --quick: a small model for checking that the bench works; not figures to quote. */
  quick: boolean
  settings: { warmup: number; steps: number; rounds: number; depth: number; strides: number[]; threads: number; clips: number; batch: number }
  machine: { cpu: string; cores: number; memory_gb: number; node: string; tfjs: string; torch?: string; platform: string }
  reference: { available: boolean; note?: string }
  train?: SectionRecord<TrainFigure>
  infer?: SectionRecord<InferFigure>
  features?: SectionRecord<FeaturesFigure>
  load_start: Load
  load_end?: Load
  seconds?: number
}

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`)

/** Run a command, stream its stderr to ours, and parse the JSON object it prints on stdout. */
function runJson<T>(cmd: string, args: string[], timeoutS: number, env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
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

/** torch's version, or why the reference cannot run. */
function pythonTorch(): Promise<{ version: string } | { missing: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', 'import torch, torchaudio; print(torch.__version__)'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('error', (err) => resolve({ missing: `${PYTHON} could not run (${err.message})` }))
    child.on('close', (code) => resolve(code === 0 ? { version: out.trim() } : { missing: `${PYTHON} has no torch/torchaudio (Debian: apt-get install python3-torch python3-torchaudio)` }))
  })
}

interface Options {
  json?: boolean
  only?: Section
  quick?: boolean
  warmup: number
  steps: number
  rounds: number
  depth: number
  strides: number[]
  threads: number
  clips: number
  reference: boolean
}

/** ABBA…: which side goes first in each round (ours first in odd rounds, unless told otherwise). */
function order(rounds: number, firstInOddRounds: Side = 'ours'): Side[] {
  const other: Side = firstInOddRounds === 'ours' ? 'reference' : 'ours'
  return Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? [firstInOddRounds, other] : [other, firstInOddRounds])).flat()
}

/** Runs one side of one round, recording its order and load. */
async function timed<T>(section: SectionRecord<unknown>, side: Side, what: string, run: () => Promise<T>): Promise<T | null> {
  const l0 = loadAvg()
  try {
    return await run()
  } catch (err) {
    section.notes.push(`${what}: ${(err as Error).message}`)
    return null
  } finally {
    section.rounds.push({ side, load: [l0, loadAvg()] })
  }
}

function newSection<F>(): SectionRecord<F> {
  return { load_start: loadAvg(), rounds: [], figures: [], notes: [] }
}
function endSection(s: SectionRecord<unknown>, t0: number): void {
  s.load_end = loadAvg()
  s.seconds = Math.round((Date.now() - t0) / 1000)
}

async function measureTrain(o: Options, torch: boolean, batch: number): Promise<SectionRecord<TrainFigure>> {
  const t0 = Date.now()
  const s = newSection<TrainFigure>()
  const backends = trainBackends()
  if (!backends.includes('native')) s.notes.push('tfjs-node is not installed: training measured on tfjs-wasm only')
  const common = ['--warmup', String(o.warmup), '--steps', String(o.steps), '--depth', String(o.depth)]
  for (const stride of o.strides) {
    // Every configuration's rounds, pooled.
    const ours = new Map<string, TrainBenchResult[]>()
    const failed = new Map<string, string>()
    const ref: { step_s: number[]; samples_per_s: number; cpu_s_per_step: number; peak_rss_mb: number }[] = []
    for (const side of order(o.rounds)) {
      if (side === 'reference') {
        if (!torch) continue
        log(`PyTorch training, stride ${stride}`)
        const r = await timed(s, side, `PyTorch training at stride ${stride}`, () =>
          runJson<{ results: (typeof ref)[number][] }>(PYTHON, ['bench/reference_train.py', '--threads', String(o.threads), '--batch', String(batch), '--strides', String(stride), ...common], 900)
        )
        if (r) ref.push(...r.results)
        continue
      }
      const l0 = loadAvg()
      for (const backend of backends) {
        for (const threads of o.threads > 1 ? [1, o.threads] : [1]) {
          const key = `${backend}/${threads}`
          log(`training: ${backend}, ${threads} thread${threads > 1 ? 's' : ''}, stride ${stride}`)
          try {
            const r = await runJson<TrainBenchResult>(process.execPath, ts('bench/train.ts', ['--backend', backend, '--stride', String(stride), '--threads', String(threads), '--batch', String(batch), ...common, '--json']), 1200)
            ours.set(key, [...(ours.get(key) ?? []), r])
          } catch (err) {
            failed.set(key, (err as Error).message)
          }
        }
      }
      // The ort training engine (ONNX Runtime, --threads intra-op threads), in the same rounds.
      const ortKey = `ort/${o.threads}`
      log(`training: ort engine, ${o.threads} intra-op thread${o.threads > 1 ? 's' : ''}, stride ${stride}`)
      try {
        // With the environment a Tagbench training job gets (train/ort/jobEnv.ts), so that its peak RSS is a run's.
        const r = await runJson<TrainBenchResult>(process.execPath, ts('bench/train.ts', ['--engine', 'ort', '--stride', String(stride), '--threads', String(o.threads), '--batch', String(batch), ...common, '--json']), 1200, ortJobEnv())
        ours.set(ortKey, [...(ours.get(ortKey) ?? []), { ...r, backend: 'ort' }])
      } catch (err) {
        failed.set(ortKey, (err as Error).message)
      }
      s.rounds.push({ side, load: [l0, loadAvg()] })
    }
    for (const [key, why] of failed) {
      const [backend, threads] = key.split('/')
      if (!ours.has(key)) s.figures.push({ engine: backend, mode: Number(threads) > 1 ? 'parallel' : 'single', threads: Number(threads), stride, samples_per_s: 0, step_s: [], peak_rss_mb: 0, cpu_s_per_step: 0, error: why })
      else s.notes.push(`training ${key} at stride ${stride}: one round failed (${why}); the figure pools the others`)
    }
    for (const runs of ours.values()) {
      const stepS = runs.flatMap((r) => r.step_s)
      const bound = runs.map((r) => r.cpu_bound_samples_per_s)
      s.figures.push({
        engine: runs[0].backend,
        mode: runs[0].mode,
        threads: runs[0].threads,
        stride,
        tokens: runs[0].tokens,
        samples_per_s: round(batch / median(stepS)),
        step_s: stepS,
        peak_rss_mb: Math.max(...runs.map((r) => r.peak_rss_mb)),
        cpu_s_per_step: round(runs.reduce((a, r) => a + r.cpu_s_per_step, 0) / runs.length),
        cpu_bound_samples_per_s: bound.some((b) => b === null) ? null : round(median(bound as number[]))
      })
    }
    if (ref.length) {
      const stepS = ref.flatMap((r) => r.step_s)
      s.figures.push({ engine: 'pytorch', mode: o.threads > 1 ? 'parallel' : 'single', threads: o.threads, stride, samples_per_s: round(batch / median(stepS)), step_s: stepS, peak_rss_mb: Math.max(...ref.map((r) => r.peak_rss_mb)), cpu_s_per_step: round(ref.reduce((a, r) => a + r.cpu_s_per_step, 0) / ref.length) })
    }
  }
  endSection(s, t0)
  return s
}

async function measureInfer(o: Options, torch: boolean, batch: number): Promise<SectionRecord<InferFigure>> {
  const t0 = Date.now()
  const s = newSection<InferFigure>()
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-bench-torch-onnx-'))
  const pooled = new Map<string, number[]>()
  const add = (engine: string, stride: number, times: number[]) => pooled.set(`${engine}/${stride}`, [...(pooled.get(`${engine}/${stride}`) ?? []), ...times])
  const common = ['--warmup', String(o.warmup), '--batches', String(o.steps), '--strides', o.strides.join(','), '--depth', String(o.depth), '--threads', String(o.threads)]
  let exported = false
  try {
    // The reference goes first: its first run writes the torch.onnx exports that ours runs beside our own.
    for (const side of order(o.rounds, torch ? 'reference' : 'ours')) {
      if (side === 'reference') {
        if (!torch) continue
        log('PyTorch inference' + (exported ? '' : ' (and its torch.onnx export)'))
        const r = await timed(s, side, 'PyTorch inference', () =>
          runJson<{ results: { stride: number; batch_s: number[] }[] }>(PYTHON, ['bench/reference_infer.py', '--batch', String(batch), ...common, ...(exported ? [] : ['--torch-onnx', exportDir])], 900)
        )
        if (r) {
          exported ||= o.strides.every((st) => fs.existsSync(path.join(exportDir, `ast_tiny_s${st}.onnx`)))
          for (const x of r.results) add('pytorch', x.stride, x.batch_s)
        }
        continue
      }
      log(`inference: ORT (ours${exported ? ', and PyTorch\'s export' : ''}) and tfjs`)
      const r = await timed(s, side, 'inference', () => runJson<{ results: InferBenchResult[] }>(process.execPath, ts('bench/infer.ts', [...common, ...(exported ? ['--torch-onnx', exportDir] : [])]), 1200))
      if (r) for (const x of r.results) add(x.engine, x.stride, x.batch_s)
    }
  } finally {
    fs.rmSync(exportDir, { recursive: true, force: true })
  }
  if (torch && !exported) s.notes.push('PyTorch\'s torch.onnx export failed: no same-runtime control')
  if (!torch) s.notes.push('no PyTorch: no PyTorch eval figure and no same-runtime control (PyTorch\'s ONNX export in ORT)')
  for (const [key, times] of pooled) {
    const [engine, stride] = key.split('/')
    s.figures.push({ engine, stride: Number(stride), clips_per_s: round(batch / median(times), 2), batch_s: times })
  }
  endSection(s, t0)
  return s
}

async function measureFeatures(o: Options, torch: boolean): Promise<SectionRecord<FeaturesFigure>> {
  const t0 = Date.now()
  const s = newSection<FeaturesFigure>()
  type F = Pick<FeaturesBenchResult, 'clip_s' | 'clips' | 'cpu_clips_per_s'>
  const runs: Record<Side, F[]> = { ours: [], reference: [] }
  for (const side of order(o.rounds)) {
    if (side === 'reference' && !torch) continue
    log(side === 'ours' ? 'feature extraction' : 'torchaudio feature extraction')
    const r =
      side === 'ours'
        ? await timed(s, side, 'features', () => runJson<F>(process.execPath, ts('bench/features.ts', ['--clips', String(o.clips)]), 600))
        : await timed(s, side, 'torchaudio features', () => runJson<F>(PYTHON, ['bench/reference_features.py', '--clips', String(o.clips)], 600))
    if (r) runs[side].push(r)
  }
  for (const side of ['ours', 'reference'] as const) {
    const rs = runs[side]
    if (!rs.length) continue
    const clipS = rs.flatMap((r) => r.clip_s)
    // CPU rate over all rounds: total clips / total CPU seconds.
    const cpuS = rs.reduce((a, r) => a + r.clips / r.cpu_clips_per_s, 0)
    s.figures.push({ engine: side === 'ours' ? 'ours' : 'torchaudio', clips_per_s: round(1 / median(clipS), 1), cpu_clips_per_s: round(rs.reduce((a, r) => a + r.clips, 0) / cpuS, 1), clip_s: clipS })
  }
  endSection(s, t0)
  return s
}

const fmt = (v: number | undefined | null, d = 2) => (v === undefined || v === null || !Number.isFinite(v) ? '-' : v.toFixed(d))
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '-')
const pad = (s: string, n: number) => s.padEnd(n)
const loads = (s: SectionRecord<unknown>) => `load ${s.load_start[0].toFixed(1)} → ${s.load_end?.[0].toFixed(1) ?? '?'} (1-min), ${s.load_start[1].toFixed(1)} → ${s.load_end?.[1].toFixed(1) ?? '?'} (5-min); order ${s.rounds.map((r) => (r.side === 'ours' ? 'A' : 'B')).join('')} (A ours, B PyTorch)`
/** min–max of the timed steps: how much they scattered around the median. */
const spread = (xs: number[], d = 2) => (xs.length ? `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}` : '-')

/** The side-by-side table: each figure, PyTorch's, the ratio (ours / PyTorch) and the loads. */
export function formatTable(r: BenchRecord): string {
  const lines: string[] = []
  const row = (cols: string[]) => lines.push(cols.map((c, i) => pad(c, i === 0 ? 46 : 14)).join(''))
  const head = (cols: string[]) => {
    row(cols)
    lines.push('-'.repeat(46 + 14 * (cols.length - 1)))
  }
  const st = r.settings
  lines.push(`Tagbench bench, ${r.date}: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, tfjs ${r.machine.tfjs}${r.machine.torch ? `, torch ${r.machine.torch}` : ''}`)
  lines.push(`${st.warmup} warm-up + ${st.steps} timed steps per child on both sides, ${st.rounds} round(s) alternated; every figure is the median of the pooled timed steps`)
  if (r.quick) lines.push(`QUICK RUN (AST-tiny with ${st.depth} blocks): checks that the bench works; not figures to quote`)
  lines.push('')
  const t = r.train
  if (t) {
    lines.push(`Training, AST-tiny (${st.depth} blocks, 192 dim), 128 mel × 512 frames, batch ${st.batch}: ${loads(t)}`)
    head(['configuration', 'samples/s', 'PyTorch', 'ours/PyTorch', 'step s', 'peak RSS MB', 'CPU s/step', 'CPU-bound'])
    for (const f of t.figures) {
      const ref = t.figures.find((x) => x.engine === 'pytorch' && x.stride === f.stride)
      const name = f.engine === 'pytorch' ? `PyTorch ${f.threads} threads, stride ${f.stride}` : `${f.engine === 'ort' ? 'ort engine' : `${f.engine} ${f.mode}`} (${f.threads} thr), stride ${f.stride}`
      if (f.error) row([name, `failed: ${f.error}`])
      else if (f.engine === 'pytorch') row([name, fmt(f.samples_per_s), '', '', spread(f.step_s), String(f.peak_rss_mb), fmt(f.cpu_s_per_step)])
      else row([name, fmt(f.samples_per_s), fmt(ref?.samples_per_s), ratio(f.samples_per_s, ref?.samples_per_s), spread(f.step_s), String(f.peak_rss_mb), fmt(f.cpu_s_per_step), fmt(f.cpu_bound_samples_per_s)])
    }
    lines.push('')
  }
  const i = r.infer
  if (i) {
    lines.push(`Inference, same model, batch ${st.batch} (clips/s): ${loads(i)}`)
    lines.push('ours/export: our ONNX export against PyTorch\'s torch.onnx export of the same AST, both in ONNX Runtime (same threads, same session code)')
    head(['engine', 'clips/s', 'PyTorch eval', 'ours/PyTorch', 'ours/export', 'batch s'])
    for (const f of i.figures) {
      const ref = i.figures.find((x) => x.engine === 'pytorch' && x.stride === f.stride)
      const control = i.figures.find((x) => x.engine === 'ort-torch' && x.stride === f.stride)
      const name = { ort: 'ORT, our export', 'ort-torch': 'ORT, PyTorch\'s export (control)', tfjs: 'tfjs', pytorch: 'PyTorch eval' }[f.engine] ?? f.engine
      if (f.engine === 'pytorch') row([`${name}, stride ${f.stride}`, fmt(f.clips_per_s), '', '', '', spread(f.batch_s, 3)])
      else row([`${name}, stride ${f.stride}`, fmt(f.clips_per_s), fmt(ref?.clips_per_s), ratio(f.clips_per_s, ref?.clips_per_s), f.engine === 'ort' ? ratio(f.clips_per_s, control?.clips_per_s) : '', spread(f.batch_s, 3)])
    }
    lines.push('')
  }
  const fe = r.features
  if (fe) {
    lines.push(`Feature extraction, 128-mel Kaldi fbank of 10 s clips, one thread (clips/s): ${loads(fe)}`)
    head(['what', 'ours', 'torchaudio', 'ours/torch'])
    const ours = fe.figures.find((x) => x.engine === 'ours')
    const ref = fe.figures.find((x) => x.engine === 'torchaudio')
    row(['wall clock (median clip)', fmt(ours?.clips_per_s, 1), fmt(ref?.clips_per_s, 1), ratio(ours?.clips_per_s, ref?.clips_per_s)])
    row(['by CPU time', fmt(ours?.cpu_clips_per_s, 1), fmt(ref?.cpu_clips_per_s, 1), ratio(ours?.cpu_clips_per_s, ref?.cpu_clips_per_s)])
    lines.push('')
  }
  if (t) lines.push('step s: min–max of the timed steps. CPU s/step: the process, all threads. CPU-bound: batch / CPU seconds per step of the busiest thread, the rate with a free core per thread.')
  if (r.reference.note) lines.push(`note: ${r.reference.note}`)
  for (const sec of [t, i, fe]) for (const n of sec?.notes ?? []) lines.push(`note: ${n}`)
  if (r.seconds !== undefined) lines.push(`(${Math.round(r.seconds)} s; load average ${r.load_start.map((v) => v.toFixed(1)).join(' ')} at the start, ${r.load_end?.map((v) => v.toFixed(1)).join(' ')} at the end)`)
  return lines.join('\n')
}

const positive = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer')
  return n
}
const atLeast5 = (v: string) => {
  const n = positive(v)
  if (n < 5) throw new InvalidArgumentError('at least 5: every figure is the median of at least 5 timed steps')
  return n
}

async function main(): Promise<void> {
  const program = new Command('npm run bench --')
    .description('Training, inference and feature-extraction speed against the PyTorch CPU reference, in one run, both sides measured the same way')
    .option('--json', 'print the record as one JSON object on stdout (logs and the table go to stderr)')
    .addOption(new Option('--only <section>', 'measure one section only').choices(['train', 'infer', 'features']))
    .option('--quick', 'check that the bench works in a few minutes: AST-tiny with 2 blocks, stride 16, 1 warm-up step, 1 round, 20 clips (explicit options still win)')
    .option('--warmup <n>', 'untimed steps (batches) before the timed ones, both sides', positive, 2)
    .option('--steps <n>', 'timed steps (batches) per child, both sides; the figure is the median (at least 5)', atLeast5, 5)
    .option('--rounds <n>', 'rounds of ours/reference, alternated ABBA; timed steps are pooled over them', positive, 2)
    .option('--depth <n>', 'transformer blocks of AST-tiny', positive, 12)
    .option('--strides <list>', 'patch strides', (v) => v.split(',').map((x) => positive(x.trim())), [16, 10])
    .option('--threads <n>', 'threads: our data-parallel shards, PyTorch\'s and ORT\'s intra-op threads', positive, os.availableParallelism())
    .option('--clips <n>', 'timed clips for the feature-extraction figure, per round', positive, 100)
    .option('--no-reference', 'skip the PyTorch reference')
    .parse()
  const o = program.opts<Options>()
  if (o.quick) {
    const unset = (k: string) => program.getOptionValueSource(k) === 'default'
    if (unset('depth')) o.depth = 2
    if (unset('strides')) o.strides = [16]
    if (unset('warmup')) o.warmup = 1
    if (unset('rounds')) o.rounds = 1
    if (unset('clips')) o.clips = 20
  }
  const t0 = Date.now()
  const batch = 8
  const torchFound = o.reference ? await pythonTorch() : { missing: 'skipped (--no-reference)' }
  const torch = 'version' in torchFound
  const record: BenchRecord = {
    date: new Date().toISOString(),
    command: commandLine('npm run bench --'),
    quick: Boolean(o.quick),
    settings: { warmup: o.warmup, steps: o.steps, rounds: o.rounds, depth: o.depth, strides: o.strides, threads: o.threads, clips: o.clips, batch },
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.versions.node,
      tfjs: (require('@tensorflow/tfjs-core/package.json') as { version: string }).version,
      ...('version' in torchFound ? { torch: torchFound.version } : {}),
      platform: `${os.platform()} ${os.release()}`
    },
    reference: { available: torch, ...('missing' in torchFound ? { note: `PyTorch reference not measured: ${torchFound.missing}` } : {}) },
    load_start: loadAvg()
  }
  const want = (s: Section) => !o.only || o.only === s
  if (want('features')) record.features = await measureFeatures(o, torch)
  if (want('infer')) record.infer = await measureInfer(o, torch, batch)
  if (want('train')) record.train = await measureTrain(o, torch, batch)
  record.load_end = loadAvg()
  record.seconds = Math.round((Date.now() - t0) / 1000)
  const file = appendResult(record)
  log(`results appended to ${path.relative(ROOT, file)} (the line dated ${record.date})`)
  const table = formatTable(record)
  if (o.json) {
    process.stdout.write(JSON.stringify(record) + '\n')
    process.stderr.write(table + '\n')
  } else process.stdout.write(table + '\n')
}

await main()
