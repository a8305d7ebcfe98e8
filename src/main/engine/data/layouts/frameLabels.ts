// Per-frame labels: a `frames/` (or `labels/`) folder at the dataset root with one file per clip,
// `<clip name>.txt|.csv|.npy`, one row per frame and one column per class in vocabulary order (a single
// column when there is one class), each value 0/1 or a soft 0–1. Such a file is turned into strong
// events (runs of frames with the same value; `value` kept when it is not 1), so that every later stage
// (frame targets, statistics, subsets, fingerprints) works on one representation, and frameTargets at
// the label rate gives back the file's matrix exactly.
import fs from 'node:fs'
import path from 'node:path'
import type { ImportProblem, StrongEvent } from '../../../../shared/types'
import { readNpy } from '../../io/npy'
import { makeBreather } from '../breathe'

export const FRAME_LABEL_DIRS = ['frames', 'labels']
const LABEL_EXTENSIONS = ['.txt', '.csv', '.npy']

/** Rows may differ from duration × rate by this many frames (rounding of the labeller's frame grid). */
export const FRAME_LENGTH_TOLERANCE = 2

export interface FrameMatrix {
  /** The label file, relative to the root (for problems). */
  where: string
  rows: number
  cols: number
  /** Row-major [rows, cols] values in [0, 1]. */
  data: Float32Array
}

/** The root-level frame label folder (frames/ before labels/), when one holds label files. */
export async function findFrameLabelDir(root: string): Promise<string | null> {
  for (const name of FRAME_LABEL_DIRS) {
    const dir = path.join(root, name)
    let entries: string[]
    try {
      if (!(await fs.promises.stat(dir)).isDirectory()) continue
      entries = await fs.promises.readdir(dir)
    } catch {
      continue
    }
    if (entries.some((e) => LABEL_EXTENSIONS.includes(path.extname(e).toLowerCase()))) return name
  }
  return null
}

/** Parse a .txt/.csv label file: numbers split by commas, tabs or spaces; a first row that is not numeric is a header. */
export function parseFrameText(text: string, where: string): FrameMatrix {
  const lines = text.split(/\r?\n/)
  const rows: number[][] = []
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const cells = line.split(/[\s,;]+/)
    const values = cells.map(Number)
    if (values.some((v) => !Number.isFinite(v))) {
      if (rows.length === 0 && i === lines.findIndex((l) => l.trim() !== '')) return // a header
      throw new Error(`${where}:${i + 1}: "${line}" is not a row of numbers`)
    }
    rows.push(values)
  })
  if (rows.length === 0) throw new Error(`${where}: no frame rows`)
  const cols = rows[0].length
  const data = new Float32Array(rows.length * cols)
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`${where}: row ${i + 1} has ${r.length} columns, the first row has ${cols}`)
    data.set(r, i * cols)
  })
  return checkRange({ where, rows: rows.length, cols, data })
}

function checkRange(m: FrameMatrix): FrameMatrix {
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i]
    if (!(v >= 0 && v <= 1)) throw new Error(`${m.where}: frame ${Math.floor(i / m.cols) + 1} has value ${v}; labels must be 0/1 or between 0 and 1`)
  }
  return m
}

/** Read one label file (.txt, .csv or .npy with shape [frames] or [frames, classes]). */
export async function readFrameFile(abs: string, where: string): Promise<FrameMatrix> {
  if (path.extname(abs).toLowerCase() === '.npy') {
    const arr = readNpy(abs)
    if (arr.shape.length < 1 || arr.shape.length > 2) throw new Error(`${where}: expected shape [frames] or [frames, classes], got [${arr.shape.join(', ')}]`)
    const rows = arr.shape[0]
    const cols = arr.shape.length === 2 ? arr.shape[1] : 1
    if (rows === 0) throw new Error(`${where}: no frame rows`)
    return checkRange({ where, rows, cols, data: Float32Array.from(arr.data as ArrayLike<number>, (v) => Number(v)) })
  }
  return parseFrameText(await fs.promises.readFile(abs, 'utf8'), where)
}

/** Clip name without its audio extension: the key that matches `<fname>.txt` to `<fname>.wav`. */
const stem = (p: string): string => path.basename(p, path.extname(p))

/**
 * The label matrix of each clip, from the files in `dir` (relative to the root). A clip matches a
 * file named after it, with or without its audio extension (song.txt or song.wav.txt). A clip
 * without a file, or a file that cannot be read or has the wrong number of columns, is a problem,
 * and that clip is left out (its frames would otherwise train as all-negative).
 */
