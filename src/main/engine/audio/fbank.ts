// Kaldi-compatible log-mel filterbank, equal to torchaudio.compliance.kaldi.fbank (torchaudio 0.13) for the
// options below, and AST's feature recipe on top of it. This is the hot path of feature extraction
// (~1000 frames per 10 s clip), so each option set gets a precomputed plan: window, sparse mel weights (each
// filter keeps only its nonzero FFT bins), FFT tables and scratch buffers, reused for every frame.
// Computed in float64 throughout; torchaudio's own float32 rounding is ~3e-4 in the log domain.
import FFT from 'fft.js'

export type WindowType = 'hamming' | 'hanning' | 'povey' | 'rectangular' | 'blackman'

/** torchaudio.compliance.kaldi.fbank's options that Tagbench supports; defaults are torchaudio's. */
export interface FbankOptions {
  /** Hz. Default 16000. */
  sampleFrequency?: number
  /** Frame length in ms. Default 25. */
  frameLength?: number
  /** Frame shift in ms. Default 10. */
  frameShift?: number
  /** Default 23 (Kaldi's default; AST uses 128). */
  numMelBins?: number
  /** Hz. Default 20. */
  lowFreq?: number
  /** Hz; 0 means Nyquist and a negative value is an offset below Nyquist. Default 0. */
  highFreq?: number
  /** Default 0.97. */
  preemphasisCoefficient?: number
  /** Subtract each frame's mean. Default true. */
  removeDcOffset?: boolean
  /** Default 'povey'. */
  windowType?: WindowType
  /** Default 0.42. */
  blackmanCoeff?: number
  /** Only frames that fit entirely in the signal; otherwise reflect at the ends. Default true. */
  snipEdges?: boolean
  /** Power (true) or magnitude (false) spectrum. Default true. */
  usePower?: boolean
  /** log(max(x, float32 eps)) (true) or linear energies (false). Default true. */
  useLogFbank?: boolean
}

export interface Fbank {
  /** Row-major [frames, melBins]. */
  data: Float32Array
  frames: number
  melBins: number
}

/** torch.finfo(torch.float).eps: the floor torchaudio applies before the log. */
export const FLOAT32_EPS = 1.1920928955078125e-7

type Resolved = Required<FbankOptions>

const DEFAULTS: Resolved = {
  sampleFrequency: 16000,
  frameLength: 25,
  frameShift: 10,
  numMelBins: 23,
  lowFreq: 20,
  highFreq: 0,
  preemphasisCoefficient: 0.97,
  removeDcOffset: true,
  windowType: 'povey',
  blackmanCoeff: 0.42,
  snipEdges: true,
  usePower: true,
  useLogFbank: true
}

interface Plan {
  opts: Resolved
  windowSize: number
  windowShift: number
  fftSize: number
  window: Float64Array
  /** Mel filter m covers FFT bins melStart[m] .. melStart[m] + melWeights[m].length - 1. */
  melStart: Int32Array
  melWeights: Float64Array[]
  fft: FFT
  /** Interleaved complex FFT input: one frame in the real lane, the next in the imaginary lane. */
  input: Float64Array
  spectrum: Float64Array
  powerA: Float64Array
  powerB: Float64Array
}

const plans = new Map<string, Plan>()

const melScale = (f: number): number => 1127 * Math.log(1 + f / 700)

function windowFunction(type: WindowType, n: number, blackmanCoeff: number): Float64Array {
  const w = new Float64Array(n)
  const a = (2 * Math.PI) / (n - 1)
  for (let i = 0; i < n; i++) {
    // torch.hann_window / hamming_window with periodic=False, as torchaudio calls them.
    const hann = 0.5 - 0.5 * Math.cos(a * i)
    switch (type) {
      case 'hanning':
        w[i] = hann
        break
      case 'hamming':
        w[i] = 0.54 - 0.46 * Math.cos(a * i)
        break
      case 'povey':
        w[i] = Math.pow(hann, 0.85)
        break
      case 'rectangular':
        w[i] = 1
        break
      case 'blackman':
        w[i] = blackmanCoeff - 0.5 * Math.cos(a * i) + (0.5 - blackmanCoeff) * Math.cos(2 * a * i)
        break
      default:
        throw new Error(`Unknown window type '${type as string}' (hamming, hanning, povey, rectangular, blackman)`)
    }
  }
  return w
}

/**
 * torchaudio's get_mel_banks (no VTLN), kept sparse: triangles in the mel domain over FFT bins 0..N/2-1.
 * torchaudio builds this matrix in float32 (even for float64 input), so the arithmetic below is rounded
 * to float32 step by step (Math.fround): a filter whose energy sits in its low-weight edge bins would
 * otherwise differ by up to ~7e-4 in the log.
 */
