// Resampler parity with torchaudio.functional.resample (fixtures with content up to the input's Nyquist
// frequency), and its anti-aliasing measured on sweeps.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KAISER_BEST, resample, type ResampleOptions } from '../../../src/main/engine/audio/resample'
import { decodeAudioFile } from '../../../src/main/engine/audio/decode'
import { readNpy } from '../../../src/main/engine/io/npy'

const FIX = path.resolve('test/fixtures/audio/resample')

async function compare(name: string, fromRate: number, refName: string, opts?: ResampleOptions) {
  const { sampleRate, channels } = await decodeAudioFile(path.join(FIX, `${name}.wav`))
  expect(sampleRate).toBe(fromRate)
  const y = resample(channels[0], fromRate, 16000, opts)
  const ref = readNpy(path.join(FIX, refName)).data
  expect(y.length).toBe(ref.length)
  let maxAbs = 0
  let refRms = 0
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(y[i] - ref[i]))
    refRms += ref[i] * ref[i]
  }
  return { maxAbs, refRms: Math.sqrt(refRms / ref.length) }
}

describe('resample equals torchaudio.functional.resample', () => {
  // torchaudio builds its kernel in float32; we use float64, so a few float32 steps apart.
  it('44.1 kHz → 16 kHz (music + chirp to 22 kHz + noise)', async () => {
    const { maxAbs, refRms } = await compare('mix_44100', 44100, 'mix_44100.to16k.npy')
    expect(refRms).toBeGreaterThan(0.05)
    expect(maxAbs).toBeLessThan(1e-5)
  })
  it('48 kHz → 16 kHz', async () => {
    expect((await compare('mix_48000', 48000, 'mix_48000.to16k.npy')).maxAbs).toBeLessThan(1e-5)
  })
  it('8 kHz → 16 kHz (upsampling)', async () => {
    expect((await compare('speech_8000', 8000, 'speech_8000.to16k.npy')).maxAbs).toBeLessThan(1e-5)
  })
  it('44.1 kHz → 16 kHz with torchaudio’s kaiser_best settings', async () => {
    expect((await compare('mix_44100', 44100, 'mix_44100.to16k.kaiser_best.npy', KAISER_BEST)).maxAbs).toBeLessThan(1e-5)
  })
})

/** Level in dB (re the sweep's own RMS) of the output around the moment the input sweep passes `freq`. */
function sweepResponse(fromRate: number, opts: ResampleOptions | undefined, freqs: number[]): number[] {
  const seconds = 2
  const n = seconds * fromRate
  const f0 = 20
  const f1 = fromRate / 2
  const amp = 0.5
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const t = i / fromRate
    x[i] = amp * Math.sin(2 * Math.PI * (f0 * t + (0.5 * (f1 - f0) * t * t) / seconds))
  }
  const y = resample(x, fromRate, 16000, opts)
  return freqs.map((f) => {
    const centre = Math.round(((f - f0) / (f1 - f0)) * seconds * 16000)
    let s = 0
    let count = 0
    for (let i = centre - 160; i < centre + 160; i++) {
      s += y[i] * y[i]
      count++
    }
    return 20 * Math.log10(Math.sqrt(s / count) / (amp / Math.SQRT2))
  })
}

describe('anti-aliasing on a 20 Hz → Nyquist sweep, down to 16 kHz', () => {
  for (const rate of [44100, 48000]) {
    it(`${rate} Hz, torchaudio defaults: passband kept, content ≥ 10 kHz suppressed ≥ 40 dB`, () => {
      const [p1k, p4k, p7k, s10k, s12k, s16k, s20k] = sweepResponse(rate, undefined, [1000, 4000, 7000, 10000, 12000, 16000, 20000])
      expect(Math.abs(p1k)).toBeLessThan(0.1)
      expect(Math.abs(p4k)).toBeLessThan(0.1)
      expect(p7k).toBeGreaterThan(-3) // torchaudio's gentle roll-off starts below the cutoff
      // Above the new Nyquist frequency, whatever gets through folds back into the band: it must be tiny.
      for (const level of [s10k, s12k, s16k, s20k]) expect(level).toBeLessThan(-40)
    })
    it(`${rate} Hz, kaiser_best: flat to 7 kHz, content ≥ 8.5 kHz suppressed ≥ 120 dB`, () => {
      const levels = sweepResponse(rate, KAISER_BEST, [1000, 4000, 7000, 8500, 10000, 16000, 20000])
      for (const level of levels.slice(0, 3)) expect(Math.abs(level)).toBeLessThan(0.1)
      for (const level of levels.slice(3)) expect(level).toBeLessThan(-120)
    })
  }
})

describe('resample edge cases', () => {
  it('output length is ceil(n · to / from); equal rates copy', () => {
    expect(resample(new Float32Array(44101), 44100, 16000).length).toBe(Math.ceil((44101 * 160) / 441))
    expect(resample(new Float32Array(0), 48000, 16000).length).toBe(0)
    const x = new Float32Array([1, 2, 3])
    const y = resample(x, 16000, 16000)
    expect(Array.from(y)).toEqual([1, 2, 3])
    expect(y).not.toBe(x)
  })
  it('a constant stays constant away from the edges (DC gain 1 within 0.1%)', () => {
    for (const [from, to] of [
      [22050, 16000],
      [8000, 16000]
    ]) {
      const y = resample(new Float32Array(from).fill(0.5), from, to)
      for (let i = 100; i < y.length - 100; i++) expect(Math.abs(y[i] - 0.5)).toBeLessThan(5e-4)
    }
  })
  it('rejects rates that are not positive integers', () => {
    expect(() => resample(new Float32Array(10), 0, 16000)).toThrow(/positive integers/)
    expect(() => resample(new Float32Array(10), 44100.5, 16000)).toThrow(/positive integers/)
  })
})
