// Augmentation: SpecAugment replays torchaudio's masks from the same uniforms (fixture masks.json), mixup
// follows AST, and everything is reproducible from the seed.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeRng, type Rng } from '../../../src/main/engine/util/rng'
import { mixFbanks, mixLabels, mixWaves, randomGain, sampleMixLambda, specAugment, timeShift } from '../../../src/main/engine/audio/augment'

interface MaskCase {
  melBins: number
  frames: number
  freqm: number
  timem: number
  uniforms: number[]
  freq: [number, number]
  time: [number, number]
  zeros: number
}
const cases = JSON.parse(fs.readFileSync(path.resolve('test/fixtures/audio/masks.json'), 'utf8')) as MaskCase[]

/** An Rng whose next() replays given uniforms (what torch.rand drew), to compare mask semantics exactly. */
function replay(uniforms: number[]): Rng {
  const rng = makeRng(0)
  let i = 0
  return { ...rng, next: () => uniforms[i++] }
}

const ramp = (n: number) => new Float32Array(n).map((_, i) => 1 + (i % 97))

describe('specAugment matches torchaudio FrequencyMasking + TimeMasking', () => {
  for (const c of cases) {
    it(`${c.melBins} mel × ${c.frames} frames, freqm ${c.freqm}, timem ${c.timem}`, () => {
      const fb = ramp(c.frames * c.melBins)
      const before = fb.slice()
      const { freq, time } = specAugment(fb, c.frames, c.melBins, c.freqm, c.timem, replay(c.uniforms))
      const width = (r: [number, number]) => r[1] - r[0]
      if (width(c.freq) > 0) expect(freq).toEqual(c.freq)
      else expect(width(freq)).toBe(0)
      if (width(c.time) > 0) expect(time).toEqual(c.time)
      else expect(width(time)).toBe(0)
      // Exactly the masked rows/columns became 0 (the ramp has no zeros), the rest is untouched.
      let zeros = 0
      let wrong = 0
      for (let t = 0; t < c.frames; t++) {
        for (let m = 0; m < c.melBins; m++) {
          const i = t * c.melBins + m
          const masked = (m >= freq[0] && m < freq[1]) || (t >= time[0] && t < time[1])
          if (fb[i] !== (masked ? 0 : before[i])) wrong++
          if (fb[i] === 0) zeros++
        }
      }
      expect(wrong).toBe(0)
      expect(zeros).toBe(c.zeros)
    })
  }

  it('mask widths are uniform over 0..param-1 and never reach param', () => {
    const rng = makeRng(7)
    const counts = new Array(48).fill(0)
    for (let k = 0; k < 4800; k++) {
      const fb = new Float32Array(128 * 64).fill(1)
      const { freq } = specAugment(fb, 64, 128, 48, 0, rng)
      counts[freq[1] - freq[0]]++
    }
    for (const n of counts) expect(n).toBeGreaterThan(50) // expected 100 each
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4800)
  })

  it('parameter 0 masks nothing and draws nothing', () => {
    const fb = ramp(20 * 8)
    const rng = makeRng(3)
    const state = rng.state()
    specAugment(fb, 20, 8, 0, 0, rng)
    expect(fb).toEqual(ramp(20 * 8))
    expect(rng.state()).toBe(state)
  })
})

