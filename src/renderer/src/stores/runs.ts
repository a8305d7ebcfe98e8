// Runs: the list with configs and final metrics, each run's metric history (fetched once, then grown
// by 'run.metrics' events, flushed to the charts at most twice a second), full records for the run
// page, and the Runs page's view state (selection, sort, filter, grouping, smoothing), kept across reloads.
import { defineStore } from 'pinia'
import { ref, shallowRef, triggerRef } from 'vue'
import type { CurveRequest, MetricEntry, RunCurve, RunRecord, RunSummary } from '@shared/api'
import { api } from '../api/client'
import { messageOf } from '../lib/errors'
import { loadInto } from '../lib/loadState'
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
  /** The metric of the table's best / last / test columns and of the sweep views. */
  judgeMetric: string
  /** Which of best / last / test the sweep views plot. */
  judgeSource: 'best' | 'last' | 'test'
  sweepView: 'parallel' | 'scatter' | 'hidden'
  scatterKey: string
}

const FLUSH_MS = 500
/** Runs per run.curves request: small enough that progress moves and Stop is heard within one. */
const CURVE_BATCH = 50

/** Where a curve load stands: `done` of `total` runs fetched (cached ones count as done at once). */
export interface CurveProgress {
  done: number
  total: number
}

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
    diffOnly: true,
    judgeMetric: 'mAP',
    judgeSource: 'best',
    sweepView: 'parallel',
    scatterKey: ''
  })

  /**
   * Downsampled curves from the engine, per request shape (metric, columns, zoom) then per run. Plain
   * maps, never reactive: hundreds of arrays of numbers must not become proxies. `liveTick` moves
   * when runs append metrics (flushed with the rest, twice a second at most); their cached curves are
   * stale from then (`generation`), so a chart showing them asks again.
   */
  const curveCache = new Map<string, Map<string, { curve: RunCurve; generation: number }>>()
  const generation = new Map<string, number>()
  const liveTick = ref(0)

  const curveKey = (req: Omit<CurveRequest, 'ids'>) => `${req.metric}|${req.columns}|${req.range?.join(',') ?? ''}`

  /** The cached, up-to-date curves of these runs for this request shape (missing ones are absent). */
  function cachedCurves(ids: string[], req: Omit<CurveRequest, 'ids'>): Map<string, RunCurve> {
    const byId = curveCache.get(curveKey(req))
    const out = new Map<string, RunCurve>()
    if (!byId) return out
    for (const id of ids) {
      const c = byId.get(id)
      if (c && c.generation === (generation.get(id) ?? 0)) out.set(id, c.curve)
    }
    return out
  }

  /**
   * Fetch the curves of `ids` not cached yet, CURVE_BATCH runs per request, reporting each batch
   * (its curves and the progress). Stops between batches when `signal` aborts; what came stays cached.
   */
  async function loadCurves(ids: string[], req: Omit<CurveRequest, 'ids'>, opts: { signal?: AbortSignal; onBatch?: (curves: RunCurve[], progress: CurveProgress) => void } = {}): Promise<void> {
    const key = curveKey(req)
    let byId = curveCache.get(key)
    if (!byId) curveCache.set(key, (byId = new Map()))
    // Many zooms leave many shapes: keep the latest few.
    if (curveCache.size > 12) curveCache.delete(curveCache.keys().next().value!)
    const have = cachedCurves(ids, req)
    const missing = ids.filter((id) => !have.has(id))
    let done = ids.length - missing.length
    opts.onBatch?.([], { done, total: ids.length })
    for (let i = 0; i < missing.length; i += CURVE_BATCH) {
      if (opts.signal?.aborted) return
      const batch = missing.slice(i, i + CURVE_BATCH)
      const gens = batch.map((id) => generation.get(id) ?? 0)
      const curves = await api.invoke('run.curves', { ...req, ids: batch })
      curves.forEach((c, k) => byId.set(c.id, { curve: c, generation: gens[k] }))
      done += batch.length
      if (opts.signal?.aborted) return
      opts.onBatch?.(curves, { done, total: ids.length })
    }
  }

  const pending = new Map<string, MetricEntry[]>()
  const fetching = new Map<string, Promise<void>>()
  let flushTimer: ReturnType<typeof setTimeout> | null = null
  let listTimer: ReturnType<typeof setTimeout> | null = null

  function load(): Promise<void> {
    return loadInto(error, async () => {
      list.value = await api.invoke('run.list', undefined)
    }, loaded)
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
    if (pending.size) {
      for (const id of pending.keys()) generation.set(id, (generation.get(id) ?? 0) + 1)
      liveTick.value++
    }
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

  return { list, loaded, error, metrics, records, view, liveTick, load, ensureMetrics, getRecord, loadCurves, cachedCurves }
})
