// Dataset requests: list, detect a folder's layout, import (as a job), subsets, delete, and the clip
// preview behind the file browser (waveform peaks, log-mel image and a WAV for the audio player).
// A preview decodes one clip in the app process: it is capped in length so that it stays quick.
import fs from 'node:fs'
import path from 'node:path'
import wavefile from 'wavefile'
import type { ClipPreview, DatasetRecord, StrongEvent } from '../../shared/api'
import { loadMono } from '../engine/audio/decode'
import { astFbank } from '../engine/audio/fbank'
import { createSubset, datasetRoot, deleteDataset, listDatasets, loadDataset, summaryOf } from '../engine/data/record'
import { detectLayout } from '../engine/data/layouts'
import type { HandlerTable } from './index'

/** Seconds of audio a preview decodes: 30 s is 3,000 mel frames and a 1 MB WAV. */
export const PREVIEW_SECONDS = 30
const PREVIEW_RATE = 16000
const PEAK_BUCKETS = 1200

/** Min/max pairs over equal buckets, for a waveform drawing. */
export function peaksOf(wave: Float32Array, buckets = PEAK_BUCKETS): number[] {
  const n = Math.max(1, Math.min(buckets, wave.length))
  const out: number[] = []
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * wave.length) / n)
    const to = Math.max(from + 1, Math.floor(((b + 1) * wave.length) / n))
    let lo = Infinity
    let hi = -Infinity
    for (let i = from; i < to && i < wave.length; i++) {
      const v = wave[i]
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    out.push(lo === Infinity ? 0 : +lo.toFixed(4), hi === -Infinity ? 0 : +hi.toFixed(4))
  }
  return out
}

/** 16-bit PCM WAV of a mono wave, base64 (plays in an <audio> element over either transport). */
function wavBase64(wave: Float32Array, sampleRate: number): string {
  const pcm = new Int16Array(wave.length)
  for (let i = 0; i < wave.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(wave[i] * 32767)))
  const wav = new wavefile.WaveFile()
  wav.fromScratch(1, sampleRate, '16', pcm)
  return Buffer.from(wav.toBuffer()).toString('base64')
}

/** Decodes a file (first PREVIEW_SECONDS) and builds everything the clip view draws. */
export async function previewFile(file: string, labels: string[] = [], events: StrongEvent[] = []): Promise<ClipPreview> {
  let full: Float32Array
  try {
    full = await loadMono(file, PREVIEW_RATE)
  } catch (err) {
    const msg = (err as Error).message
    throw new Error(msg.includes(file) ? msg : `Cannot preview ${file}: ${msg}`)
  }
  const wave = full.length > PREVIEW_SECONDS * PREVIEW_RATE ? full.subarray(0, PREVIEW_SECONDS * PREVIEW_RATE) : full
  // The fbank needs at least one 25 ms window; a shorter clip gets an empty image.
  const fb = wave.length >= 400 ? astFbank(wave, 128, PREVIEW_RATE) : { data: new Float32Array(0), frames: 0, melBins: 128 }
  const mel = new Array<number>(fb.data.length)
  for (let i = 0; i < fb.data.length; i++) mel[i] = Math.round(fb.data[i] * 100) / 100
  return {
    file,
    sampleRate: PREVIEW_RATE,
    durationS: full.length / PREVIEW_RATE,
    peaks: peaksOf(wave),
    mel,
    melShape: [fb.frames, fb.melBins],
    wavBase64: wavBase64(wave, PREVIEW_RATE),
    labels,
    events
  }
}

// The file browser asks for clip after clip of one dataset: keep the last record parsed (a record
// never changes under its id once saved; delete drops it).
let recordCache: { id: string; record: DatasetRecord } | null = null

function cachedDataset(id: string): DatasetRecord {
  const record = recordCache?.id === id ? recordCache.record : loadDataset(id)
  recordCache = { id, record }
  return record
}

export const handlers: HandlerTable = {
  'dataset.list': () => listDatasets(),
  'dataset.detect': async ({ folder }) => {
    try {
      const st = await fs.promises.stat(folder)
      if (!st.isDirectory()) return { folder, layout: null, message: `${folder} is not a folder` }
      const layout = await detectLayout(folder)
      return { folder, layout, message: `Detected layout: ${layout}` }
    } catch (err) {
      return { folder, layout: null, message: (err as Error).message }
    }
  },
  'dataset.get': ({ id }) => {
    const record = loadDataset(id)
    recordCache = { id, record }
    return record
  },
  'dataset.import': async (req, ctx) => {
    const folder = req.folder?.trim()
    if (!folder) throw new Error('Choose a folder to import')
    // Refused here, before a job starts, with the import's own message.
    await datasetRoot(folder)
    const name = req.name?.trim() || path.basename(path.resolve(folder))
    const { jobId } = ctx.jobs.start({ kind: 'import', runner: 'import', params: { ...req, folder }, label: `Importing ${name}` })
    return { jobId }
  },
  'dataset.subset': async ({ parent, recipe, name }, ctx) => {
    const record = await createSubset(parent, recipe, name)
    ctx.emit({ type: 'dataset.changed', id: record.id })
    return summaryOf(record)
  },
  'dataset.delete': ({ id }, ctx) => {
    const gone = deleteDataset(id)
    if (recordCache?.id === gone.id) recordCache = null
    ctx.emit({ type: 'dataset.changed', id: gone.id })
    return { ok: true }
  },
  'dataset.clip': async ({ id, file }) => {
    const record = cachedDataset(id)
    // Only the dataset's own files: the request names a file of the record, never a free path.
    const entry = record.files.find((f) => f.path === file)
    if (!entry) throw new Error(`Dataset "${record.name}" has no file ${file}`)
    const events = (record.events ?? []).filter((e) => e.file === file)
    const preview = await previewFile(path.join(record.root, file), entry.labels, events)
    return { ...preview, file }
  },
  'audio.preview': ({ file }) => previewFile(path.resolve(file))
}
