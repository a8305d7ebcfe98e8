// Export a run's metrics.jsonl for other tools: CSV (one row per entry, one column per field and per
// class AP), JSON, or a TensorBoard event file. Files go to runs/<id>/export/ unless a path is given.
import fs from 'node:fs'
import path from 'node:path'
import { stringify } from 'csv-stringify/sync'
import type { MetricEntry } from '../../../shared/types'
import { writeFileAtomicSync } from '../io/fsutil'
import { readMetrics, readRunState, runDir } from './store'
import { encodeEventFile, type Scalar } from './tfevents'

export type MetricsExportFormat = 'csv' | 'json' | 'tensorboard'

/** Scalar fields of MetricEntry, in column order. */
const FIELDS = ['loss', 'lr', 'samplesPerS', 'valLoss', 'mAP', 'auc', 'dprime', 'microF1', 'macroF1', 'accuracy', 'frameF1', 'eventF1'] as const

export function metricsToCsv(entries: MetricEntry[], classNames: string[]): string {
  const header = ['kind', 'step', 'epoch', 'time', ...FIELDS, ...classNames.map((c) => `ap:${c}`)]
  const rows = entries.map((e) => [
    e.kind,
    e.step,
    e.epoch,
    e.time,
    ...FIELDS.map((f) => e[f] ?? ''),
    ...classNames.map((_, c) => e.ap?.[c] ?? '')
  ])
  return stringify([header, ...rows])
}

/** TensorBoard tags: train/* for step entries, val/* for epoch entries, test/* for the test entry. */
function tagPrefix(kind: MetricEntry['kind']): string {
  return kind === 'step' ? 'train' : kind === 'epoch' ? 'val' : 'test'
}

function tagFor(kind: MetricEntry['kind'], field: (typeof FIELDS)[number]): string {
  // An epoch entry's `loss` is the epoch's mean training loss; rate and speed always describe training.
  if (field === 'loss' && kind === 'epoch') return 'train/epoch_loss'
  if (field === 'valLoss') return 'val/loss'
  if (field === 'lr') return 'train/lr'
  if (field === 'samplesPerS') return 'train/samples_per_s'
  return `${tagPrefix(kind)}/${field}`
}

export function metricsToScalars(entries: MetricEntry[], classNames: string[]): Scalar[] {
  const out: Scalar[] = []
  for (const e of entries) {
    const wallTime = Date.parse(e.time) / 1000
    const push = (tag: string, value: number | null | undefined) => {
      if (typeof value === 'number' && Number.isFinite(value)) out.push({ tag, value, step: e.step, wallTime })
    }
    for (const f of FIELDS) push(tagFor(e.kind, f), e[f])
    e.ap?.forEach((ap, c) => push(`${tagPrefix(e.kind)}_ap/${classNames[c] ?? `class_${c}`}`, ap))
  }
  return out
}

/** Write the export and return its path. */
export function exportMetrics(id: string, format: MetricsExportFormat, out?: string): string {
  const state = readRunState(id)
  const entries = readMetrics(id)
  const dir = path.join(runDir(id), 'export')
  switch (format) {
    case 'csv': {
      const target = out ?? path.join(dir, 'metrics.csv')
      writeFileAtomicSync(target, metricsToCsv(entries, state.classNames))
      return target
    }
    case 'json': {
      const target = out ?? path.join(dir, 'metrics.json')
      writeFileAtomicSync(target, JSON.stringify({ runId: id, name: state.name, classNames: state.classNames, entries }, null, 2) + '\n')
      return target
    }
    case 'tensorboard': {
      // TensorBoard reads every *tfevents* file in a folder; replace ours rather than add another.
      const tbDir = out ?? path.join(dir, 'tensorboard')
      const start = Date.parse(state.createdAt) / 1000
      const target = path.join(tbDir, `events.out.tfevents.${Math.floor(start)}.tagbench`)
      fs.mkdirSync(tbDir, { recursive: true })
      writeFileAtomicSync(target, encodeEventFile(metricsToScalars(entries, state.classNames), start))
      return target
    }
    default:
      throw new Error(`Unknown metrics export format: ${String(format)} (csv, json or tensorboard)`)
  }
}