export async function readFrameLabels(root: string, dir: string, clips: string[], nClasses: number | null, problems: ImportProblem[], signal?: AbortSignal): Promise<Map<string, FrameMatrix>> {
  const names = (await fs.promises.readdir(path.join(root, dir))).filter((e) => LABEL_EXTENSIONS.includes(path.extname(e).toLowerCase())).sort()
  const byKey = new Map<string, string>()
  for (const n of names) {
    const key = n.slice(0, n.length - path.extname(n).length)
    if (byKey.has(key)) problems.push({ where: `${dir}/${n}`, kind: 'duplicate-row', message: `Another label file for "${key}" (${byKey.get(key)}) is used; this one is ignored` })
    else byKey.set(key, n)
  }
  const out = new Map<string, FrameMatrix>()
  const used = new Set<string>()
  const breathe = makeBreather()
  let cols = nClasses
  for (const clip of clips) {
    signal?.throwIfAborted()
    await breathe()
    const name = byKey.get(path.basename(clip)) ?? byKey.get(stem(clip))
    if (!name) {
      problems.push({ where: clip, kind: 'missing-file', message: `No frame label file ${dir}/${stem(clip)}.txt (or .csv/.npy); clip skipped` })
      continue
    }
    used.add(name)
    const where = `${dir}/${name}`
    try {
      const m = await readFrameFile(path.join(root, dir, name), where)
      if (cols === null) cols = m.cols
      if (m.cols !== cols) throw new Error(`${where}: ${m.cols} columns, expected ${cols} (one per class${nClasses === null ? ', as in the first file' : ''})`)
      out.set(clip, m)
    } catch (err) {
      problems.push({ where, kind: 'malformed-row', message: `${(err as Error).message}; clip ${clip} skipped` })
    }
  }
  for (const n of names) if (!used.has(n)) problems.push({ where: `${dir}/${n}`, kind: 'missing-file', message: 'No audio clip has this name; labels ignored' })
  return out
}

export interface LabelRate {
  rate: number
  /** 'given' (--label-rate / the import form) or 'estimated' (rows ÷ duration, rounded). */
  from: 'given' | 'estimated'
}

/** The label rate: the one given, else the median over clips of rows ÷ duration, rounded to a whole number. */
export function labelRate(clips: { rows: number; durationS: number | null }[], given?: number): LabelRate {
  if (given !== undefined) {
    if (!(given > 0)) throw new Error(`Label rate must be positive, got ${given}`)
    return { rate: given, from: 'given' }
  }
  const rates = clips.filter((c) => c.durationS !== null && c.durationS > 0).map((c) => c.rows / c.durationS!).sort((a, b) => a - b)
  if (rates.length === 0) throw new Error('Cannot work out the label rate: no clip has a known duration; give --label-rate')
  return { rate: Math.max(1, Math.round(rates[Math.floor(rates.length / 2)])), from: 'estimated' }
}

/** Why a clip's frame count does not fit its audio at `rate`, or null when it is within the tolerance. */
export function lengthMismatch(rows: number, durationS: number | null, rate: number): string | null {
  if (durationS === null) return null
  const expected = durationS * rate
  if (Math.abs(rows - expected) <= FRAME_LENGTH_TOLERANCE) return null
  return `${rows} label frames, but ${durationS.toFixed(3)} s of audio at ${rate} frames/s is ${expected.toFixed(1)} frames (more than ${FRAME_LENGTH_TOLERANCE} apart)`
}

/**
 * Events from a label matrix: for each class, each run of consecutive frames with one nonzero value
 * becomes an event [start / rate, end / rate); the value is kept on the event when it is not 1.
 */
export function matrixEvents(file: string, m: FrameMatrix, classNames: string[], rate: number): StrongEvent[] {
  const events: StrongEvent[] = []
  for (let c = 0; c < m.cols; c++) {
    let start = -1
    let value = 0
    for (let t = 0; t <= m.rows; t++) {
      const v = t < m.rows ? m.data[t * m.cols + c] : 0
      if (start >= 0 && v !== value) {
        const e: StrongEvent = { file, onset: start / rate, offset: t / rate, label: classNames[c] }
        // float32 storage: 0.3 reads back as 0.30000001; 7 significant digits is what float32 holds.
        if (value !== 1) e.value = Number(value.toPrecision(7))
        events.push(e)
        start = -1
      }
      if (start < 0 && v > 0) {
        start = t
        value = v
      }
    }
  }
  return events.sort((a, b) => a.onset - b.onset || a.label.localeCompare(b.label))
}

/** Classes with at least one frame at 0.5 or above: the clip's weak labels. */
export function matrixClipLabels(m: FrameMatrix, classNames: string[]): string[] {
  const out: string[] = []
  for (let c = 0; c < m.cols; c++) {
    for (let t = 0; t < m.rows; t++)
      if (m.data[t * m.cols + c] >= 0.5) {
        out.push(classNames[c])
        break
      }
  }
  return out
}
