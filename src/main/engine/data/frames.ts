// Frame-level targets from strong labels. Frame i covers [i / frameRate, (i + 1) / frameRate) seconds
// and is 1 for a class when an event of that class overlaps it by any positive amount.
import type { DatasetFile, DatasetRecord, StrongEvent } from '../../../shared/types'

/** Frames per second used for the sparsity statistic when the import names none (the fbank hop, 10 ms). */
export const DEFAULT_FRAME_RATE = 100

// Seconds × rate lands next to an integer in floating point (1.86 × 100 = 186.00000000000003); this
// tolerance keeps such a boundary on the integer instead of spilling into the next frame.
const EPS = 1e-9

/** The frames [from, to) an event covers, clipped to the clip's nFrames. */
export function eventFrameRange(onset: number, offset: number, frameRate: number, nFrames: number): [number, number] {
  const from = Math.max(0, Math.floor(onset * frameRate + EPS))
  const to = Math.min(nFrames, Math.ceil(offset * frameRate - EPS))
  return [from, Math.max(from, to)]
}

/** Frames of a clip of durationS seconds: every frame that starts inside the clip. */
export const clipFrameCount = (durationS: number, frameRate: number): number => Math.max(0, Math.ceil(durationS * frameRate - EPS))

const indexCache = new WeakMap<StrongEvent[], Map<string, StrongEvent[]>>()

/** Events grouped by file, computed once per events array (a trainer asks for every clip each epoch). */
function eventsByFile(events: StrongEvent[]): Map<string, StrongEvent[]> {
  let index = indexCache.get(events)
  if (!index) {
    index = new Map()
    for (const e of events) {
      const list = index.get(e.file)
      if (list) list.push(e)
      else index.set(e.file, [e])
    }
    indexCache.set(events, index)
  }
  return index
}

/**
 * Row-major [nFrames, classes] 0/1 (or soft, for events with a value) targets for one clip (file =
 * its path relative to the root). A clip without events gets all zeros; events of labels outside
 * classNames are ignored. With startS, the frames are those of a window starting startS seconds into
 * the clip (frame i covers [startS + i / frameRate, startS + (i + 1) / frameRate)).
 */
export function frameTargets(record: Pick<DatasetRecord, 'classNames' | 'events'>, file: string, frameRate: number, nFrames: number, startS = 0): Float32Array {
  if (!(frameRate > 0) || !Number.isInteger(nFrames) || nFrames < 0) throw new Error(`frameTargets: bad frameRate ${frameRate} or nFrames ${nFrames} for ${file}`)
  const nClasses = record.classNames.length
  const out = new Float32Array(nFrames * nClasses)
  if (!record.events) return out
  const classIndex = new Map(record.classNames.map((c, i) => [c, i]))
  for (const e of eventsByFile(record.events).get(file) ?? []) {
    const c = classIndex.get(e.label)
    if (c === undefined) continue
    if (e.offset <= startS) continue
    const [from, to] = eventFrameRange(e.onset - startS, e.offset - startS, frameRate, nFrames)
    // A soft event (from per-frame labels) sets its value; overlapping events keep the largest.
    const v = e.value ?? 1
    for (let t = from; t < to; t++) out[t * nClasses + c] = Math.max(out[t * nClasses + c], v)
  }
  return out
}

/**
 * Share of zeros over every clip's [frames, classes] targets, computed from merged event ranges
 * rather than by building the matrices (50,000 clips × 200 classes × 1,000 frames would not fit).
 * A clip's length comes from its duration, or from its last event when the duration is unknown.
 */
export function frameSparsity(files: DatasetFile[], events: StrongEvent[], classNames: string[], frameRate: number): number | undefined {
  if (events.length === 0 || classNames.length === 0) return undefined
  const index = eventsByFile(events)
  const known = new Set(classNames)
  let cells = 0
  let ones = 0
  for (const f of files) {
    const own = index.get(f.path) ?? []
    const durationS = f.durationS ?? Math.max(0, ...own.map((e) => e.offset))
    const nFrames = clipFrameCount(durationS, frameRate)
    cells += nFrames * classNames.length
    const byLabel = new Map<string, [number, number][]>()
    for (const e of own) {
      const range = eventFrameRange(e.onset, e.offset, frameRate, nFrames)
      const list = byLabel.get(e.label)
      if (list) list.push(range)
      else byLabel.set(e.label, [range])
    }
    for (const [label, ranges] of byLabel) {
      if (!known.has(label)) continue
      ranges.sort((a, b) => a[0] - b[0])
      let end = 0
      for (const [from, to] of ranges) {
        const start = Math.max(from, end)
        if (to > start) ones += to - start
        end = Math.max(end, to)
      }
    }
  }
  return cells > 0 ? 1 - ones / cells : undefined
}

/**
 * Soft targets: each frame takes max over d in [-k, k] of y[t + d] · (1 − |d| / (k + 1)), a label
 * spread over ±k frames with a linearly falling value (k = 0 returns a copy). [nFrames, classes].
 */
export function smoothFrameTargets(y: Float32Array, nFrames: number, nClasses: number, k: number): Float32Array {
  if (!Number.isInteger(k) || k < 0) throw new Error(`frame smoothing must be a whole number of frames ≥ 0, got ${k}`)
  const out = Float32Array.from(y)
  if (k === 0) return out
  for (let t = 0; t < nFrames; t++)
    for (let c = 0; c < nClasses; c++) {
      const v = y[t * nClasses + c]
      if (v <= 0) continue
      for (let d = -k; d <= k; d++) {
        const u = t + d
        if (u < 0 || u >= nFrames) continue
        const w = v * (1 - Math.abs(d) / (k + 1))
        if (w > out[u * nClasses + c]) out[u * nClasses + c] = w
      }
    }
  return out
}
