// Feature cache: worker threads (started here under vitest), reuse, invalidation, damaged entries, two runs
// at once, bad files, cancellation and the in-process fallback.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProgressUpdate } from '../../../src/main/engine/control/progress'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-cache-'))
process.env.TAGBENCH_DATA_DIR = path.join(root, 'data')
const { extractFeatures, loadCachedFeature } = await import('../../../src/main/engine/audio/cache')
const { entryPath, readEntry } = await import('../../../src/main/engine/audio/cacheStore')
const { loadMono } = await import('../../../src/main/engine/audio/decode')
const { astFbank } = await import('../../../src/main/engine/audio/fbank')
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const FIX = path.resolve('test/fixtures/audio')
const audioDir = path.join(root, 'audio')
const good: string[] = []
const bad: Record<string, string> = {}
const S128 = { sampleRate: 16000, melBins: 128 }

beforeAll(() => {
  fs.mkdirSync(audioDir, { recursive: true })
  const copies: [string, string][] = [
    ['clips/speech_yes.flac', 'yes.flac'],
    ['clips/speech_stop.flac', 'stop.flac'],
    ['formats/stereo.wav', 'stereo.wav'],
    ['formats/mp3.mp3', 'short.mp3'],
    ['resample/mix_44100.wav', 'mix44k.wav']
  ]
  for (const [from, to] of copies) {
    fs.copyFileSync(path.join(FIX, from), path.join(audioDir, to))
    good.push(path.join(audioDir, to))
  }
  const wav = fs.readFileSync(path.join(FIX, 'formats/pcm_s16.wav'))
  const badFiles: [string, Uint8Array | string, string][] = [
    ['empty.wav', new Uint8Array(0), 'is empty (0 bytes)'],
    ['text.wav', 'not audio at all\n'.repeat(40), 'is not a recognised audio file'],
    ['cut.wav', wav.subarray(0, 2000), 'is truncated']
  ]
  for (const [name, data, reason] of badFiles) {
    fs.writeFileSync(path.join(audioDir, name), data)
    bad[path.join(audioDir, name)] = reason
  }
  bad[path.join(audioDir, 'missing.flac')] = 'ENOENT'
})

async function direct(file: string, melBins = 128) {
  return astFbank(await loadMono(file, 16000), melBins, 16000)
}

