// Metric histories as curves for the charts: which entries carry a metric, and on which x axis.
import type { CurveMetric, MetricEntry } from '@shared/api'
import type { Curve } from './grouping'

export type { CurveMetric }

export const METRICS: { key: CurveMetric; label: string; axis: string; per: 'epoch' | 'step' }[] = [
  { key: 'mAP', label: 'validation mAP', axis: 'mAP (validation)', per: 'epoch' },
  { key: 'loss', label: 'training loss', axis: 'training loss', per: 'step' },
  { key: 'valLoss', label: 'validation loss', axis: 'validation loss', per: 'epoch' },
  { key: 'accuracy', label: 'validation accuracy', axis: 'accuracy (validation)', per: 'epoch' },
  { key: 'auc', label: 'validation AUC', axis: 'ROC AUC (validation)', per: 'epoch' },
  { key: 'microF1', label: 'validation micro-F1', axis: 'micro-F1 (validation, threshold 0.5)', per: 'epoch' },
  { key: 'frameAP', label: 'validation frame AP', axis: 'frame AP (validation, whole recordings)', per: 'epoch' },
  { key: 'frameF1', label: 'validation frame F1', axis: 'frame F1 (validation, strong labels)', per: 'epoch' },
  { key: 'eventF1', label: 'validation event F1', axis: 'event F1 (validation, strong labels)', per: 'epoch' },
  { key: 'lr', label: 'learning rate', axis: 'learning rate', per: 'step' },
  { key: 'samplesPerS', label: 'training speed', axis: 'training speed (samples/s)', per: 'step' }
]

export const metricInfo = (m: CurveMetric) => METRICS.find((x) => x.key === m)!

/**
 * The curve of one metric: per-epoch metrics from 'epoch' entries against the epoch, per-step ones
 * from 'step' entries against the optimizer step. A later entry for the same x (a resumed run
 * repeating a step) replaces the earlier one.
 */
export function metricCurve(entries: readonly MetricEntry[], metric: CurveMetric): Curve {
  const per = metricInfo(metric).per
  const byX = new Map<number, number | null>()
  for (const e of entries) {
    if (e.kind !== per) continue
    const v = e[metric]
    if (v === undefined) continue
    byX.set(per === 'epoch' ? e.epoch : e.step, typeof v === 'number' && Number.isFinite(v) ? v : null)
  }
  const x = [...byX.keys()].sort((a, b) => a - b)
  return { x, y: x.map((k) => byX.get(k) ?? null) }
}

/** The last test entry of a run, if it has been evaluated on its test split. */
export function lastTest(entries: readonly MetricEntry[]): MetricEntry | null {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].kind === 'test') return entries[i]
  return null
}
