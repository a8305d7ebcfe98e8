// Band-limited resampling, equal to torchaudio.functional.resample (by default its defaults: Hann-windowed
// sinc, lowpass_filter_width 6, rolloff 0.99), so features of 44.1/48 kHz audio match the Python pipeline.
// Its Kaiser-window variant with a wider filter (KAISER_BEST) trades speed for far less aliasing.
// npm's maintained resamplers (libsamplerate's WebAssembly port) need an asynchronous start and use other
// filters; this is the same algorithm as torchaudio's, evaluated polyphase: the rates are reduced by their
// gcd to orig → new, output phase p (of new) uses one fixed set of taps, and each set keeps only its
// nonzero taps (about 2·6·orig/new of torchaudio's 2·width + orig), which makes it fast.

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side; more is sharper and slower. Default 6. */
  lowpassFilterWidth?: number
  /** Cutoff as a fraction of the lower Nyquist frequency. Default 0.99. */
  rolloff?: number
  /** torchaudio 0.13's resampling_method. Default 'sinc_interpolation' (Hann window). */
  method?: 'sinc_interpolation' | 'kaiser_window'
  /** Kaiser window shape. Default 14.769656459379492 (torchaudio's). */
  beta?: number
}

/** torchaudio's documented "kaiser_best" settings (as librosa's). */
export const KAISER_BEST: ResampleOptions = {
  lowpassFilterWidth: 64,
  rolloff: 0.9475937167399596,
  method: 'kaiser_window',
  beta: 14.769656459379492
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for |x| ≲ 50). */
function besselI0(x: number): number {
  let term = 1
  let sum = 1
  const q = (x * x) / 4
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= q / (k * k)
    sum += term
  }
  return sum
}

interface Kernel {
  orig: number
  /** Output phase p reads x[j·orig + offset[p] + t] · taps[p][t]. */
  offset: Int32Array
  taps: Float64Array[]
}

const kernels = new Map<string, Kernel>()

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

function getKernel(fromRate: number, toRate: number, opts: ResampleOptions): Kernel {
  const zeros = opts.lowpassFilterWidth ?? 6
  const rolloff = opts.rolloff ?? 0.99
  const kaiser = (opts.method ?? 'sinc_interpolation') === 'kaiser_window'
  const beta = opts.beta ?? 14.769656459379492
  if (!(zeros > 0 && rolloff > 0 && rolloff <= 1)) throw new Error(`Bad resampling filter: width ${zeros}, rolloff ${rolloff}`)
  const key = `${fromRate}:${toRate}:${zeros}:${rolloff}:${kaiser ? beta : 'hann'}`
  const hit = kernels.get(key)
  if (hit) return hit
  const g = gcd(fromRate, toRate)
  const orig = fromRate / g
  const next = toRate / g
  const base = Math.min(orig, next) * rolloff
  const width = Math.ceil((zeros * orig) / base)
  const i0Beta = besselI0(beta)
  const scale = base / orig
  const offset = new Int32Array(next)
  const taps: Float64Array[] = []
  for (let p = 0; p < next; p++) {
    // torchaudio: t = (k/orig - p/new)·base for k in [-width, width + orig), clamped to ±zeros, where the
    // sinc is zero (to ~1e-16): those taps are dropped.
    const values: number[] = []
    let first = Number.NaN
    for (let k = -width; k < width + orig; k++) {
      const t = (k / orig - p / next) * base
      if (Math.abs(t) >= zeros) continue
      if (Number.isNaN(first)) first = k
      const w = kaiser ? besselI0(beta * Math.sqrt(1 - (t / zeros) ** 2)) / i0Beta : Math.cos((t * Math.PI) / zeros / 2) ** 2
      const x = t * Math.PI
      values.push((x === 0 ? 1 : Math.sin(x) / x) * w * scale)
    }
    offset[p] = first
    taps.push(Float64Array.from(values))
  }
  const kernel = { orig, offset, taps }
  kernels.set(key, kernel)
  return kernel
}

/**
 * Resample `x` from `fromRate` to `toRate` (positive integers, Hz). Output length is ceil(len · to / from),
 * as torchaudio's; equal rates return a copy.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number, opts: ResampleOptions = {}): Float32Array {
  if (!(Number.isInteger(fromRate) && fromRate > 0 && Number.isInteger(toRate) && toRate > 0))
    throw new Error(`Sample rates must be positive integers (got ${fromRate} → ${toRate})`)
  if (fromRate === toRate) return x.slice()
  const { orig, offset, taps } = getKernel(fromRate, toRate, opts)
  const next = taps.length
  const n = x.length
  const outLength = Math.ceil((next * n) / orig)
  const y = new Float32Array(outLength)
  for (let o = 0; o < outLength; o++) {
    const j = Math.floor(o / next)
    const p = o - j * next
    const h = taps[p]
    const start = j * orig + offset[p]
    let acc = 0
    if (start >= 0 && start + h.length <= n) {
      for (let t = 0; t < h.length; t++) acc += x[start + t] * h[t]
    } else {
      // Near the ends: samples outside the signal are zero (torchaudio pads with zeros).
      const lo = Math.max(0, -start)
      const hi = Math.min(h.length, n - start)
      for (let t = lo; t < hi; t++) acc += x[start + t] * h[t]
    }
    y[o] = acc
  }
  return y
}
