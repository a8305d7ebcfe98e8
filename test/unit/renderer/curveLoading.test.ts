// The runs store's curve loading: batches of 50 runs per run.curves request with progress, Stop between
// batches (what came stays cached, the rest is fetched next time), and cached curves going stale when
// their run appends metrics (a 'run.metrics' event), so the chart asks again for those runs only.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ApiEvent, CurveRequest, RunCurve } from '../../../src/shared/api'

const calls: CurveRequest[] = []
let listener: ((e: ApiEvent) => void) | null = null
vi.mock('../../../src/renderer/src/api/client', () => ({
  api: {
    invoke: async (method: string, params: CurveRequest): Promise<RunCurve[]> => {
      if (method !== 'run.curves') throw new Error(`unexpected ${method}`)
      calls.push(params)
      return params.ids.map((id) => ({ id, x: [1], y: [calls.length], total: 1 }))
    },
    onEvent: (l: (e: ApiEvent) => void) => {
      listener = l
      return () => {}
    }
  }
}))

const { useRunsStore } = await import('../../../src/renderer/src/stores/runs')
const shape = { metric: 'mAP' as const, columns: 500, range: null }
const ids = Array.from({ length: 120 }, (_, i) => `run-${i}`)

beforeEach(() => {
  setActivePinia(createPinia())
  calls.length = 0
})

describe('loading curves', () => {
  it('fetches 50 runs per request and reports progress', async () => {
    const store = useRunsStore()
    const progress: string[] = []
    await store.loadCurves(ids, shape, { onBatch: (batch, p) => progress.push(`${batch.length}:${p.done}/${p.total}`) })
    expect(calls.map((c) => c.ids.length)).toEqual([50, 50, 20])
    expect(progress).toEqual(['0:0/120', '50:50/120', '50:100/120', '20:120/120'])
    expect(store.cachedCurves(ids, shape).size).toBe(120)
    // Another request shape (a zoom) is another cache entry.
    expect(store.cachedCurves(ids, { ...shape, range: [1, 5] }).size).toBe(0)
  })

  it('stops between batches when aborted, and fetches only the rest next time', async () => {
    const store = useRunsStore()
    const stop = new AbortController()
    await store.loadCurves(ids, shape, { signal: stop.signal, onBatch: (_, p) => p.done >= 50 && stop.abort() })
    expect(calls).toHaveLength(1)
    expect(store.cachedCurves(ids, shape).size).toBe(50)
    await store.loadCurves(ids, shape)
    expect(calls.map((c) => c.ids.length)).toEqual([50, 50, 20])
    expect(calls[1].ids[0]).toBe('run-50')
  })

  it('a run that appends metrics is fetched again, alone', async () => {
    vi.useFakeTimers()
    try {
      const store = useRunsStore()
      await store.loadCurves(ids.slice(0, 3), shape)
      const tick = store.liveTick
      listener!({ type: 'run.metrics', runId: 'run-1', entries: [{ kind: 'step', step: 1, epoch: 1, time: '' }] })
      await vi.advanceTimersByTimeAsync(600) // the store flushes events twice a second
      expect(store.liveTick).toBe(tick + 1)
      expect([...store.cachedCurves(ids.slice(0, 3), shape).keys()]).toEqual(['run-0', 'run-2'])
      await store.loadCurves(ids.slice(0, 3), shape)
      expect(calls[calls.length - 1].ids).toEqual(['run-1'])
    } finally {
      vi.useRealTimers()
    }
  })
})
