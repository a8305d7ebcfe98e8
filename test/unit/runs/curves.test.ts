// The engine's curves: the min/max-per-column downsampler against a brute-force reference, and the
// per-run cache against the renderer's own metricCurve (an independent reading of metrics.jsonl),
// before and after appends, a torn line, and a rewrite.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { MetricEntry, RunConfig as RunConfig } from '../../../src/shared/types'
import { minMaxIndices } from '../../../src/main/engine/runs/downsample'
import { clearCurveCache, curvesOf } from '../../../src/main/engine/runs/curves'
import { appendMetrics, createRun, readMetrics, runDir } from '../../../src/main/engine/runs/store'

/** Seeded uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/**
 * The reference, written the slow and obvious way: every point in the range goes to the column its x
 * falls in; per column keep the first least, first greatest and first NaN; plus the first and last
 * point in the range and the nearest point outside it on either side; everything when there are at
 * most 2 × columns points.
 */
function reference(xs: number[], ys: number[], columns: number, range?: [number, number]): number[] {
  const lo = range ? range[0] : xs[0]
  const hi = range ? range[1] : xs[xs.length - 1]
  const inside = xs.map((_, i) => i).filter((i) => xs[i] >= lo && xs[i] <= hi)
  const before = xs.map((_, i) => i).filter((i) => xs[i] < lo)
  const after = xs.map((_, i) => i).filter((i) => xs[i] > hi)
  const keep = new Set<number>()
  if (before.length) keep.add(before[before.length - 1])
  if (after.length) keep.add(after[0])
  if (inside.length <= 2 * columns) inside.forEach((i) => keep.add(i))
  else {
    for (let c = 0; c < columns; c++) {
      const members = inside.filter((i) => (hi > lo ? Math.min(columns - 1, Math.floor(((xs[i] - lo) / (hi - lo)) * columns)) : 0) === c)
      const finite = members.filter((i) => !Number.isNaN(ys[i]))
      if (finite.length) {
        const min = Math.min(...finite.map((i) => ys[i]))
        const max = Math.max(...finite.map((i) => ys[i]))
        keep.add(finite.find((i) => ys[i] === min)!)
        keep.add(finite.find((i) => ys[i] === max)!)
      }
      const gap = members.find((i) => Number.isNaN(ys[i]))
      if (gap !== undefined) keep.add(gap)
    }
    keep.add(inside[0])
    keep.add(inside[inside.length - 1])
  }
  return [...keep].sort((a, b) => a - b)
}

describe('minMaxIndices', () => {
  it('equals the brute-force reference on random curves, with gaps, uneven x and zoom ranges', () => {
    const r = rng(7)
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(r() * 600)
      const xs: number[] = []
      let x = r() * 10
      for (let i = 0; i < n; i++) xs.push((x += r() < 0.1 ? 5 : 0.5 + r()))
      const ys = xs.map(() => (r() < 0.05 ? NaN : Math.round(r() * 50) / 10)) // ties on purpose
      const columns = 1 + Math.floor(r() * 120)
      const range: [number, number] | undefined = r() < 0.2 ? [xs[0] - 50 * r(), xs[n - 1] + 50 * r()] : r() < 0.4 ? undefined : ([xs[0] + r() * (xs[n - 1] - xs[0]) * 0.5, xs[0] + (0.5 + r() * 0.6) * (xs[n - 1] - xs[0])] as [number, number])
      expect(minMaxIndices(xs, ys, columns, range), `trial ${trial}`).toEqual(reference(xs, ys, columns, range))
    }
  })

  it('keeps each column’s extremes, so a one-step spike survives', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => i)
    const ys = xs.map((i) => (i === 4321 ? 100 : Math.sin(i / 50)))
    const keep = minMaxIndices(xs, ys, 200)
    expect(keep.length).toBeLessThanOrEqual(402)
    expect(keep).toContain(4321)
    expect(keep[0]).toBe(0)
    expect(keep[keep.length - 1]).toBe(9999)
    expect(Math.min(...keep.map((i) => ys[i]))).toBe(Math.min(...ys))
  })

  it('returns short curves whole, and nothing for an empty one', () => {
    expect(minMaxIndices([1, 2, 3], [0.1, 0.2, 0.3], 100)).toEqual([0, 1, 2])
    expect(minMaxIndices([], [], 100)).toEqual([])
  })
})

const config = { name: 'c', dataset: 'ds', model: 'ast', size: 'tiny', epochs: 3 } as unknown as RunConfig
const meta = { datasetName: 'D', datasetFingerprint: 'f', classNames: ['a'], valClips: 10 }
const step = (s: number, loss: number): MetricEntry => ({ kind: 'step', step: s, epoch: 1, time: '', loss, lr: 1e-4 })
const epoch = (e: number, mAP: number | null): MetricEntry => ({ kind: 'epoch', step: e * 10, epoch: e, time: '', mAP, ap: [mAP] })

let dataDir: string
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-curves-'))
  process.env.TAGBENCH_DATA_DIR = dataDir
  clearCurveCache()
})
afterEach(() => {
  delete process.env.TAGBENCH_DATA_DIR
  fs.rmSync(dataDir, { recursive: true, force: true })
})

