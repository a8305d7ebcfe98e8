// A finished sweep in a data folder, written the way the engine writes runs: a tiny dataset imported
// with importDataset, then per run createRun (config.json, run.json, metrics.jsonl, log.txt),
// appendMetrics (one step entry per optimizer step, one epoch entry with per-class AP per epoch, a test
// entry) and updateRunStatus (best/last/test, done). The numbers are synthetic but shaped like a sweep:
// mAP rises with epochs, depends on the learning rate, stride, SpecAugment and mixup, and the seed adds
// noise; the loss falls with noise per step.
//   TAGBENCH_DATA_DIR=/tmp/x node bin/run-ts.mjs bench/sweep.ts --runs 300
// bench/compare.ts and test/e2e/compare.test.ts use generateSweep directly.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import wavefile from 'wavefile'
import type { MetricEntry, RunConfig } from '../src/shared/api'
import { mulberry32 } from '../src/main/engine/util/rng'

export interface SweepOptions {
  runs: number
  epochs?: number
  stepsPerEpoch?: number
  classes?: number
  /** Where the tiny dataset's wav files go (outside the data folder). */
  audioDir: string
}

const LRS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3]
const STRIDES = [16, 10]
const SPEC = [false, true]
const MIXUP = [0, 0.3, 0.5]

/** The settings of run i: every combination of the axes, then the next seed. */
export function sweepSettings(i: number): { lr: number; fstride: number; tstride: number; specAugment: boolean; mixup: number; seed: number } {
  const combos = LRS.length * STRIDES.length * SPEC.length * MIXUP.length
  const c = i % combos
  const lr = LRS[c % LRS.length]
  const stride = STRIDES[Math.floor(c / LRS.length) % STRIDES.length]
  const spec = SPEC[Math.floor(c / (LRS.length * STRIDES.length)) % SPEC.length]
  const mixup = MIXUP[Math.floor(c / (LRS.length * STRIDES.length * SPEC.length)) % MIXUP.length]
  return { lr, fstride: stride, tstride: stride, specAugment: spec, mixup, seed: Math.floor(i / combos) }
}

async function tinyDataset(audioDir: string): Promise<string> {
  const { importDataset } = await import('../src/main/engine/data/record')
  for (const [cls, hz] of [['low', 300], ['high', 3000]] as const) {
    fs.mkdirSync(path.join(audioDir, cls), { recursive: true })
    for (let i = 0; i < 4; i++) {
      const wav = new wavefile.WaveFile()
      wav.fromScratch(1, 16000, '16', Int16Array.from({ length: 8000 }, (_, n) => Math.round(8000 * Math.sin((2 * Math.PI * hz * (1 + i / 50) * n) / 16000))))
      fs.writeFileSync(path.join(audioDir, cls, `${cls}_${i}.wav`), wav.toBuffer())
    }
  }
  return (await importDataset({ folder: audioDir, name: 'sweep' })).id
}