function melBanks(o: Resolved, fftSize: number): { start: Int32Array; weights: Float64Array[] } {
  const f32 = Math.fround
  const nyquist = 0.5 * o.sampleFrequency
  const high = o.highFreq <= 0 ? o.highFreq + nyquist : o.highFreq
  if (!(o.lowFreq >= 0 && o.lowFreq < nyquist && high > 0 && high <= nyquist && o.lowFreq < high))
    throw new Error(`Bad filterbank range: low ${o.lowFreq} Hz, high ${high} Hz, Nyquist ${nyquist} Hz`)
  if (o.numMelBins <= 3) throw new Error(`numMelBins must be at least 4 (got ${o.numMelBins})`)
  const numFftBins = fftSize / 2
  const binWidth = f32(o.sampleFrequency / fftSize)
  // Scalars (python floats in torchaudio) stay float64 until they meet a float32 tensor.
  const melLow = f32(melScale(o.lowFreq))
  const delta = f32((melScale(high) - melScale(o.lowFreq)) / (o.numMelBins + 1))
  const binMel = new Float64Array(numFftBins)
  for (let k = 0; k < numFftBins; k++) binMel[k] = f32(1127 * f32(Math.log(f32(1 + f32(f32(binWidth * k) / 700)))))
  const start = new Int32Array(o.numMelBins)
  const weights: Float64Array[] = []
  for (let m = 0; m < o.numMelBins; m++) {
    const left = f32(melLow + f32(m * delta))
    const center = f32(melLow + f32((m + 1) * delta))
    const right = f32(melLow + f32((m + 2) * delta))
    const w: number[] = []
    let first = -1
    for (let k = 0; k < numFftBins; k++) {
      const up = f32(f32(binMel[k] - left) / f32(center - left))
      const down = f32(f32(right - binMel[k]) / f32(right - center))
      const v = Math.max(0, Math.min(up, down))
      // mel rises with k, so the nonzero part of a triangle is one contiguous run of bins.
      if (v > 0) {
        if (first < 0) first = k
        w.push(v)
      }
    }
    start[m] = Math.max(first, 0)
    weights.push(Float64Array.from(w))
  }
  return { start, weights }
}

function resolve(opts: FbankOptions): Resolved {
  const o = { ...DEFAULTS }
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, unknown>)[k] = v
  return o
}

function getPlan(opts: FbankOptions): Plan {
  const o = resolve(opts)
  const key = JSON.stringify(o)
  const cached = plans.get(key)
  if (cached) return cached
  // Same arithmetic as torchaudio: int(sample_frequency * ms * 0.001).
  const windowSize = Math.trunc(o.sampleFrequency * o.frameLength * 0.001)
  const windowShift = Math.trunc(o.sampleFrequency * o.frameShift * 0.001)
  if (windowSize < 2 || windowShift < 1)
    throw new Error(`Frame length ${o.frameLength} ms / shift ${o.frameShift} ms too short at ${o.sampleFrequency} Hz`)
  let fftSize = 1
  while (fftSize < windowSize) fftSize *= 2
  fftSize = Math.max(fftSize, 4) // fft.js needs at least 4 points
  const { start, weights } = melBanks(o, fftSize)
  const plan: Plan = {
    opts: o,
    windowSize,
    windowShift,
    fftSize,
    window: windowFunction(o.windowType, windowSize, o.blackmanCoeff),
    melStart: start,
    melWeights: weights,
    fft: new FFT(fftSize),
    input: new Float64Array(2 * fftSize),
    spectrum: new Float64Array(2 * fftSize),
    powerA: new Float64Array(fftSize / 2 + 1),
    powerB: new Float64Array(fftSize / 2 + 1)
  }
  plans.set(key, plan)
  return plan
}

function frameCount(numSamples: number, windowSize: number, windowShift: number, snipEdges: boolean): number {
  if (numSamples === 0) return 0
  if (snipEdges) return numSamples < windowSize ? 0 : 1 + Math.floor((numSamples - windowSize) / windowShift)
  return Math.floor((numSamples + Math.floor(windowShift / 2)) / windowShift)
}

/** Kaldi's edge handling without snip_edges: mirror the signal at both ends (…x1 x0 | x0 x1 …). */
function reflectIndex(i: number, n: number): number {
  for (;;) {
    if (i < 0) i = -i - 1
    else if (i >= n) i = 2 * n - 1 - i
    else return i
  }
}

/**
 * Frame f, DC-removed, pre-emphasised and windowed, into lane `lane` (0 real, 1 imaginary) of the
 * interleaved complex FFT input. Slots past the window stay zero: the FFT's zero padding.
 */
