// The dataset handlers behind the UI: layout detection before import, the import job's validation,
// and the clip preview (peaks, log-mel image, a WAV that decodes back to the same samples).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEvent } from '../../../src/shared/api'
import { decodeAudioFile } from '../../../src/main/engine/audio/decode'
import { astFbank } from '../../../src/main/engine/audio/fbank'
import { importDataset } from '../../../src/main/engine/data/record'
import { handlers, peaksOf, PREVIEW_SECONDS, previewFile } from '../../../src/main/service/datasets'
import type { ServiceContext } from '../../../src/main/service/index'
import { toneWav, writeToneDataset } from '../../e2e/audio'

let tmp: string
const events: ApiEvent[] = []
const started: unknown[] = []
const ctx = {
  transport: 'websocket',
  emit: (e: ApiEvent) => events.push(e),
  jobs: { start: (spec: unknown) => (started.push(spec), { jobId: 'job-1', done: Promise.resolve() }) }
} as unknown as ServiceContext

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-svc-'))
  process.env.TAGBENCH_DATA_DIR = path.join(tmp, 'data')
})
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('dataset handlers', () => {
  it('detects a layout before import, and says why when it cannot', async () => {
    const root = writeToneDataset(path.join(tmp, 'tones'), 2, 0.5)
    expect(await handlers['dataset.detect']!({ folder: root }, ctx)).toEqual({ folder: root, layout: 'folders', message: 'Detected layout: folders' })
    const missing = await handlers['dataset.detect']!({ folder: path.join(tmp, 'nope') }, ctx)
    expect(missing.layout).toBeNull()
    const file = path.join(root, 'low', 'low_00.wav')
    expect((await handlers['dataset.detect']!({ folder: file }, ctx)).message).toBe(`${file} is not a folder`)
  })

  it('starts an import job for a folder, and refuses a missing one naming it', async () => {
    const root = path.join(tmp, 'tones')
    expect(await handlers['dataset.import']!({ folder: root, layout: 'folders' }, ctx)).toEqual({ jobId: 'job-1' })
    expect(started.at(-1)).toMatchObject({ kind: 'import', runner: 'import', label: 'Importing tones', params: { folder: root } })
    await expect(handlers['dataset.import']!({ folder: path.join(tmp, 'gone') }, ctx)).rejects.toThrow(`Cannot open dataset folder ${path.join(tmp, 'gone')}: ENOENT`)
  })

  it('previews a clip of the dataset and refuses a path that is not one of its files', async () => {
    const record = await importDataset({ folder: path.join(tmp, 'tones'), name: 'tones' })
    const p = await handlers['dataset.clip']!({ id: record.id, file: 'mid/mid_01.wav' }, ctx)
    expect(p.file).toBe('mid/mid_01.wav')
    expect(p.labels).toEqual(['mid'])
    expect(p.melShape).toEqual([48, 128])
    expect(p.durationS).toBeCloseTo(0.5, 6)
    await expect(handlers['dataset.clip']!({ id: record.id, file: '../../etc/passwd' }, ctx)).rejects.toThrow('Dataset "tones" has no file ../../etc/passwd')
  })
})

describe('clip preview', () => {
  it('the WAV decodes back to the clip (16-bit), the mel image is the AST fbank rounded to 0.01', async () => {
    const file = path.join(tmp, 'tone.wav')
    fs.writeFileSync(file, toneWav(1.2, 440, 3))
    const p = await previewFile(file, ['a'])
    const back = path.join(tmp, 'back.wav')
    fs.writeFileSync(back, Buffer.from(p.wavBase64, 'base64'))
    const orig = await decodeAudioFile(file)
    const again = await decodeAudioFile(back)
    expect(again.sampleRate).toBe(16000)
    expect(again.channels[0].length).toBe(orig.channels[0].length)
    let maxErr = 0
    for (let i = 0; i < orig.channels[0].length; i++) maxErr = Math.max(maxErr, Math.abs(orig.channels[0][i] - again.channels[0][i]))
    expect(maxErr).toBeLessThanOrEqual(2 / 32768)
    const fb = astFbank(orig.channels[0])
    expect(p.melShape).toEqual([fb.frames, 128])
    for (let i = 0; i < fb.data.length; i += 97) expect(Math.abs(p.mel[i] - fb.data[i])).toBeLessThanOrEqual(0.005 + 1e-9)
  })

  it('peaks are the min and max of each bucket', () => {
    const wave = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 5) * (i < 500 ? 0.5 : 1))
    const peaks = peaksOf(wave, 10)
    expect(peaks).toHaveLength(20)
    for (let b = 0; b < 10; b++) {
      const seg = Array.from(wave.subarray(b * 100, (b + 1) * 100))
      expect(peaks[2 * b]).toBeCloseTo(Math.min(...seg), 4)
      expect(peaks[2 * b + 1]).toBeCloseTo(Math.max(...seg), 4)
    }
  })

  it(`a long file is previewed from its first ${PREVIEW_SECONDS} s, with its full duration`, async () => {
    const file = path.join(tmp, 'long.wav')
    fs.writeFileSync(file, toneWav(PREVIEW_SECONDS + 5, 220, 1))
    const p = await previewFile(file)
    expect(p.durationS).toBeCloseTo(PREVIEW_SECONDS + 5, 6)
    expect(Buffer.from(p.wavBase64, 'base64').length).toBe(44 + PREVIEW_SECONDS * 16000 * 2)
    expect(p.melShape[0]).toBe(1 + Math.floor((PREVIEW_SECONDS * 16000 - 400) / 160))
  })

  it('an unreadable file gives an error naming it', async () => {
    const file = path.join(tmp, 'bad.wav')
    fs.writeFileSync(file, 'not audio')
    await expect(previewFile(file)).rejects.toThrow(file)
  })
})
