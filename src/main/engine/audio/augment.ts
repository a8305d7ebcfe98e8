// Training-time augmentation, every random draw from a seeded Rng so that a run can be repeated exactly.
// SpecAugment follows torchaudio's FrequencyMasking/TimeMasking (as AST applies them: one mask of each,
// masked value 0, before normalising); mixup follows AST (waveforms, λ ~ Beta(10, 10), re-centred).
import type { Rng } from '../util/rng'

/** [start, end) of a mask; start === end means nothing was masked. */
export type MaskRange = [number, number]

/**
 * torchaudio's mask_along_axis: width v ~ U[0, param), start v0 ~ U[0, size - v), then the indices in
 * [trunc(v0), trunc(v0) + trunc(v)) (torch's .long() truncates; v0 < 0 when param > size).
 * No draws at all when param < 1, as torchaudio returns early.
 */
function maskRange(size: number, param: number, rng: Rng): MaskRange {
  if (param < 1) return [0, 0]
  const value = rng.next() * param
  const minValue = rng.next() * (size - value)
  const start = Math.trunc(minValue)
  const end = start + Math.trunc(value)
  return [Math.max(0, Math.min(start, size)), Math.max(0, Math.min(end, size))]
}

/**
 * One frequency mask (up to `freqm` mel bins) then one time mask (up to `timem` frames) on a row-major
 * [frames, melBins] fbank, in place, masked value 0. Returns the masked ranges.
 */
export function specAugment(
  fb: Float32Array,
  frames: number,
  melBins: number,
  freqm: number,
  timem: number,
  rng: Rng
): { freq: MaskRange; time: MaskRange } {
  if (fb.length !== frames * melBins) throw new Error(`specAugment: ${fb.length} values is not ${frames} × ${melBins}`)
  const freq = maskRange(melBins, freqm, rng)
  const time = maskRange(frames, timem, rng)
  if (freq[1] > freq[0]) for (let t = 0; t < frames; t++) fb.fill(0, t * melBins + freq[0], t * melBins + freq[1])
  if (time[1] > time[0]) fb.fill(0, time[0] * melBins, time[1] * melBins)
  return { freq, time }
}

/** AST's mixup coefficient: λ ~ Beta(alpha, alpha), alpha 10. */
export const sampleMixLambda = (rng: Rng, alpha = 10): number => rng.beta(alpha, alpha)

/**
 * AST's waveform mixup: b is zero-padded or cut to a's length, λ·a + (1 - λ)·b, then the mean removed.
 * Labels mix with the same λ (mixLabels).
 */
export function mixWaves(a: Float32Array, b: Float32Array, lambda: number): Float32Array {
  const out = new Float32Array(a.length)
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const v = lambda * a[i] + (1 - lambda) * (i < b.length ? b[i] : 0)
    out[i] = v
    sum += v
  }
  const mean = a.length > 0 ? sum / a.length : 0
  for (let i = 0; i < out.length; i++) out[i] -= mean
  return out
}

/** Mixup on features of equal shape (e.g. two padded fbanks): λ·a + (1 - λ)·b. */
export function mixFbanks(a: Float32Array, b: Float32Array, lambda: number): Float32Array {
  if (a.length !== b.length) throw new Error(`mixFbanks: shapes differ (${a.length} vs ${b.length} values)`)
  const out = new Float32Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = lambda * a[i] + (1 - lambda) * b[i]
  return out
}

/** Label vectors mixed with the same λ as their inputs: λ·ya + (1 - λ)·yb. */
export function mixLabels(ya: Float32Array, yb: Float32Array, lambda: number): Float32Array {
  return mixFbanks(ya, yb, lambda)
}

/** Circular shift by a whole number of samples drawn uniformly from [-maxShift, maxShift]. */
export function timeShift(wave: Float32Array, maxShift: number, rng: Rng): { wave: Float32Array; shift: number } {
  const n = wave.length
  const limit = Math.max(0, Math.floor(maxShift))
  const shift = rng.int(2 * limit + 1) - limit
  const out = new Float32Array(n)
  if (n === 0) return { wave: out, shift }
  const s = ((shift % n) + n) % n
  out.set(wave.subarray(n - s), 0)
  out.set(wave.subarray(0, n - s), s)
  return { wave: out, shift }
}

/** Scale by a gain drawn uniformly from [minDb, maxDb] decibels. */
export function randomGain(wave: Float32Array, minDb: number, maxDb: number, rng: Rng): { wave: Float32Array; gainDb: number } {
  const gainDb = minDb + rng.next() * (maxDb - minDb)
  const g = 10 ** (gainDb / 20)
  const out = new Float32Array(wave.length)
  for (let i = 0; i < wave.length; i++) out[i] = wave[i] * g
  return { wave: out, gainDb }
}
