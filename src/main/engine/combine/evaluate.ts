// Scoring any model on a run's validation and test clips exactly as the trainer tested its best
// checkpoint (same clips, features, padding and normalisation, softmax for CE-trained models).
import os from 'node:os'
import type { PredictionSplit, SplitScore } from '../../../shared/types'
import { extractFeatures } from '../audio/cache'
import { loadDataset } from '../data/record'
import { clipMetrics } from '../eval/metrics'
import type { TagModel } from '../models/types'
import type { ProgressSink } from '../control/progress'
import { readRunConfig, type Predictions } from '../runs/store'
import { clipSets, featureSource, withoutFiles, type InputSpec } from '../train/data'
import { predictSplit } from '../train/evaluate'
import { inputNorm } from '../train/model'

export type SplitPredictionsOf = Record<PredictionSplit, Predictions | null>

export async function evaluateOnRun(runId: string, model: TagModel, opts: { onProgress?: ProgressSink; signal?: AbortSignal } = {}): Promise<SplitPredictionsOf> {
  const cfg = readRunConfig(runId)
  const record = loadDataset(cfg.dataset)
  const settings = { sampleRate: 16000, melBins: model.config.melBins }
  let { val, test } = clipSets(record, cfg.fold)
  const extracted = await extractFeatures([...val.paths, ...test.paths], settings, { onProgress: opts.onProgress, signal: opts.signal, threads: Math.max(1, os.availableParallelism() - 1) })
  const bad = new Set(extracted.errors.map((e) => e.file))
  val = withoutFiles(val, bad)
  test = withoutFiles(test, bad)
  const spec: InputSpec = { settings, targetLength: model.config.targetLength, norm: inputNorm(model.config), frames: null, frameLoss: false }
  // The loss only picks the activation here (softmax for CE); its value is not reported.
  const loss = { kind: cfg.loss === 'ce' ? ('ce' as const) : ('bce' as const) }
  const source = featureSource(settings)
  const C = record.classNames.length
  const out: SplitPredictionsOf = { val: null, test: null }
  for (const [split, set] of [['val', val], ['test', test]] as const) {
    if (set.n === 0) continue
    const p = await predictSplit(model, set, { source, spec, record, loss, batch: cfg.batchSize, signal: opts.signal })
    out[split] = { scores: p.scores, targets: p.targets, nClips: set.n, nClasses: C, files: set.files }
  }
  return out
}

/** The clip metrics of stored predictions (null for none). */
export function scoreOf(p: Predictions | null): SplitScore | null {
  if (!p) return null
  const m = clipMetrics(p.scores, p.targets, p.nClips, p.nClasses)
  return { mAP: m.mAP, auc: m.auc, dprime: m.dprime, microF1: m.microF1, macroF1: m.macroF1, ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}) }
}
