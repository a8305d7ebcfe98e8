// From raw fbank to model input (AST's dataloader): pad/cut, normalise, dataset statistics.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { featureStats, normalize, padOrCut, statsAccumulator } from '../../../src/main/engine/audio/features'
import { readNpy } from '../../../src/main/engine/io/npy'

const music = readNpy(path.resolve('test/fixtures/audio/fbank/music_trumpet_bass_drums.mel128.npy'))
const speech = readNpy(path.resolve('test/fixtures/audio/fbank/speech_yes.mel128.npy'))

describe('padOrCut', () => {
  it('pads with zero rows at the end (log domain, before normalising)', () => {
    const fb = new Float32Array([1, 2, 3, 4, 5, 6]) // 3 frames × 2 mel
    expect(Array.from(padOrCut(fb, 3, 2, 5))).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0])
  })
  it('cuts the tail', () => {
    expect(Array.from(padOrCut(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, 2))).toEqual([1, 2, 3, 4])
  })
  it('a real clip: 398 frames → 1024 (AudioSet) keeps every value and zero-fills the rest', () => {
    const out = padOrCut(music.data as Float32Array, 398, 128, 1024)
    expect(out.length).toBe(1024 * 128)
    expect(out.subarray(0, 398 * 128)).toEqual(music.data)
    expect(out.subarray(398 * 128).every((v) => v === 0)).toBe(true)
  })
  it('zero frames pad to all zeros; a shape mismatch is an error', () => {
    expect(padOrCut(new Float32Array(0), 0, 128, 4).every((v) => v === 0)).toBe(true)
    expect(() => padOrCut(new Float32Array(10), 3, 4, 8)).toThrow(/is not 3 × 4/)
  })
})

describe('normalize', () => {
  it('(x - mean) / (2 · std) with AudioSet’s statistics, into a new array', () => {
    const fb = new Float32Array([-4.2677393, 0, -13.4057341])
    const out = normalize(fb, -4.2677393, 4.5689974)
    expect(out).not.toBe(fb)
    expect(out[0]).toBeCloseTo(0, 6)
    expect(out[1]).toBeCloseTo(4.2677393 / (2 * 4.5689974), 6)
    expect(out[2]).toBeCloseTo(-1, 6)
    expect(() => normalize(fb, 0, 0)).toThrow(/std must be positive/)
  })
})

describe('featureStats', () => {
  function naive(list: Float32Array[]) {
    const all = list.flatMap((a) => Array.from(a))
    const mean = all.reduce((a, b) => a + b, 0) / all.length
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length)
    return { mean, std, count: all.length }
  }
  it('equals the textbook mean and population std over every value of every clip', () => {
    const list = [music.data as Float32Array, speech.data as Float32Array]
    const got = featureStats(list)
    const want = naive(list)
    expect(got.count).toBe(want.count)
    expect(got.mean).toBeCloseTo(want.mean, 9)
    expect(got.std).toBeCloseTo(want.std, 9)
    // Padded features (as AST computes its norm) pull the mean towards 0.
    const padded = featureStats([padOrCut(speech.data as Float32Array, 98, 128, 128)])
    expect(padded.mean).toBeGreaterThan(naive([speech.data as Float32Array]).mean)
  })
  it('the streaming accumulator gives the same as one pass, whatever the chunking', () => {
    const acc = statsAccumulator()
    const data = music.data as Float32Array
    for (let i = 0; i < data.length; i += 1000) acc.add(data.subarray(i, i + 1000))
    acc.add(new Float32Array(0))
    const one = featureStats([data])
    expect(acc.result().mean).toBeCloseTo(one.mean, 10)
    expect(acc.result().std).toBeCloseTo(one.std, 10)
  })
  it('stays exact for a large offset with a small spread (no cancellation)', () => {
    const n = 200000
    const data = new Float32Array(n).map((_, i) => 1000 + (i % 2 === 0 ? 0.001 : -0.001))
    const { mean, std } = featureStats([data])
    const hi = Math.fround(1000.001)
    const lo = Math.fround(999.999)
    expect(mean).toBeCloseTo((hi + lo) / 2, 9)
    expect(Math.abs(std - (hi - lo) / 2) / ((hi - lo) / 2)).toBeLessThan(1e-6)
  })
  it('no values is an error', () => {
    expect(() => featureStats([])).toThrow(/no feature values/)
  })
})