/** The whole file read with readMetrics, the slow way: the reference for an undownsampled request (a later entry for an x wins). */
function expected(id: string, metric: 'loss' | 'mAP') {
  const per = metric === 'loss' ? 'step' : 'epoch'
  const byX = new Map<number, number | null>()
  for (const e of readMetrics(id)) {
    const v = e[metric]
    if (e.kind === per && v !== undefined) byX.set(per === 'step' ? e.step : e.epoch, typeof v === 'number' && Number.isFinite(v) ? v : null)
  }
  const x = [...byX.keys()].sort((a, b) => a - b)
  return { x, y: x.map((k) => byX.get(k)!) }
}

describe('run.curves', () => {
  it('serves every run in one request, as metricCurve reads the file, and follows appends', () => {
    const a = createRun(config, meta)
    const b = createRun({ ...config, name: 'b' } as RunConfig, meta)
    appendMetrics(a, [step(1, 0.9), step(2, 0.8), epoch(1, 0.5)])
    appendMetrics(b, [step(1, 0.7), epoch(1, null)])
    let got = curvesOf({ ids: [a, b], metric: 'loss', columns: 500 })
    expect(got.map((c) => ({ x: c.x, y: c.y }))).toEqual([expected(a, 'loss'), expected(b, 'loss')])
    expect(curvesOf({ ids: [a, b], metric: 'mAP', columns: 500 }).map((c) => c.y)).toEqual([[0.5], [null]])

    // Appended entries appear; a repeated step (a resumed run) replaces the earlier one.
    appendMetrics(a, [step(3, 0.6), step(2, 0.75), epoch(2, 0.6)])
    got = curvesOf({ ids: [a], metric: 'loss', columns: 500 })
    expect({ x: got[0].x, y: got[0].y }).toEqual(expected(a, 'loss'))
    expect(got[0].y).toEqual([0.9, 0.75, 0.6])
    expect(curvesOf({ ids: [a], metric: 'mAP', columns: 500 })[0].y).toEqual([0.5, 0.6])

    // A step line in another key order (not the trainer's) is read by JSON.parse all the same; so is an exponent.
    fs.appendFileSync(path.join(runDir(a), 'metrics.jsonl'), '{"step":4,"kind":"step","epoch":1,"time":"","loss":0.5}\n' + JSON.stringify(step(5, 1.5e-7)) + '\n')
    got = curvesOf({ ids: [a], metric: 'loss', columns: 500 })
    expect({ x: got[0].x, y: got[0].y }).toEqual(expected(a, 'loss'))
    expect(got[0].y.slice(3)).toEqual([0.5, 1.5e-7])
    // Step 4 has no lr: no point there.
    expect(curvesOf({ ids: [a], metric: 'lr', columns: 500 })[0].x).toEqual([1, 2, 3, 5])
    // A torn last line waits for its newline; a rewritten (shorter) file is read again.
    fs.appendFileSync(path.join(runDir(a), 'metrics.jsonl'), '{"kind":"step","step":4,"ep')
    expect(curvesOf({ ids: [a], metric: 'loss', columns: 500 })[0].x).toEqual([1, 2, 3, 4, 5])
    fs.writeFileSync(path.join(runDir(a), 'metrics.jsonl'), JSON.stringify(step(1, 0.3)) + '\n')
    expect(curvesOf({ ids: [a], metric: 'loss', columns: 500 })[0].y).toEqual([0.3])
  })

  it('downsamples long curves to two points per column and keeps the total', () => {
    const id = createRun(config, meta)
    appendMetrics(id, Array.from({ length: 5000 }, (_, i) => step(i + 1, Math.cos(i / 100))))
    const [c] = curvesOf({ ids: [id], metric: 'loss', columns: 100 })
    expect(c.total).toBe(5000)
    expect(c.x.length).toBeLessThanOrEqual(202)
    expect(c.x[c.x.length - 1]).toBe(5000)
    expect(Math.max(...(c.y as number[]))).toBe(1)
    // Zoomed: the same budget over the range, plus one neighbour either side.
    const [z] = curvesOf({ ids: [id], metric: 'loss', columns: 100, range: [1000, 1500] })
    expect(z.x[0]).toBe(999)
    expect(z.x[z.x.length - 1]).toBe(1501)
    expect(z.x.length).toBeLessThanOrEqual(204)
  })

  it('names a missing run in its own entry and still serves the others; refuses bad requests', () => {
    const id = createRun(config, meta)
    appendMetrics(id, [epoch(1, 0.4)])
    const got = curvesOf({ ids: ['2026-01-01T00-00-00-gone-0000', id], metric: 'mAP', columns: 10 })
    expect(got[0].error).toMatch(/No run 2026-01-01T00-00-00-gone-0000 in /)
    expect(got[1].y).toEqual([0.4])
    expect(() => curvesOf({ ids: [id], metric: 'nope' as 'mAP', columns: 10 })).toThrow(/unknown metric 'nope'/)
    expect(() => curvesOf({ ids: [id], metric: 'mAP', columns: 0 })).toThrow(/columns must be/)
  })
})
