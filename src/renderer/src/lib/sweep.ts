// A sweep at a glance: the metric a run is judged by (its best, last or test value), and the axes of
// the parallel-coordinates and scatter views (a setting's values as numbers, on a log scale when they
// span decades, or as categories in a sensible order).
import type { RunSummary } from '@shared/api'
import type { FlatValue } from './runConfig'

export type MetricSource = 'best' | 'last' | 'test'

/** Metrics the table and the sweep views can judge runs by; best and last are kept for mAP and accuracy only. */
export const JUDGE_METRICS: { key: string; label: string; milestones: boolean }[] = [
  { key: 'mAP', label: 'mAP', milestones: true },
  { key: 'accuracy', label: 'accuracy', milestones: true },
  { key: 'auc', label: 'AUC', milestones: false },
  { key: 'dprime', label: "d'", milestones: false },
  { key: 'microF1', label: 'micro-F1', milestones: false },
  { key: 'macroF1', label: 'macro-F1', milestones: false }
]

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** A run's best, last or test value of a metric; null when it has none. */
export function runMetric(run: Pick<RunSummary, 'best' | 'last' | 'test'>, source: MetricSource, metric: string): number | null {
  if (source === 'test') return finite(run.test?.[metric])
  const m = run[source] as Record<string, unknown> | null
  return m ? finite(m[metric]) : null
}

export interface SweepAxis {
  key: string
  kind: 'value' | 'log' | 'category'
  /** Category axes: the values in order (numbers ascending, then text). */
  values: string[]
  min: number
  max: number
}

/** One axis per key: numeric when every run's value is a number, log-scaled when they are positive and span two decades or more. */
export function sweepAxes(flats: Record<string, FlatValue>[], keys: string[]): SweepAxis[] {
  return keys.map((key) => {
    const vals = flats.map((f) => f[key])
    const nums = vals.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    if (nums.length === vals.length && nums.length > 0) {
      const min = Math.min(...nums)
      const max = Math.max(...nums)
      return { key, kind: min > 0 && max / min >= 100 ? 'log' : 'value', values: [], min, max }
    }
    const distinct = [...new Set(vals.map(categoryOf))]
    distinct.sort((a, b) => {
      const x = Number(a)
      const y = Number(b)
      const xn = a !== '' && Number.isFinite(x)
      const yn = b !== '' && Number.isFinite(y)
      if (xn && yn) return x - y
      if (xn !== yn) return xn ? -1 : 1
      return a.localeCompare(b)
    })
    return { key, kind: 'category', values: distinct, min: 0, max: distinct.length - 1 }
  })
}

const categoryOf = (v: FlatValue | undefined): string => (v === undefined || v === null ? '–' : String(v))

/** A run's coordinate on an axis: the number, or the category's label. */
export function axisValue(axis: SweepAxis, v: FlatValue | undefined): number | string {
  return axis.kind === 'category' ? categoryOf(v) : (v as number)
}
