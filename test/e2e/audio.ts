// A small dataset of tones for end-to-end tests: one folder per class, each class its own pitch
// (with a harmonic and a little seeded noise so no two clips are identical). 16-bit PCM WAV, 16 kHz.
import fs from 'node:fs'
import path from 'node:path'

/** 16-bit mono PCM WAV bytes (header written here: a test fixture, never product code). */
export function toneWav(seconds: number, freq: number, seed: number, sampleRate = 16000): Buffer {
  const frames = Math.round(seconds * sampleRate)
  const buf = Buffer.alloc(44 + frames * 2)
  buf.write('RIFF', 0, 'ascii')
  buf.writeUInt32LE(36 + frames * 2, 4)
  buf.write('WAVEfmt ', 8, 'ascii')
  buf.writeUInt32LE(16, 16)
  buf.writeUInt16LE(1, 20)
  buf.writeUInt16LE(1, 22)
  buf.writeUInt32LE(sampleRate, 24)
  buf.writeUInt32LE(sampleRate * 2, 28)
  buf.writeUInt16LE(2, 32)
  buf.writeUInt16LE(16, 34)
  buf.write('data', 36, 'ascii')
  buf.writeUInt32LE(frames * 2, 40)
  let s = (seed * 2654435761) >>> 0
  const noise = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
  const detune = 1 + 0.02 * noise()
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate
    const env = Math.min(1, t / 0.02, (seconds - t) / 0.02)
    const v = env * (0.5 * Math.sin(2 * Math.PI * freq * detune * t) + 0.2 * Math.sin(4 * Math.PI * freq * detune * t)) + 0.05 * noise()
    buf.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32000), 44 + i * 2)
  }
  return buf
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
