// Runs: the list with configs and final metrics, each run's metric history (fetched once, then grown
// by 'run.metrics' events, flushed to the charts at most twice a second), full records for the run
// page, and the Runs page's view state (selection, sort, filter, grouping, smoothing), kept across reloads.
import { defineStore } from 'pinia'
import { ref, shallowRef, triggerRef } from 'vue'
import type { MetricEntry, RunRecord, RunSummary } from '@shared/api'
import { api } from '../api/client'
import { messageOf } from '../lib/errors'
import { persisted } from '../lib/persist'
import type { Smoothing } from '../lib/smoothing'

export type { CurveMetric } from '../lib/curves'
import type { CurveMetric } from '../lib/curves'

export interface RunsView {
  selected: string[]
  sortKey: string
  sortDesc: boolean
  filter: string
  status: string
  metric: CurveMetric
  smoothing: Smoothing
  groupMode: 'none' | 'keys' | 'all-but-seed'
  groupKeys: string[]
  band: 'std' | 'minmax'
  diffOnly: boolean
}

const FLUSH_MS = 500

export const useRunsStore = defineStore('runs', () => {
  const list = ref<RunSummary[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  /** Metric history per run. A shallow ref: long arrays are replaced or grown, then triggered. */
  const metrics = shallowRef<Record<string, MetricEntry[]>>({})
  const records = ref<Record<string, RunRecord>>({})
  const view = persisted<RunsView>('runs.view', {
    selected: [],
    sortKey: 'createdAt',
    sortDesc: true,
    filter: '',
    status: '',
    metric: 'mAP',
    smoothing: { kind: 'ema', weight: 0.6, window: 5 },
    groupMode: 'none',
    groupKeys: [],
    band: 'std',
    diffOnly: true
  })

  const pending = new Map<string, MetricEntry[]>()
  const fetching = new Map<string, Promise<void>>()
  let flushTimer: ReturnType<typeof setTimeout> | null = null
  let listTimer: ReturnType<typeof setTimeout> | null = null

  async function load(): Promise<void> {
    try {
      list.value = await api.invoke('run.list', undefined)
      error.value = null
    } catch (err) {
      error.value = messageOf(err)
    } finally {
      loaded.value = true
    }
  }

  /** Loads a run's metric history once; later entries arrive as events. */
  function ensureMetrics(id: string): Promise<void> {
    if (metrics.value[id]) return Promise.resolve()
    let p = fetching.get(id)
    if (!p) {
      p = api
        .invoke('run.metrics', { id })
        .then((entries) => {
          // Entries that arrived as events while fetching are newer than the fetch, or repeat it.
          const lastStep = entries.length ? entries[entries.length - 1].step : -Infinity
          const late = (pending.get(id) ?? []).filter((e) => e.step > lastStep || e.kind === 'test')
          pending.delete(id)
          metrics.value[id] = [...entries, ...late]
          triggerRef(metrics)
        })
        .finally(() => fetching.delete(id))
      fetching.set(id, p)
    }
    return p
  }

  async function getRecord(id: string, fresh = false): Promise<RunRecord> {
    if (!fresh && records.value[id]) return records.value[id]
    const r = await api.invoke('run.get', { id })
    records.value[id] = r
    return r
  }

  function flush(): void {
    flushTimer = null
    let changed = false
    for (const [id, entries] of pending) {
      const have = metrics.value[id]
      if (!have) {
        // Not shown: a later fetch reads the whole history. While a fetch is in flight, keep them for it.
        if (!fetching.has(id)) pending.delete(id)
        continue
      }
      have.push(...entries)
      pending.delete(id)
      changed = true
    }
    if (changed) triggerRef(metrics)
  }

  function scheduleListReload(): void {
    if (listTimer) return
    listTimer = setTimeout(() => {
      listTimer = null
      void load()
    }, 300)
  }

  api.onEvent((e) => {
    if (e.type === 'run.metrics') {
      const q = pending.get(e.runId) ?? []
      q.push(...e.entries)
      pending.set(e.runId, q)
      flushTimer ??= setTimeout(flush, FLUSH_MS)
      // Epoch and test entries change the summary (best/last): refresh the list too.
      if (e.entries.some((x) => x.kind !== 'step')) scheduleListReload()
    } else if (e.type === 'run.changed') {
      scheduleListReload()
      if (records.value[e.runId])
        void getRecord(e.runId, true).catch((err) => {
          // A deleted run's record goes with it; any other failure is shown.
          if (list.value.some((r) => r.id === e.runId)) error.value = messageOf(err)
          else delete records.value[e.runId]
        })
    }
  })

  return { list, loaded, error, metrics, records, view, load, ensureMetrics, getRecord }
})
