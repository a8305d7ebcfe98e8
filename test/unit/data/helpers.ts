// Test-only helpers: tiny 16-bit PCM WAV files and throwaway dataset folders in a temp dir.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pcm16Wav } from '../../wav'

/** 16-bit PCM WAV bytes of a sine, the same tone in every channel. */
function wavBytes(seconds: number, sampleRate = 16000, channels = 1, freq = 440): Buffer {
  const frames = Math.round(seconds * sampleRate)
  const tone = Int16Array.from({ length: frames }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / sampleRate)))
  return pcm16Wav(Array.from({ length: channels }, () => tone), sampleRate)
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