/** Writes `runs` finished runs into TAGBENCH_DATA_DIR (set it first); returns their ids. */
export async function generateSweep(opts: SweepOptions): Promise<string[]> {
  const epochs = opts.epochs ?? 12
  const stepsPerEpoch = opts.stepsPerEpoch ?? 100
  const classes = opts.classes ?? 10
  const { resolveRunConfig } = await import('../src/main/engine/train/newRun')
  const { loadDataset } = await import('../src/main/engine/data/record')
  const { appendLog, appendMetrics, createRun, updateRunStatus } = await import('../src/main/engine/runs/store')
  const dataset = await tinyDataset(opts.audioDir)
  const record = loadDataset(dataset)
  // One resolved config (the expensive part), varied per run as an experiment's grid would vary it.
  const base = resolveRunConfig({ dataset, depth: 1, melBins: 32, targetLength: 48, epochs })
  const t0 = Date.UTC(2026, 10, 1)
  const ids: string[] = []
  for (let i = 0; i < opts.runs; i++) {
    const s = sweepSettings(i)
    const config: RunConfig = { ...base, ...s, name: `lr${s.lr}-s${s.fstride}-sa${s.specAugment ? 1 : 0}-mx${s.mixup}-seed${s.seed}` }
    const id = createRun(config, { name: config.name, datasetName: record.name, datasetFingerprint: record.fingerprint, classNames: record.classNames, valClips: 40, backend: 'wasm', device: 'cpu' }, new Date(t0 + i * 60_000))
    const r = mulberry32(i + 1)
    // How good this setting is: best lr 1e-4, stride 10 a little better, SpecAugment and mixup help a bit.
    const quality = 0.75 - 0.08 * Math.abs(Math.log10(s.lr) + 4) ** 1.5 + (s.fstride === 10 ? 0.03 : 0) + (s.specAugment ? 0.02 : 0) + s.mixup * 0.04
    let best: { epoch: number; mAP: number } | null = null
    let last: { epoch: number; mAP: number } | null = null
    let step = 0
    const time = (k: number) => new Date(t0 + i * 60_000 + k * 1000).toISOString()
    for (let e = 1; e <= epochs; e++) {
      const entries: MetricEntry[] = []
      for (let k = 0; k < stepsPerEpoch; k++) {
        step++
        const loss = 0.7 * Math.exp(-step / (stepsPerEpoch * epochs * quality * 0.4)) + 0.05 + 0.08 * r()
        entries.push({ kind: 'step', step, epoch: e, time: time(step), loss, lr: s.lr, samplesPerS: 90 + 20 * r() })
      }
      const mAP = Math.min(0.99, quality * (1 - Math.exp(-e / 3)) + 0.03 * (r() - 0.5))
      const ap = Array.from({ length: classes }, () => Math.min(1, Math.max(0, mAP + 0.1 * (r() - 0.5))))
      entries.push({ kind: 'epoch', step, epoch: e, time: time(step), loss: 0.3, lr: s.lr, samplesPerS: 100, valLoss: 0.4 - 0.2 * mAP, mAP, auc: 0.5 + mAP / 2, dprime: 2 * mAP, microF1: mAP * 0.9, macroF1: mAP * 0.85, ap })
      appendMetrics(id, entries)
      if (!best || mAP > best.mAP) best = { epoch: e, mAP }
      last = { epoch: e, mAP }
    }
    const testMAP = best!.mAP - 0.02 + 0.02 * (r() - 0.5)
    appendMetrics(id, [{ kind: 'test', step, epoch: best!.epoch, time: time(step + 1), mAP: testMAP, auc: 0.5 + testMAP / 2, dprime: 2 * testMAP, microF1: testMAP * 0.9, macroF1: testMAP * 0.85 }])
    appendLog(id, `Test (best epoch ${best!.epoch}): mAP ${testMAP.toFixed(4)}`)
    updateRunStatus(id, { status: 'done', epochsDone: epochs, best, last, samplesPerS: 100, test: { mAP: testMAP, auc: 0.5 + testMAP / 2, dprime: 2 * testMAP, microF1: testMAP * 0.9, macroF1: testMAP * 0.85 } })
    ids.push(id)
  }
  return ids
}

// As a script: generate into TAGBENCH_DATA_DIR.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { Command } = await import('commander')
  const o = new Command()
    .option('--runs <n>', 'how many runs', (v) => Number(v), 300)
    .option('--steps-per-epoch <n>', 'optimizer steps logged per epoch', (v) => Number(v), 100)
    .parse()
    .opts<{ runs: number; stepsPerEpoch: number }>()
  if (!process.env.TAGBENCH_DATA_DIR) throw new Error('Set TAGBENCH_DATA_DIR to the (empty) data folder to fill')
  const t = Date.now()
  const ids = await generateSweep({ runs: o.runs, stepsPerEpoch: o.stepsPerEpoch, audioDir: path.join(path.dirname(process.env.TAGBENCH_DATA_DIR), 'sweep-audio') })
  console.log(`${ids.length} runs written to ${process.env.TAGBENCH_DATA_DIR} in ${((Date.now() - t) / 1000).toFixed(1)} s`)
}
