// On-disk layout of the feature cache: one float32 .npy [frames, melBins] per (audio file version ×
// settings), under cacheDir()/features/<settings>/<xx>/<key>.npy. The key hashes the absolute path, size and
// mtime, so an edited file gets a new entry and new settings get a new folder (stale entries are never read).
// Entries are written to a temp file and renamed (fsutil), so a reader never sees half of one, and two runs
// writing the same entry at once both leave a whole file. Reads still check the length, in case a disk or
// an older writer left a short file: such an entry counts as missing.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { cacheDir } from '../platform/paths'
import { decodeNpy, encodeNpy } from '../io/npy'
import { writeFileAtomic } from '../io/fsutil'
import type { Fbank } from './fbank'
import type { FeatureSettings } from './extract'

/** Bump when the feature computation changes, so old entries stop being used. */
export const FEATURE_VERSION = 1

export function settingsDir(settings: FeatureSettings): string {
  return path.join(cacheDir(), 'features', `v${FEATURE_VERSION}-sr${settings.sampleRate}-mel${settings.melBins}`)
}

/** The cache key of the file as it is now; throws an Error naming the file when it cannot be read. */
export async function entryKey(file: string): Promise<string> {
  const abs = path.resolve(file)
  let stat: fs.Stats
  try {
    stat = await fs.promises.stat(abs)
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (!stat.isFile()) throw new Error(`Cannot read ${file}: not a regular file`)
  return crypto.createHash('sha1').update(JSON.stringify([abs, stat.size, stat.mtimeMs])).digest('hex')
}

/** Entry path for the file as it is now; throws an Error naming the file when it cannot be read. */
export async function entryPath(file: string, settings: FeatureSettings): Promise<string> {
  const key = await entryKey(file)
  return path.join(settingsDir(settings), key.slice(0, 2), `${key}.npy`)
}

/** The entry's fbank, or null when it is missing or not a whole, well-formed entry for these mel bins. */
export async function readEntry(entry: string, melBins: number): Promise<Fbank | null> {
  let buf: Buffer
  try {
    buf = await fs.promises.readFile(entry)
  } catch {
    return null
  }
  try {
    const arr = decodeNpy(buf, entry)
    const [frames, bins] = arr.shape
    if (arr.dtype !== '<f4' || arr.shape.length !== 2 || bins !== melBins) return null
    // We write format v1.0 (10-byte preamble + header); anything past the data means a bad entry too.
    if (buf.length !== 10 + buf.readUInt16LE(8) + frames * bins * 4) return null
    return { data: arr.data as Float32Array, frames, melBins: bins }
  } catch {
    return null
  }
}

export async function writeEntry(entry: string, fb: Fbank): Promise<void> {
  await writeFileAtomic(entry, encodeNpy(fb.data, [fb.frames, fb.melBins]))
}

/**
 * Frames [start, start + length) of an entry (clipped to its end), read from disk without loading the
 * rest: long recordings are trained on in windows, and a 3-minute fbank need not be read whole for
 * each 10 s window. Returns null when the entry is missing or not a well-formed one for these mel bins.
 */
export async function readEntryWindow(entry: string, melBins: number, start: number, length: number): Promise<{ fb: Fbank; totalFrames: number } | null> {
  let fh: fs.promises.FileHandle
  try {
    fh = await fs.promises.open(entry, 'r')
  } catch {
    return null
  }
  try {
    const pre = Buffer.alloc(10)
    if ((await fh.read(pre, 0, 10, 0)).bytesRead !== 10 || pre[6] !== 1) return null
    const headerLen = pre.readUInt16LE(8)
    const header = Buffer.alloc(headerLen)
    if ((await fh.read(header, 0, headerLen, 10)).bytesRead !== headerLen) return null
    const text = header.toString('latin1')
    const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(text)
    if (!/'descr':\s*'<f4'/.test(text) || !shape || Number(shape[2]) !== melBins) return null
    const totalFrames = Number(shape[1])
    const { size } = await fh.stat()
    if (size !== 10 + headerLen + totalFrames * melBins * 4) return null
    const from = Math.min(Math.max(0, start), totalFrames)
    const frames = Math.max(0, Math.min(totalFrames, from + length) - from)
    const bytes = Buffer.alloc(frames * melBins * 4)
    if (frames > 0) await fh.read(bytes, 0, bytes.length, 10 + headerLen + from * melBins * 4)
    return { fb: { data: new Float32Array(bytes.buffer, bytes.byteOffset, frames * melBins), frames, melBins }, totalFrames }
  } finally {
    await fh.close()
  }
}
