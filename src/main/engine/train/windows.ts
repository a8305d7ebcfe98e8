// Training on windows of long recordings (frame tasks). Each recording of n fbank frames is cut into
// a fixed number of windows of T frames, spaced at most `hop` apart, the first at 0 and the last ending
// on the last frame, so that every part of every recording is trained on in every epoch. From epoch to
// epoch the inner windows shift together by a seeded offset (the cuts move, the coverage stays whole).
// With an event ratio r, extra windows placed around random events are added until a share r of the
// epoch's windows holds an event: with 2% positive frames most plain windows hold none. Like the clip
// sampler, the plan is a pure function of (seed, epoch), and its size is the same every epoch, so
// steps per epoch (and resuming mid-epoch) work as for clips.
import { makeRng } from '../util/rng'
import { derivedSeed } from './sampler'

const WINDOW_STREAM = 7
/** Beyond this share the epoch would be almost all repeats of the same few events. */
export const MAX_EVENT_RATIO = 0.9

export interface WindowPlanInput {
  /** Fbank frames of each recording. */
  frames: ArrayLike<number>
  /** Event spans of each recording, in fbank frames [from, to). */
  events: [number, number][][]
  /** Window length and the largest distance between window starts, in fbank frames. */
  windowFrames: number
  hopFrames: number
  /** Share of the epoch's windows that should hold an event (0: as they fall). */
  eventRatio: number
}

export interface EpochWindows {
  /** Recording index and start frame of each window, in training order. */
  clip: Int32Array
  start: Int32Array
  n: number
}

/** Windows per recording: 1 when it fits in one window, else enough for starts at most hop apart. */
export function windowsPerClip(frames: number, windowFrames: number, hopFrames: number): number {
  if (hopFrames < 1 || windowFrames < 1) throw new Error(`window ${windowFrames} and hop ${hopFrames} frames must be positive`)
  if (hopFrames > windowFrames) throw new Error(`the window hop (${hopFrames} frames) is longer than the window (${windowFrames}): parts of each recording would never be trained on`)
  return frames <= windowFrames ? 1 : Math.ceil((frames - windowFrames) / hopFrames) + 1
}

/** Starts of a recording's windows for a shift u in [-1, 1] of the inner ones (0: evenly spaced). */
export function gridStarts(frames: number, windowFrames: number, hopFrames: number, u = 0): number[] {
  const m = windowsPerClip(frames, windowFrames, hopFrames)
  if (m === 1) return [0]
  const last = frames - windowFrames
  const spacing = last / (m - 1)
  // Shift inner windows by o, kept small enough that neighbours still overlap or touch:
  // |o| ≤ spacing/2 and spacing + |o| ≤ T.
  const room = Math.max(0, Math.min(spacing / 2, windowFrames - spacing))
  const o = u * room
  return Array.from({ length: m }, (_, j) => (j === 0 ? 0 : j === m - 1 ? last : Math.min(last, Math.max(0, Math.round(j * spacing + o)))))
}

const holdsEvent = (spans: [number, number][], start: number, length: number): boolean => spans.some(([a, b]) => a < start + length && b > start)

/** How many windows an epoch has: the grid, plus the extra event windows the ratio asks for. */
export function epochSize(input: WindowPlanInput): { grid: number; extra: number } {
  let grid = 0
  let withEvent = 0
  for (let c = 0; c < input.frames.length; c++) {
    const starts = gridStarts(input.frames[c], input.windowFrames, input.hopFrames)
    grid += starts.length
    for (const s of starts) if (holdsEvent(input.events[c], s, input.windowFrames)) withEvent++
  }
  const r = Math.min(MAX_EVENT_RATIO, Math.max(0, input.eventRatio))
  const anyEvents = input.events.some((e) => e.length > 0)
  const q = grid > 0 ? withEvent / grid : 0
  // (withEvent + k) / (grid + k) = r  →  k = (r·grid − withEvent) / (1 − r)
  const extra = anyEvents && r > q ? Math.ceil((r * grid - withEvent) / (1 - r)) : 0
  return { grid, extra }
}

/** The shuffled windows of epoch `epoch`. */
export function epochWindows(input: WindowPlanInput, epoch: number, seed: number): EpochWindows {
  const rng = makeRng(derivedSeed(seed, epoch, WINDOW_STREAM))
  const { grid, extra } = epochSize(input)
  const items: [number, number][] = []
  // Epoch 0 uses the plain grid; later epochs shift the inner windows.
  const u = epoch === 0 ? 0 : 2 * rng.next() - 1
  for (let c = 0; c < input.frames.length; c++) for (const s of gridStarts(input.frames[c], input.windowFrames, input.hopFrames, u)) items.push([c, s])
  if (items.length !== grid) throw new Error(`window plan: ${items.length} grid windows, expected ${grid}`)
  if (extra > 0) {
    const all: [number, number, number][] = []
    input.events.forEach((spans, c) => spans.forEach(([a, b]) => all.push([c, a, b])))
    for (let k = 0; k < extra; k++) {
      const [c, a, b] = all[rng.int(all.length)]
      const n = input.frames[c]
      const T = input.windowFrames
      // The event somewhere inside the window (its centre between 10% and 90% of it).
      const centre = (a + b) / 2
      const s = Math.round(centre - (0.1 + 0.8 * rng.next()) * T)
      items.push([c, Math.max(0, Math.min(Math.max(0, n - T), s))])
    }
  }
  rng.shuffle(items)
  return { clip: Int32Array.from(items, (i) => i[0]), start: Int32Array.from(items, (i) => i[1]), n: items.length }
}
