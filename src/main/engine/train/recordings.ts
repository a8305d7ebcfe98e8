// Whole-recording evaluation for frame tasks: each recording of a split is cut into windows of the
// model's input length (the last one ending on its last frame), the model scores every window, and
// the windows' frame scores are stitched back onto the recording's frame grid at the model's frame
// rate, overlaps averaged. The targets are the recording's own frame targets on the same grid.
import type { RecordingFrames } from '../eval/frameTask'
import { windowStarts } from '../infer/windows'
import type { TagModel } from '../models/types'
import { frameTargets } from '../data/frames'
import { buildBatch, FEATURE_FRAME_RATE, type ClipSet } from './data'
import { scoreBatch, type ScoreInputs } from './evaluate'

export interface RecordingPredictions {
  /** Frames per second of the stitched grid (the model's frame output rate). */
  rate: number
  recordings: (RecordingFrames & { file: string })[]
  /** Clip scores [n, classes]: each recording's highest window score per class, and its targets. */
  scores: Float32Array
  targets: Float32Array
  n: number
  /** Mean loss over windows. */
  loss: number | null
}

/** Frames of a recording's grid at `rate`: every frame that starts before its last fbank frame ends. */
export function recordingFrames(featureFrames: number, rate: number): number {
  return Math.max(1, Math.ceil((featureFrames * rate) / FEATURE_FRAME_RATE - 1e-9))
}

/**
 * Sliding-window scores of every recording of `set`, hop `hopFrames` fbank frames (default: half a
 * window). The model must have a frame output (spec.frames).
 */
export async function predictRecordings(model: TagModel, set: ClipSet, inputs: ScoreInputs, hopFrames?: number): Promise<RecordingPredictions> {
  const { source, spec, record, loss, batch: batchSize, signal } = inputs
  const fr = spec.frames
  if (!fr) throw new Error('whole-recording evaluation needs a model with a frame output')
  const C = record.classNames.length
  const T = spec.targetLength
  const hop = Math.max(1, Math.min(T, hopFrames ?? Math.floor(T / 2)))
  const recordings: RecordingPredictions['recordings'] = []
  const scores = new Float32Array(set.n * C).fill(0)
  const targets = new Float32Array(set.n * C)
  let lossSum = 0
  let windows = 0
  for (let i = 0; i < set.n; i++) {
    if (signal?.aborted) throw new Error('Training cancelled')
    const fb = await source.get(set.paths[i])
    const starts = windowStarts(fb.frames, T, hop)
    const total = recordingFrames(fb.frames, fr.rate)
    const acc = new Float32Array(total * C)
    const count = new Uint16Array(total)
    for (let from = 0; from < starts.length; from += batchSize) {
      const chunk = starts.slice(from, from + batchSize)
      const batch = await buildBatch(set, new Array<number>(chunk.length).fill(i), source, spec, record, null, chunk)
      // Clip scores are always sigmoid here (a window's classes are scored independently).
      const scored = await scoreBatch(model, batch, spec, C, loss, { clipActivation: 'sigmoid' })
      if (!scored.frames) throw new Error('the model gave no frame output')
      const [f, c] = [scored.frames, scored.clip]
      lossSum += scored.loss * batch.size
      windows += batch.size
      chunk.forEach((start, k) => {
        for (let cls = 0; cls < C; cls++) scores[i * C + cls] = Math.max(scores[i * C + cls], c[k * C + cls])
        const offset = Math.round((start * fr.rate) / FEATURE_FRAME_RATE)
        for (let j = 0; j < fr.count; j++) {
          const g = offset + j
          if (g >= total) break
          count[g]++
          for (let cls = 0; cls < C; cls++) acc[g * C + cls] += f[(k * fr.count + j) * C + cls]
        }
      })
    }
    for (let g = 0; g < total; g++) if (count[g] > 0) for (let cls = 0; cls < C; cls++) acc[g * C + cls] /= count[g]
    const t = frameTargets(record, set.files[i], fr.rate, total)
    for (let g = 0; g < total; g++) for (let cls = 0; cls < C; cls++) targets[i * C + cls] = Math.max(targets[i * C + cls], t[g * C + cls] >= 0.5 ? 1 : 0)
    recordings.push({ file: set.files[i], scores: acc, targets: t, frames: total })
  }
  return { rate: fr.rate, recordings, scores, targets, n: set.n, loss: windows > 0 ? lossSum / windows : null }
}
