// Test helpers for the trainer: a tiny multi-label dataset of generated sounds (each class a tone
// band, a clip the sum of its classes' tones plus noise), imported through DATA's CSV layout, and
// run configs for a tiny AST (1 block, 32 mel bins × 48 frames: 6 patches) that trains in seconds.
import fs from 'node:fs'
import path from 'node:path'
import wavefile from 'wavefile'
import type { DatasetRecord, RunConfig as RunConfig } from '../../../src/shared/types'
import { importDataset } from '../../../src/main/engine/data/record'
import { makeRng } from '../../../src/main/engine/util/rng'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { afterAll, beforeAll } from 'vitest'
import { tempDir } from '../data/helpers'

const TINY_CLASSES = ['low', 'mid', 'high']
const FREQS = [250, 1000, 3500]

interface Tone {
  label: number
  /** Seconds. */
  onset: number
  offset: number
}

function clipSamples(tones: Tone[], seconds: number, rng: ReturnType<typeof makeRng>): Int16Array {
  const n = Math.round(seconds * 16000)
  const out = new Int16Array(n)
  const oscillators = tones.map((t) => ({ ...t, f: FREQS[t.label] * (0.9 + 0.2 * rng.next()), phase: rng.next() * 2 * Math.PI }))
  for (let i = 0; i < n; i++) {
    let v = 0.05 * rng.normal()
    const s = i / 16000
    for (const t of oscillators) if (s >= t.onset && s < t.offset) v += 0.3 * Math.sin((2 * Math.PI * t.f * i) / 16000 + t.phase)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 12000)))
  }
  return out
}

/**
 * Writes `clips` WAV files under root/audio and root/ground_truth.csv (70% train, 20% val, 10% test).
 * With `strong`, each tone sounds over part of the clip only, and root/events.csv holds its onset and
 * offset (strong labels); otherwise tones last the whole clip.
 */
export function writeTinyDataset(root: string, clips = 30, seconds = 0.5, seed = 1, strong = false): void {
  const rng = makeRng(seed)
  fs.mkdirSync(path.join(root, 'audio'), { recursive: true })
  const rows = ['fname,labels,split']
  const events = ['fname,onset,offset,label']
  for (let i = 0; i < clips; i++) {
    const first = i % 3
    const labels = rng.next() < 0.4 ? [first, (first + 1 + rng.int(2)) % 3].sort() : [first]
    const tones = labels.map((label): Tone => {
      if (!strong) return { label, onset: 0, offset: seconds }
      const onset = +(rng.next() * seconds * 0.5).toFixed(2)
      return { label, onset, offset: +(onset + seconds * (0.3 + 0.2 * rng.next())).toFixed(2) }
    })
    const wav = new wavefile.WaveFile()
    wav.fromScratch(1, 16000, '16', clipSamples(tones, seconds, rng))
    fs.writeFileSync(path.join(root, 'audio', `clip${i}.wav`), wav.toBuffer())
    const k = i % 10
    const split = k < 7 ? 'train' : k < 9 ? 'val' : 'test'
    rows.push(`clip${i},"${labels.map((c) => TINY_CLASSES[c]).join(',')}",${split}`)
    for (const t of tones) events.push(`clip${i},${t.onset},${t.offset},${TINY_CLASSES[t.label]}`)
  }
  fs.writeFileSync(path.join(root, 'ground_truth.csv'), rows.join('\n') + '\n')
  if (strong) fs.writeFileSync(path.join(root, 'events.csv'), events.join('\n') + '\n')
}

/** Single-label data in the folders layout: root/<class>/<n>.wav, `perClass` clips of each class's tone. */
export function writeTinyFolders(root: string, perClass = 10, seconds = 0.5, seed = 2): void {
  const rng = makeRng(seed)
  TINY_CLASSES.forEach((name, label) => {
    fs.mkdirSync(path.join(root, name), { recursive: true })
    for (let i = 0; i < perClass; i++) {
      const wav = new wavefile.WaveFile()
      wav.fromScratch(1, 16000, '16', clipSamples([{ label, onset: 0, offset: seconds }], seconds, rng))
      fs.writeFileSync(path.join(root, name, `${i}.wav`), wav.toBuffer())
    }
  })
}

export async function importTinyDataset(root: string, name = 'tiny', layout: 'csv' | 'folders' = 'csv'): Promise<DatasetRecord> {
  return importDataset({ folder: root, name, layout })
}

/** A run config for the tiny AST; fields given override. */
export function tinyRun(dataset: string, over: Partial<RunConfig> = {}): Partial<RunConfig> & { dataset: string } {
  return {
    dataset,
    model: 'ast',
    size: 'tiny',
    depth: 1,
    melBins: 32,
    targetLength: 48,
    fstride: 16,
    tstride: 16,
    freqm: 4,
    timem: 8,
    optimizer: 'adamw',
    lr: 1e-3,
    weightDecay: 0.01,
    warmupSteps: 3,
    epochs: 3,
    batchSize: 4,
    // The recipe (train/recipe.ts) turns early stopping on for runs of 20 epochs or more; these tests
    // count every epoch they asked for.
    earlyStopPatience: 0,
    seed: 7,
    threads: 1,
    // These tests are about the trainer's tfjs paths (data-parallel shards among them); the ort
    // engine has its own (test/unit/train/ort), and 'auto' picks it for AST.
    engine: 'tfjs',
    ...over
  }
}

/**
 * A test file's shared setup: a temp data folder, the wasm backend, and a tiny imported dataset.
 * Registers its own beforeAll/afterAll; read the fields inside tests.
 */
export function tinyDatasetFixture(name: string): { datasetId: string; audioDir: string } {
  const state = { datasetId: '', audioDir: '' }
  let dirs: { cleanup: () => void }[] = []
  beforeAll(async () => {
    const data = tempDir(`${name}-data`)
    const audio = tempDir(`${name}-audio`)
    dirs = [data, audio]
    process.env.TAGBENCH_DATA_DIR = data.dir
    await initBackend('wasm')
    writeTinyDataset(audio.dir, 30, 0.5)
    state.datasetId = (await importTinyDataset(audio.dir)).id
    state.audioDir = audio.dir
  })
  afterAll(() => {
    for (const d of dirs) d.cleanup()
  })
  return state
}
