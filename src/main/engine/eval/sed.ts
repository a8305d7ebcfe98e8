// Sound event detection metrics from frame activations [frames, classes] (row-major): frame-level F1,
// and event-based F1 after post-processing (threshold → median filter → events) with sed_eval's
// collars: onset within ±t_collar, offset within ±max(t_collar, percentage × reference length), and
// the optimal (maximum bipartite) matching between reference and system events of each class.
import type { Numbers } from './metrics'
import { expandThresholds } from './metrics'

export interface SedEvent {
  label: number
  onset: number
  offset: number
}

export interface PostProcessing {
  /** Per-class thresholds or one value; activation > threshold means active. Default 0.5. */
  thresholds?: number | Numbers
  /** Median filter length in frames (odd); 1 means none. */
  medianFrames?: number
}

/**
 * scipy.ndimage.median_filter(x, size=(size, 1), mode='reflect') along time for each class:
 * the window is centred, and the edges mirror with the edge sample repeated (d c b a | a b c d).
 */
export function medianFilter(x: Numbers, nFrames: number, nClasses: number, size: number): Float32Array {
  if (size < 1 || size % 2 !== 1) throw new Error(`median filter length must be an odd number of frames, got ${size}`)
  const out = new Float32Array(nFrames * nClasses)
  const half = (size - 1) / 2
  const win = new Float64Array(size)
  const reflect = (i: number): number => {
    // Mirror until inside [0, n); a window longer than the signal reflects more than once.
    const period = 2 * nFrames
    let k = ((i % period) + period) % period
    if (k >= nFrames) k = period - 1 - k
    return k
  }
  for (let c = 0; c < nClasses; c++) {
    for (let t = 0; t < nFrames; t++) {
      for (let j = 0; j < size; j++) win[j] = x[reflect(t - half + j) * nClasses + c]
      win.sort()
      out[t * nClasses + c] = win[half]
    }
  }
  return out
}

/** Binarise activations (strictly above threshold), then median-filter. Returns 0/1 per frame and class. */
export function binariseFrames(activations: Numbers, nFrames: number, nClasses: number, post: PostProcessing = {}): Float32Array {
  const thr = expandThresholds(post.thresholds, nClasses)
  let bin: Float32Array = new Float32Array(nFrames * nClasses)
  for (let t = 0; t < nFrames; t++) for (let c = 0; c < nClasses; c++) bin[t * nClasses + c] = activations[t * nClasses + c] > thr[c] ? 1 : 0
  if ((post.medianFrames ?? 1) > 1) bin = medianFilter(bin, nFrames, nClasses, post.medianFrames!)
  return bin
}

/** Runs of active frames as events: onset = first frame / rate, offset = (last frame + 1) / rate. */
export function framesToEvents(binary: Numbers, nFrames: number, nClasses: number, frameRate: number): SedEvent[] {
  const events: SedEvent[] = []
  for (let c = 0; c < nClasses; c++) {
    let start = -1
    for (let t = 0; t <= nFrames; t++) {
      const on = t < nFrames && binary[t * nClasses + c] > 0.5
      if (on && start < 0) start = t
      if (!on && start >= 0) {
        events.push({ label: c, onset: start / frameRate, offset: t / frameRate })
        start = -1
      }
    }
  }
  return events.sort((a, b) => a.onset - b.onset || a.label - b.label)
}

export interface Collars {
  /** Seconds; sed_eval's t_collar, 0.2 by default. */
  tCollar: number
  /** Offset collar as a share of the reference length; sed_eval's percentage_of_length, 0.2. */
  percentageOfLength: number
}

const DEFAULT_COLLARS: Collars = { tCollar: 0.2, percentageOfLength: 0.2 }

/**
 * sed_eval's own defaults (sound_event.EventBasedMetrics: t_collar=0.200, percentage_of_length=0.5,
 * evaluate_onset and evaluate_offset True, event_matching_type='optimal'): the frame-task eventF1.
 */
export const SED_EVAL_COLLARS: Collars = { tCollar: 0.2, percentageOfLength: 0.5 }

export interface EventCounts {
  tp: number
  nRef: number
  nSys: number
}

function matches(ref: SedEvent, sys: SedEvent, collars: Collars): boolean {
  const onsetOk = Math.abs(ref.onset - sys.onset) <= collars.tCollar
  const offsetCollar = Math.max(collars.tCollar, collars.percentageOfLength * (ref.offset - ref.onset))
  return onsetOk && Math.abs(ref.offset - sys.offset) <= offsetCollar
}

/** Size of a maximum matching in a bipartite graph given as adjacency lists (Kuhn's augmenting paths). */
function maxMatching(adj: number[][], nRight: number): number {
  const matchR = new Int32Array(nRight).fill(-1)
  const tryAugment = (u: number, seen: Uint8Array): boolean => {
    for (const v of adj[u]) {
      if (seen[v]) continue
      seen[v] = 1
      if (matchR[v] < 0 || tryAugment(matchR[v], seen)) {
        matchR[v] = u
        return true
      }
    }
    return false
  }
  let size = 0
  for (let u = 0; u < adj.length; u++) if (tryAugment(u, new Uint8Array(nRight))) size++
  return size
}

/** Matched (true positive), reference and system event counts for one file, class by class. */
export function eventCounts(reference: SedEvent[], system: SedEvent[], collars: Collars = DEFAULT_COLLARS): EventCounts {
  const labels = new Set([...reference.map((e) => e.label), ...system.map((e) => e.label)])
  let tp = 0
  for (const label of labels) {
    const ref = reference.filter((e) => e.label === label)
    const sys = system.filter((e) => e.label === label)
    tp += maxMatching(ref.map((r) => sys.flatMap((s, j) => (matches(r, s, collars) ? [j] : []))), sys.length)
  }
  return { tp, nRef: reference.length, nSys: system.length }
}

/** Micro event F1 over summed counts: 2·TP / (Nref + Nsys); 0 when both are empty. */
export function eventF1(counts: EventCounts[]): number {
  let tp = 0
  let n = 0
  for (const c of counts) {
    tp += c.tp
    n += c.nRef + c.nSys
  }
  return n === 0 ? 0 : (2 * tp) / n
}

/** Frame-level micro F1 over all frames and classes of binary predictions against 0/1 targets. */
export function frameF1(binary: Numbers, targets: Numbers): number {
  if (binary.length !== targets.length) throw new Error(`frameF1: ${binary.length} predictions but ${targets.length} targets`)
  let tp = 0
  let fp = 0
  let fn = 0
  for (let i = 0; i < binary.length; i++) {
    const p = binary[i] > 0.5
    const y = targets[i] > 0.5
    if (p && y) tp++
    else if (p) fp++
    else if (y) fn++
  }
  return tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
}
