// A small dataset of tones for end-to-end tests: one folder per class, each class its own pitch
// (with a harmonic and a little seeded noise so no two clips are identical). 16-bit PCM WAV, 16 kHz.
import fs from 'node:fs'
import path from 'node:path'
import { pcm16Wav } from '../wav'

/** 16-bit mono PCM WAV bytes of a seeded tone with its second harmonic and a little noise. */
export function toneWav(seconds: number, freq: number, seed: number, sampleRate = 16000): Buffer {
  const frames = Math.round(seconds * sampleRate)
  let s = (seed * 2654435761) >>> 0
  const noise = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
  const detune = 1 + 0.02 * noise()
  const pcm = new Int16Array(frames)
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate
    const env = Math.min(1, t / 0.02, (seconds - t) / 0.02)
    const v = env * (0.5 * Math.sin(2 * Math.PI * freq * detune * t) + 0.2 * Math.sin(4 * Math.PI * freq * detune * t)) + 0.05 * noise()
    pcm[i] = Math.round(Math.max(-1, Math.min(1, v)) * 32000)
  }
  return pcm16Wav([pcm], sampleRate)
}

export const TONE_CLASSES: Record<string, number> = { low: 220, mid: 660, high: 1760 }

/** <root>/<class>/<class>_<n>.wav for every class; returns the root. */
export function writeToneDataset(root: string, perClass: number, seconds = 1, classes = TONE_CLASSES): string {
  let seed = 1
  for (const [name, freq] of Object.entries(classes)) {
    fs.mkdirSync(path.join(root, name), { recursive: true })
    for (let n = 0; n < perClass; n++) fs.writeFileSync(path.join(root, name, `${name}_${String(n).padStart(2, '0')}.wav`), toneWav(seconds, freq, seed++))
  }
  return root
}
