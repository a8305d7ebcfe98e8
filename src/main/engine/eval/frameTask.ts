// Metrics of a frame task (sparse per-frame labels over whole recordings): frame-level AP (`frameAP`,
// sklearn's average_precision_score over every frame of every recording, per class, averaged over the
// classes that have positive frames), frame F1 at a threshold (micro over frames and classes), and
// event-based F1 (sed_eval's event-based F-measure with its default collars, optimal matching), plus
// per-class thresholds tuned for frame F1 on validation frames. Soft targets count as positive from 0.5.
import { averagePrecision, type Numbers } from './metrics'
import { binariseFrames, eventCounts, eventF1, frameF1, framesToEvents, medianFilter, SED_EVAL_COLLARS, type Collars } from './sed'
import { searchThresholds } from './thresholds'

/** One recording's stitched frame scores and targets, both row-major [frames, classes]. */
export interface RecordingFrames {
  scores: Float32Array
  targets: Float32Array
  frames: number
}

export interface FrameTaskMetrics {
  frameAP: number | null
  frameF1: number
  eventF1: number
  /** Share of frame × class cells predicted positive at the threshold (a collapse shows as ~0). */
  predictedPositive: number
  /** Share of frame × class cells that are positive in the targets. */
  truePositive: number
}

function concat(recs: RecordingFrames[], key: 'scores' | 'targets', binary: boolean): Float32Array {
  const total = recs.reduce((n, r) => n + r[key].length, 0)
  const out = new Float32Array(total)
  let at = 0
  for (const r of recs) {
    if (binary) for (let i = 0; i < r[key].length; i++) out[at + i] = r[key][i] >= 0.5 ? 1 : 0
    else out.set(r[key], at)
    at += r[key].length
  }
  return out
}

/** Macro frame AP over classes with positive frames; null when no class has one. */
export function frameAP(recs: RecordingFrames[], nClasses: number): number | null {
  const scores = concat(recs, 'scores', false)
  const targets = concat(recs, 'targets', true)
  const n = scores.length / nClasses
  const aps: number[] = []
  const col = (m: Float32Array, c: number) => {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = m[i * nClasses + c]
    return out
  }
  for (let c = 0; c < nClasses; c++) {
    const ap = averagePrecision(col(scores, c), col(targets, c))
    if (ap !== null) aps.push(ap)
  }
  return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : null
}

/** Per-class thresholds that maximise frame F1 over the recordings' frames (0.5 for a class without positives). */
export function tuneFrameThresholds(recs: RecordingFrames[], nClasses: number): number[] {
  const scores = concat(recs, 'scores', false)
  const targets = concat(recs, 'targets', true)
  return searchThresholds(scores, targets, scores.length / nClasses, nClasses)
}

/**
 * frameAP, frame F1 and event F1 at the given thresholds; events at frameRate, sed_eval's collars by
 * default. With eventMedianFrames > 1 the events come from the binarised frames after a median filter
 * of that many frames (the post-processing the Tag page applies); frame F1 is always unfiltered.
 */
export function frameTaskMetrics(
  recs: RecordingFrames[],
  nClasses: number,
  frameRate: number,
  thresholds: number | Numbers = 0.5,
  collars: Collars = SED_EVAL_COLLARS,
  eventMedianFrames = 1
): FrameTaskMetrics {
  const bins: Float32Array[] = []
  const counts = []
  let predicted = 0
  let truth = 0
  let cells = 0
  for (const r of recs) {
    const bin = binariseFrames(r.scores, r.frames, nClasses, { thresholds })
    const ref = Float32Array.from(r.targets, (v) => (v >= 0.5 ? 1 : 0))
    bins.push(bin)
    for (let i = 0; i < bin.length; i++) {
      predicted += bin[i]
      truth += ref[i]
    }
    cells += bin.length
    const sys = eventMedianFrames > 1 ? medianFilter(bin, r.frames, nClasses, eventMedianFrames) : bin
    counts.push(eventCounts(framesToEvents(ref, r.frames, nClasses, frameRate), framesToEvents(sys, r.frames, nClasses, frameRate), collars))
  }
  const allBins = new Float32Array(cells)
  let at = 0
  for (const b of bins) {
    allBins.set(b, at)
    at += b.length
  }
  return {
    frameAP: frameAP(recs, nClasses),
    frameF1: frameF1(allBins, concat(recs, 'targets', true)),
    eventF1: eventF1(counts),
    predictedPositive: cells ? predicted / cells : 0,
    truePositive: cells ? truth / cells : 0
  }
}
