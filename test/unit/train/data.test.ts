// Batches as AST's dataloader builds them: pad/cut, SpecAugment on the padded log-mel before
// normalising (masked cells end up at (0 − mean)/(2·std), not 0), waveform mixup with mixed targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetRecord } from '../../../src/shared/types'
import { buildBatch, clipSets, withoutFiles, type FeatureSource, type InputSpec } from '../../../src/main/engine/train/data'
import type { Fbank } from '../../../src/main/engine/audio/fbank'
import { makeRng } from '../../../src/main/engine/util/rng'
import { tempDir, useTempDataDir } from '../data/helpers'
import { importTinyDataset, writeTinyDataset } from './helpers'

let data: { dir: string; cleanup: () => void }
let audio: { dir: string; cleanup: () => void }
let record: DatasetRecord

/** Fbanks with known values: clip i has frames 10 + i, cell (t, f) = i + t/100 + f/1000 − 5. */
const fakeSource = (paths: string[]): FeatureSource => ({
  async get(file) {
    const i = paths.indexOf(file)
    const frames = 10 + i
    const melBins = 32
    const data = Float32Array.from({ length: frames * melBins }, (_, k) => i + Math.floor(k / melBins) / 100 + (k % melBins) / 1000 - 5)
    return { data, frames, melBins } as Fbank
  }
})

describe('clip sets and batches', () => {
  beforeAll(async () => {
    data = useTempDataDir()
    audio = tempDir('data-audio')
    writeTinyDataset(audio.dir, 20, 0.5)
    record = await importTinyDataset(audio.dir)
  })

  afterAll(() => {
    data.cleanup()
    audio.cleanup()
  })

  it('splits clips with multi-hot targets, and drops unreadable ones', () => {
    const sets = clipSets(record)
    expect(sets.train.n + sets.val.n + sets.test.n).toBe(20)
    const C = record.classNames.length
    sets.train.labels.forEach((ls, i) => {
      const row = Array.from(sets.train.targets.subarray(i * C, (i + 1) * C))
      expect(row).toEqual(record.classNames.map((_, c) => (ls.includes(c) ? 1 : 0)))
      expect(ls.map((c) => record.classNames[c]).sort()).toEqual([...record.files.find((f) => f.path === sets.train.files[i])!.labels].sort())
    })
    const fewer = withoutFiles(sets.train, new Set([sets.train.paths[1]]))
    expect(fewer.n).toBe(sets.train.n - 1)
    expect(fewer.files).toEqual(sets.train.files.filter((_, i) => i !== 1))
    expect(Array.from(fewer.targets.subarray(C, 2 * C))).toEqual(Array.from(sets.train.targets.subarray(2 * C, 3 * C)))
  })

  it('pads, masks before normalising, and normalises', async () => {
    const set = clipSets(record).train
    const spec: InputSpec = { settings: { sampleRate: 16000, melBins: 32 }, targetLength: 12, norm: { mean: -4, std: 2 }, frames: null, frameLoss: false }
    const source = fakeSource(set.paths)
    const plain = await buildBatch(set, [0, 3], source, spec, record, null)
    const T = 12
    const F = 32
    // Clip 0 has 10 frames: 2 zero rows of padding, normalised like any zero.
    expect(plain.x[(10 * F) + 5]).toBeCloseTo((0 + 4) / 4, 6)
    expect(plain.x[3 * F + 7]).toBeCloseTo((0 + 0.03 + 0.007 - 5 + 4) / 4, 6)
    // Clip 3 has 13 frames: the last one is cut.
    expect(plain.x[T * F + 11 * F]).toBeCloseTo((3 + 0.11 - 5 + 4) / 4, 6)

    const aug = { rng: makeRng(5), freqm: 8, timem: 4, mixup: 0 }
    const masked = await buildBatch(set, [0, 3], source, spec, record, aug)
    const zeroCell = (0 + 4) / 4
    let changed = 0
    for (let k = 0; k < masked.x.length; k++) {
      if (masked.x[k] === plain.x[k]) continue
      changed++
      // Every changed cell is a masked one: zero before normalising.
      expect(masked.x[k]).toBeCloseTo(zeroCell, 6)
    }
    expect(changed).toBeGreaterThan(0)
    // At most 7 mel bins × 12 frames + 3 frames × 32 bins per clip.
    expect(changed).toBeLessThanOrEqual(2 * (7 * T + 3 * F))
    // Same rng state, same masks.
    expect((await buildBatch(set, [0, 3], source, spec, record, { ...aug, rng: makeRng(5) })).x).toEqual(masked.x)
  })

  it('mixes waveforms and targets with the same λ', async () => {
    const set = clipSets(record).train
    const spec: InputSpec = { settings: { sampleRate: 16000, melBins: 32 }, targetLength: 48, norm: { mean: -4, std: 2 }, frames: null, frameLoss: false }
    const C = record.classNames.length
    const rng = makeRng(9)
    const batch = await buildBatch(set, [0, 1, 2, 3], fakeSource(set.paths), spec, record, { rng, freqm: 0, timem: 0, mixup: 1 })
    for (let k = 0; k < 4; k++) {
      const y = Array.from(batch.y.subarray(k * C, (k + 1) * C))
      const own = Array.from(set.targets.subarray(k * C, (k + 1) * C))
      // y = λ·own + (1 − λ)·other for one λ in (0, 1) and some clip of the set.
      const found = set.labels.some((_, j) => {
        const other = Array.from(set.targets.subarray(j * C, (j + 1) * C))
        const c = own.findIndex((v, i) => v !== other[i])
        if (c < 0) return y.every((v, i) => Math.abs(v - own[i]) < 1e-6)
        const lambda = (y[c] - other[c]) / (own[c] - other[c])
        return lambda > 0 && lambda < 1 && y.every((v, i) => Math.abs(v - (lambda * own[i] + (1 - lambda) * other[i])) < 1e-6)
      })
      expect(found).toBe(true)
    }
    // Mixed clips are computed from the decoded audio, not taken from the (fake) feature source.
    const cached = await buildBatch(set, [0, 1, 2, 3], fakeSource(set.paths), spec, record, null)
    let differ = 0
    for (let k = 0; k < batch.x.length; k++) if (Math.abs(batch.x[k] - cached.x[k]) > 0.1) differ++
    expect(differ / batch.x.length).toBeGreaterThan(0.5)
  })
})
