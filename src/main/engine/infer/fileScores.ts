// Per-file accumulation of window outputs while a file's windows come back from the model (possibly
// spread over several batches): clip scores aggregated over windows (max or mean of each window's
// sigmoid, or of each window's softmax for single-label models), the mean embedding, and framewise
// activations stitched onto the file's own time axis.
import type { TagEvent, TagFileResult } from '../../../shared/types'
import { clipScores, type ScoreActivation } from './activation'
import { detectEvents, type EventOptions } from './events'

export type Aggregate = 'max' | 'mean'

export interface FileScoresSpec {
  labels: string[]
  embeddingDim: number
  aggregate: Aggregate
  /** How each window's clip logits become scores (frame logits always take a sigmoid). */
  activation: ScoreActivation
  /** Window starts in fbank frames, the file's fbank frames, and seconds per fbank frame. */
  starts: number[]
  featureFrames: number
  frameShiftS: number
  durationS: number
  /** Frame output of the model: its rate, and frames per window; null without one. */
  frameOutput: { frameRate: number; framesPerWindow: number } | null
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

export interface FileScores {
  readonly windows: number
  /** Adds window w's outputs (logits [C], embedding [D], frame logits [T', C] or null). */
  add(w: number, logits: Float32Array, embedding: Float32Array, frameLogits: Float32Array | null): void
  complete(): boolean
  /** Mean embedding over windows. */
  embedding(): Float32Array
  result(file: string, opts: { topK: number; thresholds: number[]; events: EventOptions }): TagFileResult
}

export function createFileScores(spec: FileScoresSpec): FileScores {
  const C = spec.labels.length
  const D = spec.embeddingDim
  const n = spec.starts.length
  const clip = new Float32Array(C).fill(spec.aggregate === 'max' ? -Infinity : 0)
  const emb = new Float64Array(D)
  let received = 0

  // The file's frame grid: window w's output frame j lands on frame round(startS·rate) + j; frames
  // past the file's last fbank frame (padding of a short file) are dropped.
  const fo = spec.frameOutput
  const totalFrames = fo ? Math.max(1, Math.ceil(spec.featureFrames * spec.frameShiftS * fo.frameRate - 1e-9)) : 0
  const frameAcc = fo ? new Float32Array(totalFrames * C).fill(spec.aggregate === 'max' ? -Infinity : 0) : null
  const frameCount = fo ? new Uint16Array(totalFrames) : null

  return {
    windows: n,
    add(w, logits, embedding, frameLogits) {
      const p = clipScores(logits, spec.activation)
      for (let c = 0; c < C; c++) clip[c] = spec.aggregate === 'max' ? Math.max(clip[c], p[c]) : clip[c] + p[c]
      for (let d = 0; d < D; d++) emb[d] += embedding[d]
      if (fo && frameAcc && frameCount && frameLogits) {
        const offset = Math.round(spec.starts[w] * spec.frameShiftS * fo.frameRate)
        for (let j = 0; j < fo.framesPerWindow; j++) {
          const g = offset + j
          if (g >= totalFrames) break
          frameCount[g]++
          // Frame targets are multi-label by nature (several sounds at once, or none): frame
          // activations stay a per-class sigmoid even for a softmax clip head, as in training.
          for (let c = 0; c < C; c++) {
            const p = sigmoid(frameLogits[j * C + c])
            const k = g * C + c
            frameAcc[k] = spec.aggregate === 'max' ? Math.max(frameAcc[k], p) : frameAcc[k] + p
          }
        }
      }
      received++
    },
    complete: () => received === n,
    embedding: () => Float32Array.from(emb, (v) => v / n),
    result(file, opts) {
      const scores = spec.aggregate === 'max' ? clip : clip.map((v) => v / n)
      const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a])
      const res: TagFileResult = {
        file,
        durationS: spec.durationS,
        top: order.slice(0, opts.topK).map((c) => ({ label: spec.labels[c], score: scores[c] })),
        // A single-label model always names its top class, plus any other over its threshold.
        positive: order.filter((c, rank) => (spec.activation === 'softmax' && rank === 0) || scores[c] >= opts.thresholds[c]).map((c) => spec.labels[c])
      }
      if (fo && frameAcc && frameCount) {
        const act = new Float32Array(totalFrames * C)
        for (let g = 0; g < totalFrames; g++)
          for (let c = 0; c < C; c++) {
            const v = frameAcc[g * C + c]
            act[g * C + c] = frameCount[g] === 0 ? 0 : spec.aggregate === 'max' ? v : v / frameCount[g]
          }
        const values: number[][] = Array.from({ length: totalFrames }, (_, g) => Array.from(act.subarray(g * C, (g + 1) * C)))
        res.frames = { frameRate: fo.frameRate, values }
        const events: TagEvent[] = detectEvents(act, totalFrames, spec.labels, fo.frameRate, opts.thresholds, opts.events)
        res.events = events
      }
      return res
    }
  }
}