function prepareFrame(p: Plan, wave: Float32Array | Float64Array, f: number, offset: number, lane: number): void {
  const { windowSize: ws, windowShift: shift, window, input } = p
  const { preemphasisCoefficient: pre, removeDcOffset, snipEdges } = p.opts
  const n = wave.length
  const begin = snipEdges ? f * shift : f * shift - (Math.floor(ws / 2) - Math.floor(shift / 2))
  let sum = 0
  if (begin >= 0 && begin + ws <= n) {
    for (let j = 0; j < ws; j++) {
      const v = wave[begin + j] - offset
      input[2 * j + lane] = v
      sum += v
    }
  } else {
    for (let j = 0; j < ws; j++) {
      const v = wave[reflectIndex(begin + j, n)] - offset
      input[2 * j + lane] = v
      sum += v
    }
  }
  // DC removal, then pre-emphasis (x[j] - c·x[j-1], with x[-1] = x[0]) and the window, in one backward
  // pass so that x[j-1] is still the un-emphasised sample.
  const mean = removeDcOffset ? sum / ws : 0
  for (let j = ws - 1; j > 0; j--) input[2 * j + lane] = (input[2 * j + lane] - mean - pre * (input[2 * j - 2 + lane] - mean)) * window[j]
  input[lane] = (input[lane] - mean) * (1 - pre) * window[0]
}

/** Sparse mel filters over `power`, then the log with torchaudio's float32-epsilon floor, into row `row`. */
function melRow(p: Plan, power: Float64Array, out: Float32Array, row: number): void {
  const { melStart, melWeights } = p
  const useLog = p.opts.useLogFbank
  const melBins = melWeights.length
  for (let m = 0; m < melBins; m++) {
    const w = melWeights[m]
    const s = melStart[m]
    let e = 0
    for (let k = 0; k < w.length; k++) e += w[k] * power[s + k]
    out[row * melBins + m] = useLog ? Math.log(e > FLOAT32_EPS ? e : FLOAT32_EPS) : e
  }
}

/**
 * torchaudio.compliance.kaldi.fbank(wave, ...) for a mono waveform, with dither 0 and use_energy False.
 * `offset` is subtracted from every sample first (AST removes the clip mean this way without a copy).
 * Frames go through the FFT two at a time, one as the real and one as the imaginary part of a complex
 * input (cheaper than two real FFTs); the two spectra separate by conjugate symmetry.
 */
export function kaldiFbank(wave: Float32Array | Float64Array, opts: FbankOptions = {}, offset = 0): Fbank {
  const p = getPlan(opts)
  const { windowSize: ws, fftSize, input, spectrum, powerA, powerB } = p
  const usePower = p.opts.usePower
  const melBins = p.melWeights.length
  const frames = frameCount(wave.length, ws, p.windowShift, p.opts.snipEdges)
  const out = new Float32Array(frames * melBins)
  const half = fftSize / 2

  for (let f = 0; f < frames; f += 2) {
    const pair = f + 1 < frames
    prepareFrame(p, wave, f, offset, 0)
    if (pair) prepareFrame(p, wave, f + 1, offset, 1)
    else for (let j = 0; j < ws; j++) input[2 * j + 1] = 0
    p.fft.transform(spectrum, input)
    // Z = A + iB with A, B real-input spectra: A[k] = (Z[k] + conj Z[N-k]) / 2, B[k] = (Z[k] - conj Z[N-k]) / 2i.
    for (let k = 0; k <= half; k++) {
      const j = (fftSize - k) & (fftSize - 1)
      const zr = spectrum[2 * k]
      const zi = spectrum[2 * k + 1]
      const wr = spectrum[2 * j]
      const wi = spectrum[2 * j + 1]
      const pa = 0.25 * ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi))
      const pb = 0.25 * ((zi + wi) * (zi + wi) + (zr - wr) * (zr - wr))
      powerA[k] = usePower ? pa : Math.sqrt(pa)
      powerB[k] = usePower ? pb : Math.sqrt(pb)
    }
    melRow(p, powerA, out, f)
    if (pair) melRow(p, powerB, out, f + 1)
  }
  return { data: out, frames, melBins }
}

/** AST's options for kaldi.fbank (ast src/dataloader.py), given the sample rate and mel count. */
function astFbankOptions(melBins = 128, sampleRate = 16000): FbankOptions {
  return {
    sampleFrequency: sampleRate,
    numMelBins: melBins,
    windowType: 'hanning',
    frameShift: 10,
    frameLength: 25,
    lowFreq: 20,
    highFreq: 0,
    preemphasisCoefficient: 0.97,
    removeDcOffset: true,
    snipEdges: true,
    usePower: true,
    useLogFbank: true
  }
}

/**
 * AST's features: kaldi.fbank(wave - wave.mean(), htk_compat=True, use_energy=False, window_type='hanning',
 * num_mel_bins=melBins, dither=0, frame_shift=10). htk_compat only moves the energy column, which is off.
 */
export function astFbank(wave: Float32Array, melBins = 128, sampleRate = 16000): Fbank {
  let sum = 0
  for (let i = 0; i < wave.length; i++) sum += wave[i]
  const mean = wave.length > 0 ? sum / wave.length : 0
  return kaldiFbank(wave, astFbankOptions(melBins, sampleRate), mean)
}
