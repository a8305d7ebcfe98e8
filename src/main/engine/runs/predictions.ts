// Per-clip predictions of a finished run (its best checkpoint's scores for every validation and test
// clip, the very numbers its metrics were computed from), and the clips behind a number: a class's
// worst false positives and negatives at a threshold, a confusion-matrix cell, a PR-curve point.
import { stringify } from 'csv-stringify/sync'
import type { ClipOutcome, ClipSelection, PrCurve, PredictionSplit, RunPredictions, SelectedClip } from '../../../shared/types'
import { column, prCurve } from '../eval/metrics'
import { loadPredictions, readRunState, type Predictions } from './store'

export const PREDICTION_SPLITS: readonly PredictionSplit[] = ['val', 'test']

export function checkSplit(split: string): PredictionSplit {
  if (!(PREDICTION_SPLITS as readonly string[]).includes(split)) throw new Error(`Unknown split "${split}": use val or test`)
  return split as PredictionSplit
}

/** The stored predictions of a split, or an error that says why there are none. */
export function requirePredictions(runId: string, split: PredictionSplit): Predictions {
  const p = loadPredictions(runId, split)
  if (!p) {
    const state = readRunState(runId)
    const why = state.status === 'done' ? `it has no ${split} clips` : `it is ${state.status}; predictions are saved when training ends`
    throw new Error(`Run ${runId} has no ${split} predictions: ${why}`)
  }
  return p
}

/** Names of the classes whose target is on in row i. */
function labelsOf(p: Predictions, classes: string[], i: number): string[] {
  const out: string[] = []
  for (let c = 0; c < p.nClasses; c++) if (p.targets[i * p.nClasses + c] > 0.5) out.push(classes[c])
  return out
}

/** Every clip of a split with its labels and scores; the scores are the stored float32 values, exactly. */
export function runPredictions(runId: string, split: PredictionSplit): RunPredictions {
  const p = requirePredictions(runId, split)
  const classes = readRunState(runId).classNames
  if (classes.length !== p.nClasses) throw new Error(`Run ${runId}: ${classes.length} class names but predictions for ${p.nClasses} classes`)
  return {
    classes,
    clips: p.files.map((file, i) => ({ file, labels: labelsOf(p, classes, i), scores: Array.from(p.scores.subarray(i * p.nClasses, (i + 1) * p.nClasses)) }))
  }
}

/**
 * The precision-recall curve of a class (classIndex), or the micro curve over every clip × class pair
 * (null), from the stored predictions: the same scores the run's AP and the PR-point clip lists use.
 */
export function runPrCurve(runId: string, split: PredictionSplit, classIndex: number | null): PrCurve {
  const p = requirePredictions(runId, split)
  if (classIndex === null) return prCurve(p.scores, p.targets)
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= p.nClasses) throw new Error(`Run ${runId}: class ${classIndex} is not a class index (0..${p.nClasses - 1})`)
  return prCurve(column(p.scores, p.nClips, p.nClasses, classIndex), column(p.targets, p.nClips, p.nClasses, classIndex))
}

/** One row per clip: file, labels (";"-joined), then one score column per class. */
export function predictionsCsv(p: RunPredictions): string {
  return stringify([['file', 'labels', ...p.classes], ...p.clips.map((c) => [c.file, c.labels.join(';'), ...c.scores])])
}

function argmax(row: ArrayLike<number>): number {
  let best = 0
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j
  return best
}

export interface SelectionInput {
  predictions: Predictions
  classes: string[]
  /** Per-class thresholds for `errors` selections (predicted positive: score > threshold, as the F1s count). */
  thresholds?: number[]
}

const TOP = 3

/**
 * The clips behind a selection, worst first: false positives by falling score, false negatives by
 * rising score (the most confident mistakes lead); confusion cells and PR points by falling score.
 */
export function selectClips(input: SelectionInput, sel: ClipSelection): { total: number; clips: SelectedClip[] } {
  const { predictions: p, classes } = input
  const C = p.nClasses
  const score = (i: number, c: number) => p.scores[i * C + c]
  const positive = (i: number, c: number) => p.targets[i * C + c] > 0.5
  const checkClass = (c: number | null, what: string) => {
    if (c !== null && (!Number.isInteger(c) || c < 0 || c >= C)) throw new Error(`${what} ${c} is not a class index (0..${C - 1})`)
  }
  const rows: { i: number; c: number; thr: number | null; outcome: ClipOutcome; key: number }[] = []
  if (sel.kind === 'errors') {
    checkClass(sel.classIndex, 'Class')
    const thr = input.thresholds
    if (!thr || thr.length !== C) throw new Error(`Error lists need one threshold per class (${C}), got ${thr?.length ?? 0}`)
    const cs = sel.classIndex === null ? classes.map((_, c) => c) : [sel.classIndex]
    for (const c of cs)
      for (let i = 0; i < p.nClips; i++) {
        const predicted = score(i, c) > thr[c]
        if (predicted && !positive(i, c) && sel.error !== 'fn') rows.push({ i, c, thr: thr[c], outcome: 'fp', key: score(i, c) - thr[c] })
        if (!predicted && positive(i, c) && sel.error !== 'fp') rows.push({ i, c, thr: thr[c], outcome: 'fn', key: thr[c] - score(i, c) })
      }
  } else if (sel.kind === 'confusion') {
    checkClass(sel.trueClass, 'True class')
    checkClass(sel.predictedClass, 'Predicted class')
    for (let i = 0; i < p.nClips; i++) {
      const row = p.targets.subarray(i * C, (i + 1) * C)
      const t = argmax(row)
      if (row[t] <= 0.5 || t !== sel.trueClass) continue
      if (argmax(p.scores.subarray(i * C, (i + 1) * C)) !== sel.predictedClass) continue
      const c = sel.predictedClass
      rows.push({ i, c, thr: null, outcome: c === t ? 'tp' : 'fp', key: score(i, c) })
    }
  } else {
    checkClass(sel.classIndex, 'Class')
    if (!Number.isFinite(sel.threshold)) throw new Error(`A PR-curve point needs a finite threshold, got ${sel.threshold}`)
    const cs = sel.classIndex === null ? classes.map((_, c) => c) : [sel.classIndex]
    for (const c of cs)
      for (let i = 0; i < p.nClips; i++)
        if (score(i, c) >= sel.threshold) rows.push({ i, c, thr: sel.threshold, outcome: positive(i, c) ? 'tp' : 'fp', key: score(i, c) })
  }
  rows.sort((a, b) => b.key - a.key || a.i - b.i || a.c - b.c)
  const limit = sel.kind === 'errors' && sel.limit !== undefined ? Math.max(0, Math.floor(sel.limit)) : rows.length
  const clips = rows.slice(0, limit).map(({ i, c, thr, outcome }): SelectedClip => {
    const order = classes.map((_, k) => k).sort((a, b) => score(i, b) - score(i, a)).slice(0, TOP)
    return {
      file: p.files[i],
      labels: labelsOf(p, classes, i),
      classIndex: c,
      className: classes[c],
      score: score(i, c),
      threshold: thr,
      outcome,
      top: order.map((k) => ({ label: classes[k], score: score(i, k) }))
    }
  })
  return { total: rows.length, clips }
}
