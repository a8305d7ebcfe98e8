// Generated long recordings with sparse per-frame labels, for tests and for measuring the frame-task
// defaults: a "music" bed (harmonic notes that change every 0.2–1 s, a soft drum-like thump, pink-ish
// noise) with a few short marked sounds (a breathy band of noise, 0.25–0.5 s, with a soft attack) and
// unmarked distractors (short high tones, bursts like the marked sound in other bands). Labels are written as the user's files are: one 0/1
// per frame at `labelRate` frames/s, in frames/<name>.txt beside audio/<name>.wav. Deterministic per seed.
import fs from 'node:fs'
import path from 'node:path'
import { pcm16Wav } from './wav'
import { mulberry32 } from '../src/main/engine/util/rng'

export interface FrameDataOptions {
  recordings: number
  /** Recording lengths are drawn uniformly from [minS, maxS]. */
  minS: number
  maxS: number
  /** Target share of positive frames (≈; events are placed until it is reached). */
  positiveShare: number
  labelRate: number
  sampleRate?: number
  seed?: number
  /** Marked-sound level relative to the bed (linear amplitude). */
  eventGain?: number
}

/** Band-limited noise: white noise through a 2-pole resonator at `freq` (Hz) with bandwidth `bw`. */
function bandNoise(n: number, freq: number, bw: number, sr: number, rand: () => number): Float32Array {
  const out = new Float32Array(n)
  const r = Math.exp((-Math.PI * bw) / sr)
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / sr)
  const a2 = -r * r
  let y1 = 0
  let y2 = 0
  let peak = 1e-9
  for (let i = 0; i < n; i++) {
    const y = (rand() * 2 - 1) + a1 * y1 + a2 * y2
    y2 = y1
    y1 = y
    out[i] = y
    peak = Math.max(peak, Math.abs(y))
  }
  for (let i = 0; i < n; i++) out[i] /= peak
  return out
}

export interface GeneratedRecording {
  name: string
  durationS: number
  /** 0/1 per label frame. */
  frames: Uint8Array
}

/** Write `opts.recordings` recordings into dir/audio and their labels into dir/frames. */
export function generateFrameDataset(dir: string, opts: FrameDataOptions): GeneratedRecording[] {
  const sr = opts.sampleRate ?? 16000
  const rand = mulberry32(opts.seed ?? 1)
  const gain = opts.eventGain ?? 0.3
  fs.mkdirSync(path.join(dir, 'audio'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'frames'), { recursive: true })
  const out: GeneratedRecording[] = []
  for (let k = 0; k < opts.recordings; k++) {
    const durationS = Math.round((opts.minS + (opts.maxS - opts.minS) * rand()) * 10) / 10
    const n = Math.round(durationS * sr)
    const x = new Float32Array(n)
    // Bed: notes (3 harmonics) changing every 0.2–1 s, a thump every beat, pink-ish noise.
    let t = 0
    while (t < n) {
      const len = Math.round((0.2 + 0.8 * rand()) * sr)
      const f0 = 110 * Math.pow(2, Math.floor(rand() * 24) / 12)
      const amp = 0.15 + 0.15 * rand()
      for (let i = t; i < Math.min(n, t + len); i++) {
        const u = (i - t) / sr
        const env = Math.min(1, u / 0.02) * Math.exp(-u * 1.5)
        x[i] += amp * env * (Math.sin(2 * Math.PI * f0 * u) + 0.5 * Math.sin(4 * Math.PI * f0 * u) + 0.25 * Math.sin(6 * Math.PI * f0 * u))
      }
      t += len
    }
    const beat = Math.round((0.4 + 0.3 * rand()) * sr)
    for (let s = 0; s < n; s += beat) for (let i = s; i < Math.min(n, s + 0.08 * sr); i++) x[i] += 0.3 * Math.exp(-((i - s) / sr) * 40) * Math.sin(2 * Math.PI * 60 * ((i - s) / sr))
    const hiss = bandNoise(n, 800, 3000, sr, rand)
    for (let i = 0; i < n; i++) x[i] += 0.04 * hiss[i]
    // Distractors, unmarked: short high tones, and noise bursts shaped like the marked sound but in
    // other bands (1–2 kHz or 5.5–7 kHz), so that "any burst" is not the answer.
    const nDistract = Math.round(durationS / 6)
    for (let d = 0; d < nDistract; d++) {
      const s = Math.floor(rand() * (n - 0.3 * sr))
      const f = 2000 + 2000 * rand()
      for (let i = 0; i < 0.15 * sr; i++) x[s + i] += 0.2 * Math.sin((2 * Math.PI * f * i) / sr) * Math.sin((Math.PI * i) / (0.15 * sr))
    }
    for (let d = 0; d < nDistract; d++) {
      const len = Math.round((0.25 + 0.25 * rand()) * sr)
      const s = Math.floor(rand() * (n - len))
      const burst = bandNoise(len, rand() < 0.5 ? 1000 + 1000 * rand() : 5500 + 1500 * rand(), 1500, sr, rand)
      const level = gain * (0.6 + 0.8 * rand())
      for (let i = 0; i < len; i++) {
        const u = i / len
        x[s + i] += level * Math.min(1, u / 0.25) * Math.min(1, (1 - u) / 0.3) * burst[i]
      }
    }
    // Marked sounds until the positive share is reached; never overlapping each other.
    const nFrames = Math.round(durationS * opts.labelRate)
    const frames = new Uint8Array(nFrames)
    let positives = 0
    let tries = 0
    while (positives < opts.positiveShare * nFrames && tries++ < 1000) {
      const lenS = 0.25 + 0.25 * rand()
      const onS = 0.2 + rand() * (durationS - lenS - 0.4)
      const a = Math.round(onS * opts.labelRate)
      const b = Math.round((onS + lenS) * opts.labelRate)
      let free = true
      for (let f = Math.max(0, a - 15); f < Math.min(nFrames, b + 15); f++) if (frames[f]) free = false
      if (!free) continue
      const s0 = Math.round((a / opts.labelRate) * sr)
      const len = Math.round(((b - a) / opts.labelRate) * sr)
      const burst = bandNoise(len, 3000 + 1500 * rand(), 1500, sr, rand)
      const level = gain * (0.6 + 0.8 * rand())
      for (let i = 0; i < len && s0 + i < n; i++) {
        const u = i / len
        // Soft attack and release: a breath, not a click.
        const env = Math.min(1, u / 0.25) * Math.min(1, (1 - u) / 0.3)
        x[s0 + i] += level * env * burst[i]
      }
      for (let f = a; f < b; f++) frames[f] = 1
      positives += b - a
    }
    let peak = 1e-9
    for (const v of x) peak = Math.max(peak, Math.abs(v))
    const pcm = Int16Array.from(x, (v) => Math.round((v / peak) * 0.9 * 32767))
    const name = `rec${String(k).padStart(3, '0')}`
    fs.writeFileSync(path.join(dir, 'audio', `${name}.wav`), pcm16Wav([pcm], sr))
    fs.writeFileSync(path.join(dir, 'frames', `${name}.txt`), Array.from(frames).join('\n') + '\n')
    out.push({ name, durationS, frames })
  }
  return out
}
