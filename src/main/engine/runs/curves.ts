// Curves of runs for the charts, served from memory: each run's metrics.jsonl is parsed once per x axis
// (epoch or step) into columns of numbers, then kept; when the run appends, only the new bytes are read
// (a rewritten file, as a resume's rewind writes, is parsed again). Each request is downsampled to the
// plot's pixel columns (downsample.ts), so 300 runs cost a few hundred points each, not their history.
import fs from 'node:fs'
import path from 'node:path'
import { CURVE_PER, type CurveMetric, type CurveRequest, type RunCurve } from '../../../shared/curves'
import type { MetricEntry } from '../../../shared/types'
import { runsDir } from '../platform/paths'
import { runDir } from './store'
import { minMaxIndices } from './downsample'

type Per = 'epoch' | 'step'

const METRICS_OF: Record<Per, CurveMetric[]> = {
  epoch: (Object.keys(CURVE_PER) as CurveMetric[]).filter((m) => CURVE_PER[m] === 'epoch'),
  step: (Object.keys(CURVE_PER) as CurveMetric[]).filter((m) => CURVE_PER[m] === 'step')
}

interface Columns {
  ino: number
  /** Bytes of metrics.jsonl consumed (through the last complete line). */
  consumed: number
  /** The last complete line consumed, to notice a file rewritten to the same or a larger size. */
  lastLine: string
  x: number[]
  /** Per metric, y at each x: NaN where not finite (a gap), undefined where the entry lacks the metric (no point). */
  y: Map<CurveMetric, (number | undefined)[]>
  used: number
}

/** Every cached number counts; beyond this the least recently used runs are dropped (about 130 MB). */
const MAX_NUMBERS = 16_000_000
const cache = new Map<string, Columns>()
let tick = 0
let held = 0

const sizeOf = (c: Columns) => c.x.length * (1 + c.y.size)

function evict(): void {
  if (held <= MAX_NUMBERS) return
  const byAge = [...cache].sort((a, b) => a[1].used - b[1].used)
  for (const [key, c] of byAge) {
    if (held <= MAX_NUMBERS * 0.8) break
    cache.delete(key)
    held -= sizeOf(c)
  }
}

/** Whether the line starting at `at` can be skipped without parsing: entries are written with `kind` first. */
function skippable(text: string, at: number, per: Per): boolean {
  return per === 'epoch' ? text.startsWith('{"kind":"step"', at) : text.startsWith('{"kind":"epoch"', at) || text.startsWith('{"kind":"test"', at)
}

const NUM = '(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)'
/**
 * A step entry exactly as the trainer writes it (JSON.stringify of { kind, step, epoch, time, loss, lr,
 * samplesPerS }, the last three optional), read without JSON.parse: thousands of steps per run, and
 * this is three times faster. Anchored at both ends, so any other line goes to JSON.parse.
 */
const STEP_LINE = new RegExp(`^\\{"kind":"step","step":${NUM},"epoch":${NUM},"time":"[^"\\\\]*"(?:,"loss":${NUM})?(?:,"lr":${NUM})?(?:,"samplesPerS":${NUM})?\\}$`)

function parseLine(line: string): MetricEntry | null {
  const m = STEP_LINE.exec(line)
  if (m) {
    const e: MetricEntry = { kind: 'step', step: Number(m[1]), epoch: Number(m[2]), time: '' }
    if (m[3] !== undefined) e.loss = Number(m[3])
    if (m[4] !== undefined) e.lr = Number(m[4])
    if (m[5] !== undefined) e.samplesPerS = Number(m[5])
    return e
  }
  try {
    return JSON.parse(line) as MetricEntry
  } catch {
    return null // a damaged line: readMetrics skips it too
  }
}

/** Add the entries of `text` (complete lines) to the columns; a later entry for an x already held replaces it. */
function addLines(c: Columns, text: string, per: Per): void {
  const metrics = METRICS_OF[per]
  // Walk the lines by index: most are skipped by their prefix, without making a string of them.
  for (let pos = 0; pos < text.length; ) {
    let end = text.indexOf('\n', pos)
    if (end < 0) end = text.length
    const start = pos
    pos = end + 1
    if (end === start || skippable(text, start, per)) continue
    const e = parseLine(text.slice(start, end))
    if (!e) continue
    if (e.kind !== per) continue
    const x = per === 'epoch' ? e.epoch : e.step
    if (typeof x !== 'number') continue
    const n = c.x.length
    let at = n
    if (n > 0 && x <= c.x[n - 1]) {
      // Out of order or repeated (a resumed run): find its place.
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (c.x[mid] < x) lo = mid + 1
        else hi = mid
      }
      at = lo
    }
    const repeat = at < n && c.x[at] === x
    if (!repeat) c.x.splice(at, 0, x)
    for (const m of metrics) {
      const v = e[m]
      const y = typeof v === 'number' && Number.isFinite(v) ? v : NaN
      let col = c.y.get(m)
      if (!col) {
        col = new Array<number | undefined>(c.x.length - (repeat ? 0 : 1)).fill(undefined)
        c.y.set(m, col)
      }
      // An entry without this metric leaves a repeated x's earlier value alone (metricCurve does the same).
      if (repeat) {
        if (v !== undefined) col[at] = y
      } else col.splice(at, 0, v === undefined ? undefined : y)
    }
  }
}