describe('mixup as AST does it', () => {
  it('mixWaves: λa + (1-λ)b with b padded or cut to a, then the mean removed', () => {
    const a = new Float32Array([1, 2, 3, 4])
    const short = new Float32Array([10, 20])
    const mixed = mixWaves(a, short, 0.25)
    const raw = [0.25 * 1 + 0.75 * 10, 0.25 * 2 + 0.75 * 20, 0.25 * 3, 0.25 * 4]
    const mean = raw.reduce((x, y) => x + y) / 4
    raw.forEach((v, i) => expect(mixed[i]).toBeCloseTo(v - mean, 5))
    const long = new Float32Array([1, 1, 1, 1, 100, 100])
    const cut = mixWaves(a, long, 0.5)
    expect(cut.length).toBe(4)
    expect(cut.reduce((x, y) => x + y)).toBeCloseTo(0, 5)
  })

  it('λ ~ Beta(10, 10): mean 1/2, variance 1/84', () => {
    const rng = makeRng(11)
    const n = 20000
    const xs = Array.from({ length: n }, () => sampleMixLambda(rng))
    const mean = xs.reduce((a, b) => a + b) / n
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n
    expect(mean).toBeCloseTo(0.5, 2)
    expect(Math.abs(variance - 1 / 84)).toBeLessThan(0.0008)
    expect(Math.min(...xs)).toBeGreaterThan(0)
    expect(Math.max(...xs)).toBeLessThan(1)
  })

  it('fbank and label mixing use the same λ', () => {
    const y = mixLabels(new Float32Array([1, 0, 0]), new Float32Array([0, 1, 0]), 0.7)
    expect(Array.from(y).map((v) => Number(v.toFixed(6)))).toEqual([0.7, 0.3, 0])
    expect(Array.from(mixFbanks(new Float32Array([2, 4]), new Float32Array([4, 8]), 0.5))).toEqual([3, 6])
    expect(() => mixFbanks(new Float32Array(2), new Float32Array(3), 0.5)).toThrow(/shapes differ/)
  })
})

describe('time shift and gain', () => {
  it('timeShift rolls the wave circularly by a shift within ±max', () => {
    const wave = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7])
    const rng = makeRng(5)
    const seen = new Set<number>()
    for (let k = 0; k < 200; k++) {
      const { wave: out, shift } = timeShift(wave, 3, rng)
      expect(Math.abs(shift)).toBeLessThanOrEqual(3)
      seen.add(shift)
      for (let i = 0; i < 8; i++) expect(out[(((i + shift) % 8) + 8) % 8]).toBe(wave[i])
    }
    expect(seen.size).toBe(7)
  })

  it('randomGain scales by a gain within [min, max] dB', () => {
    const rng = makeRng(9)
    for (let k = 0; k < 100; k++) {
      const { wave, gainDb } = randomGain(new Float32Array([0.5, -0.25]), -6, 3, rng)
      expect(gainDb).toBeGreaterThanOrEqual(-6)
      expect(gainDb).toBeLessThanOrEqual(3)
      expect(wave[0]).toBeCloseTo(0.5 * 10 ** (gainDb / 20), 6)
      expect(wave[1]).toBeCloseTo(-0.25 * 10 ** (gainDb / 20), 6)
    }
  })
})

describe('reproducible from the seed', () => {
  function pipeline(seed: number) {
    const rng = makeRng(seed)
    const a = new Float32Array(1600).map((_, i) => Math.sin(i / 7))
    const b = new Float32Array(1200).map((_, i) => Math.cos(i / 3))
    const lambda = sampleMixLambda(rng)
    const shifted = timeShift(mixWaves(a, b, lambda), 400, rng).wave
    const gained = randomGain(shifted, -6, 6, rng).wave
    const fb = ramp(100 * 64)
    const masks = specAugment(fb, 100, 64, 24, 40, rng)
    return { lambda, gained, fb, masks }
  }
  it('same seed → identical output; another seed → different', () => {
    const x = pipeline(42)
    const y = pipeline(42)
    const z = pipeline(43)
    expect(y.lambda).toBe(x.lambda)
    expect(y.gained).toEqual(x.gained)
    expect(y.fb).toEqual(x.fb)
    expect(y.masks).toEqual(x.masks)
    expect(z.lambda).not.toBe(x.lambda)
    expect(z.gained).not.toEqual(x.gained)
  })
  it('a resumed generator (saved state) continues the same sequence', () => {
    const rng = makeRng(1)
    sampleMixLambda(rng)
    const resumed = makeRng(1, rng.state())
    const fb1 = ramp(50 * 32)
    const fb2 = ramp(50 * 32)
    expect(specAugment(fb1, 50, 32, 10, 10, rng)).toEqual(specAugment(fb2, 50, 32, 10, 10, resumed))
  })
})