describe('extractFeatures', () => {
  it('computes misses on worker threads, stores entries equal to direct extraction, and reports bad files', async () => {
    const events: ProgressUpdate[] = []
    const logs: string[] = []
    const files = [...good, ...Object.keys(bad)]
    const res = await extractFeatures(files, S128, { threads: 2, onProgress: (p) => events.push(p), onLog: (m) => logs.push(m) })
    expect(logs).toEqual([])
    expect(res.workers).toBe(2)
    expect(res.hits).toBe(0)
    expect([...res.ok.keys()].sort()).toEqual([...good].sort())
    expect(res.errors.map((e) => e.file).sort()).toEqual(Object.keys(bad).sort())
    for (const e of res.errors) {
      expect(e.message).toContain(e.file)
      expect(e.message).toContain(bad[e.file])
    }
    for (const file of good) {
      const c = res.ok.get(file)!
      const want = await direct(file)
      const stored = await readEntry(c.entry, 128)
      expect([c.frames, c.melBins]).toEqual([want.frames, 128])
      expect(stored!.data).toEqual(want.data)
      expect(stored!.data.every(Number.isFinite)).toBe(true)
    }
    const last = events[events.length - 1]
    expect(last).toMatchObject({ done: files.length, total: files.length, unit: 'files', etaS: 0 })
    expect(last.rate).toBeGreaterThan(0)
  })

  it('a second run finds everything cached', async () => {
    const res = await extractFeatures(good, S128, { threads: 2 })
    expect(res.hits).toBe(good.length)
    expect(res.workers).toBe(0)
    expect(res.ok.size).toBe(good.length)
  })

  it('an edited file gets a new entry; other files stay cached', async () => {
    const target = path.join(audioDir, 'stop.flac')
    const before = await entryPath(target, S128)
    fs.copyFileSync(path.join(FIX, 'clips/speech_yes.flac'), target)
    const later = new Date(Date.now() + 5000)
    fs.utimesSync(target, later, later)
    const after = await entryPath(target, S128)
    expect(after).not.toBe(before)
    const res = await extractFeatures(good, S128, { threads: 0 })
    expect(res.hits).toBe(good.length - 1)
    expect((await loadCachedFeature(target, S128)).data).toEqual((await direct(path.join(FIX, 'clips/speech_yes.flac'))).data)
  })

  it('other settings are separate entries', async () => {
    const res = await extractFeatures(good.slice(0, 2), { sampleRate: 16000, melBins: 64 }, { threads: 0 })
    expect(res.hits).toBe(0)
    const c = res.ok.get(good[0])!
    expect(c.melBins).toBe(64)
    expect(c.entry).not.toBe(res.ok.get(good[1])!.entry)
    expect(c.entry).toContain('mel64')
    expect((await readEntry(c.entry, 64))!.data).toEqual((await direct(good[0], 64)).data)
  })

  it('a damaged entry is never read: it counts as missing and is rewritten whole', async () => {
    const file = good[0]
    const entry = await entryPath(file, S128)
    const whole = fs.readFileSync(entry)
    fs.writeFileSync(entry, whole.subarray(0, whole.length - 100))
    expect(await readEntry(entry, 128)).toBeNull()
    expect(await readEntry(path.join(FIX, 'formats/source_s16.npy'), 128)).toBeNull() // wrong shape
    const fb = await loadCachedFeature(file, S128)
    expect(fb.data).toEqual((await direct(file)).data)
    expect(fs.readFileSync(entry)).toEqual(whole)
  })

  it('two runs at once on the same new files both succeed and leave whole entries', async () => {
    const settings = { sampleRate: 22050, melBins: 40 }
    const [a, b] = await Promise.all([
      extractFeatures(good, settings, { threads: 1 }),
      extractFeatures(good, settings, { threads: 1 })
    ])
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
    for (const file of good) {
      const stored = await readEntry(a.ok.get(file)!.entry, 40)
      expect(stored!.data).toEqual(astFbank(await loadMono(file, 22050), 40, 22050).data)
    }
    const leftovers = fs.readdirSync(path.join(root, 'data', 'cache'), { recursive: true }).filter((f) => String(f).includes('.tmp-'))
    expect(leftovers).toEqual([])
  })

  it('falls back to this thread, and says so, when workers cannot start', async () => {
    const logs: string[] = []
    const settings = { sampleRate: 16000, melBins: 32 }
    const res = await extractFeatures(good.slice(0, 2), settings, {
      threads: 2,
      workerEntry: new URL('file:///nonexistent/cacheWorker.js'),
      onLog: (m) => logs.push(m)
    })
    expect(res.workers).toBe(0)
    expect(res.ok.size).toBe(2)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/Feature workers could not start .*extracting in this thread instead/)
  })

  it('stops when cancelled', async () => {
    const ctrl = new AbortController()
    ctrl.abort()
    await expect(extractFeatures(good, { sampleRate: 16000, melBins: 24 }, { signal: ctrl.signal })).rejects.toThrow(
      'Feature extraction cancelled'
    )
  })
})

describe('loadCachedFeature', () => {
  it('names the file when it cannot be read or decoded', async () => {
    const missing = path.join(audioDir, 'missing.flac')
    await expect(loadCachedFeature(missing, S128)).rejects.toThrow(`Cannot read ${missing}: ENOENT`)
    const text = path.join(audioDir, 'text.wav')
    await expect(loadCachedFeature(text, S128)).rejects.toThrow(`${text} is not a recognised audio file`)
  })
})