/** The columns of one run for one x axis, brought up to date with its metrics.jsonl. */
function columnsOf(id: string, per: Per): Columns {
  const file = path.join(runDir(id), 'metrics.jsonl')
  const key = `${id}\n${per}`
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch (err) {
    cache.delete(key)
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(runDir(id))) throw new Error(`No run ${id} in ${runsDir()}`)
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ino: 0, consumed: 0, lastLine: '', x: [], y: new Map(), used: ++tick }
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`)
  }
  let c = cache.get(key)
  if (c && c.ino === stat.ino && c.consumed === stat.size) {
    c.used = ++tick
    return c
  }
  const fd = fs.openSync(file, 'r')
  try {
    let from = 0
    if (c && c.ino === stat.ino && stat.size > c.consumed) {
      // Appended: check that what we read last is still there, then read on from it.
      const tail = Buffer.byteLength(c.lastLine) + 1
      const buf = Buffer.alloc(tail)
      fs.readSync(fd, buf, 0, tail, c.consumed - tail)
      if (buf.toString('utf8') === `${c.lastLine}\n`) from = c.consumed
    }
    if (!c || from === 0) {
      if (c) held -= sizeOf(c)
      c = { ino: stat.ino, consumed: 0, lastLine: '', x: [], y: new Map(), used: 0 }
      cache.set(key, c)
    } else held -= sizeOf(c)
    const buf = Buffer.alloc(stat.size - from)
    let got = 0
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, from + got)
      if (n === 0) break
      got += n
    }
    const end = buf.subarray(0, got).lastIndexOf(0x0a) + 1 // a torn last line waits for its newline
    const text = buf.subarray(0, end).toString('utf8')
    addLines(c, text, per)
    c.consumed = from + end
    if (end > 0) c.lastLine = text.slice(text.lastIndexOf('\n', text.length - 2) + 1, -1)
    c.used = ++tick
    held += sizeOf(c)
  } finally {
    fs.closeSync(fd)
  }
  evict()
  return c
}

/** One run's full curve of a metric: the x whose entries carry it, ascending; NaN where it was not finite. */
export function fullCurve(id: string, metric: CurveMetric): { x: number[]; y: number[] } {
  const c = columnsOf(id, CURVE_PER[metric])
  const col = c.y.get(metric)
  if (!col) return { x: [], y: [] }
  if (!col.includes(undefined)) return { x: c.x, y: col as number[] }
  const x: number[] = []
  const y: number[] = []
  col.forEach((v, i) => {
    if (v !== undefined) {
      x.push(c.x[i])
      y.push(v)
    }
  })
  return { x, y }
}

const MAX_IDS = 20_000
const MAX_COLUMNS = 20_000

/** The run.curves request: every run's curve downsampled; a run that cannot be read carries its error. */
export function curvesOf(req: CurveRequest): RunCurve[] {
  if (!Array.isArray(req.ids) || req.ids.length > MAX_IDS) throw new Error(`run.curves: ids must be a list of at most ${MAX_IDS} run ids`)
  if (!(req.metric in CURVE_PER)) throw new Error(`run.curves: unknown metric '${String(req.metric)}' (one of ${Object.keys(CURVE_PER).join(', ')})`)
  if (!Number.isInteger(req.columns) || req.columns < 1 || req.columns > MAX_COLUMNS) throw new Error(`run.curves: columns must be a whole number from 1 to ${MAX_COLUMNS}, not ${String(req.columns)}`)
  const range = req.range ?? null
  if (range && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite))) throw new Error(`run.curves: range must be two finite numbers, not ${JSON.stringify(range)}`)
  return req.ids.map((id) => {
    try {
      const { x, y } = fullCurve(id, req.metric)
      const keep = minMaxIndices(x, y, req.columns, range)
      return { id, x: keep.map((i) => x[i]), y: keep.map((i) => (Number.isNaN(y[i]) ? null : y[i])), total: x.length }
    } catch (err) {
      return { id, x: [], y: [], total: 0, error: (err as Error).message }
    }
  })
}

/** Forget cached curves (tests; a deleted run's entries also go when next asked for). */
export function clearCurveCache(): void {
  cache.clear()
  held = 0
}
