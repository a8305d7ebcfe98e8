// Test-only helpers: tiny 16-bit PCM WAV files and throwaway dataset folders in a temp dir.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** 16-bit PCM WAV bytes of a sine (header written by hand: fixtures only, never product code). */
export function wavBytes(seconds: number, sampleRate = 16000, channels = 1, freq = 440): Buffer {
  const frames = Math.round(seconds * sampleRate)
  const dataBytes = frames * channels * 2
  const buf = Buffer.alloc(44 + dataBytes)
  buf.write('RIFF', 0, 'ascii')
  buf.writeUInt32LE(36 + dataBytes, 4)
  buf.write('WAVE', 8, 'ascii')
  buf.write('fmt ', 12, 'ascii')
  buf.writeUInt32LE(16, 16)
  buf.writeUInt16LE(1, 20)
  buf.writeUInt16LE(channels, 22)
  buf.writeUInt32LE(sampleRate, 24)
  buf.writeUInt32LE(sampleRate * channels * 2, 28)
  buf.writeUInt16LE(channels * 2, 32)
  buf.writeUInt16LE(16, 34)
  buf.write('data', 36, 'ascii')
  buf.writeUInt32LE(dataBytes, 40)
  for (let i = 0; i < frames; i++) {
    const v = Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / sampleRate))
    for (let c = 0; c < channels; c++) buf.writeInt16LE(v, 44 + (i * channels + c) * 2)
  }
  return buf
}

export function writeWav(file: string, seconds: number, sampleRate = 16000, channels = 1): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, wavBytes(seconds, sampleRate, channels))
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

/** A fresh temp folder; removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tagbench-${prefix}-`))
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** Points the data folder at a temp dir for this test file (paths.ts reads the variable on each call). */
export function useTempDataDir(): { dir: string; cleanup: () => void } {
  const t = tempDir('data')
  process.env.TAGBENCH_DATA_DIR = t.dir
  return t
}
