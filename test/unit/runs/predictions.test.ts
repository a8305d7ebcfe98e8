// `tagbench predictions` and the clip selections behind the run page's error lists: the mAP recomputed
// from the printed per-clip scores (with the engine's AP, checked against sklearn in eval/metrics.test)
// is the run's reported test mAP; selections are checked against a plain recount.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { loadPredictions, loadRun } from '../../../src/main/engine/runs/store'
import { clipMetrics } from '../../../src/main/engine/eval/metrics'
import { runPrCurve, selectClips } from '../../../src/main/engine/runs/predictions'
import { checkParams } from '../../../src/shared/apiSchema'
import { registerPredictions } from '../../../src/main/cli/commands/predictions'
import type { RunPredictions } from '../../../src/shared/types'
import { runCli } from '../cliHarness'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

describe('per-clip predictions', () => {
  const fx = tinyDatasetFixture('predictions')
  let runId = ''

  it('prints the scores the test mAP came from', async () => {
    runId = createTrainingRun(tinyRun(fx.datasetId, { epochs: 2 })).runId
    await trainRun(runId)
    const run = loadRun(runId)
    const p = JSON.parse(await runCli([registerPredictions], ['predictions', runId, '--split', 'test'])) as RunPredictions
    expect(Object.keys(p)).toEqual(['classes', 'clips'])
    expect(p.classes).toEqual(run.classNames)
    expect(p.clips.length).toBe(3)
    const C = p.classes.length
    const scores = p.clips.flatMap((c) => c.scores)
    const targets = p.clips.flatMap((c) => p.classes.map((name) => (c.labels.includes(name) ? 1 : 0)))
    for (const c of p.clips) {
      expect(c.scores).toHaveLength(C)
      expect(c.labels.length).toBeGreaterThan(0)
      expect(fs.existsSync(path.join(fx.audioDir, c.file + (c.file.endsWith('.wav') ? '' : '.wav')))).toBe(true)
    }
    const m = clipMetrics(scores, targets, p.clips.length, C)
    expect(Math.abs(m.mAP! - run.test!.mAP!)).toBeLessThan(1e-6)

    const val = JSON.parse(await runCli([registerPredictions], ['predictions', runId, '--split', 'val', '--json'])) as RunPredictions
    expect(val.clips.length).toBe(6)
  })

  it('writes CSV, and refuses an unknown split or a run without predictions', async () => {
    const out = path.join(fx.audioDir, 'pred.csv')
    await runCli([registerPredictions], ['predictions', runId, '--csv', out])
    const rows = parse(fs.readFileSync(out, 'utf8')) as string[][]
    const json = JSON.parse(await runCli([registerPredictions], ['predictions', runId])) as RunPredictions
    expect(rows[0]).toEqual(['file', 'labels', ...json.classes])
    expect(rows.slice(1).map((r) => r[0])).toEqual(json.clips.map((c) => c.file))
    expect(rows.slice(1).map((r) => r.slice(2).map(Number))).toEqual(json.clips.map((c) => c.scores))
    await expect(runCli([registerPredictions], ['predictions', runId, '--split', 'train'])).rejects.toThrow(/Unknown split "train"/)
    const fresh = createTrainingRun(tinyRun(fx.datasetId)).runId
    await expect(runCli([registerPredictions], ['predictions', fresh])).rejects.toThrow(/has no test predictions: it is queued/)
  })

  it('selects the clips behind errors, confusion cells and PR points as a recount does', () => {
    const p = loadPredictions(runId, 'val')!
    const classes = ['low', 'mid', 'high']
    const C = p.nClasses
    const thr = [0.3, 0.5, 0.7]
    for (let c = 0; c < C; c++) {
      const fp = selectClips({ predictions: p, classes, thresholds: thr }, { kind: 'errors', classIndex: c, error: 'fp', thresholdMethod: 'default' })
      const fn = selectClips({ predictions: p, classes, thresholds: thr }, { kind: 'errors', classIndex: c, error: 'fn', thresholdMethod: 'default' })
      let nFp = 0
      let nFn = 0
      for (let i = 0; i < p.nClips; i++) {
        const s = p.scores[i * C + c]
        const t = p.targets[i * C + c] > 0.5
        if (s > thr[c] && !t) nFp++
        if (s <= thr[c] && t) nFn++
      }
      expect([fp.total, fn.total]).toEqual([nFp, nFn])
      // Worst first: false positives by falling score, false negatives by rising score.
      expect(fp.clips.map((x) => x.score)).toEqual([...fp.clips.map((x) => x.score)].sort((a, b) => b - a))
      expect(fn.clips.map((x) => x.score)).toEqual([...fn.clips.map((x) => x.score)].sort((a, b) => a - b))
      for (const x of fp.clips) expect([x.outcome, x.labels.includes(classes[c])]).toEqual(['fp', false])
      for (const x of fn.clips) expect([x.outcome, x.labels.includes(classes[c])]).toEqual(['fn', true])
      const both = selectClips({ predictions: p, classes, thresholds: thr }, { kind: 'errors', classIndex: c, error: 'both', thresholdMethod: 'default', limit: 2 })
      expect(both.total).toBe(nFp + nFn)
      expect(both.clips.length).toBe(Math.min(2, nFp + nFn))

      // A PR point at the k-th highest score holds exactly the k clips scored at or above it (no ties here).
      const sorted = Array.from({ length: p.nClips }, (_, i) => p.scores[i * C + c]).sort((a, b) => b - a)
      const pr = selectClips({ predictions: p, classes }, { kind: 'threshold', classIndex: c, threshold: sorted[2] })
      expect(pr.total).toBe(3)
      expect(pr.clips.filter((x) => x.outcome === 'tp').length).toBe(pr.clips.filter((x) => x.labels.includes(classes[c])).length)
    }
    // The confusion cells add up to the single-label clips (first label = argmax of the targets).
    let cells = 0
    for (let t = 0; t < C; t++) for (let q = 0; q < C; q++) cells += selectClips({ predictions: p, classes }, { kind: 'confusion', trueClass: t, predictedClass: q }).total
    expect(cells).toBe(p.nClips)
    expect(() => selectClips({ predictions: p, classes }, { kind: 'confusion', trueClass: 5, predictedClass: 0 })).toThrow(/True class 5 is not a class index/)
    expect(() => selectClips({ predictions: p, classes }, { kind: 'errors', classIndex: 0, error: 'fp', thresholdMethod: 'default' })).toThrow(/one threshold per class/)
  })

  it('serves PR curves (run.prCurve) with the AP of the metrics and the thresholds of the clip lists', () => {
    const p = loadPredictions(runId, 'val')!
    const classes = ['low', 'mid', 'high']
    const m = clipMetrics(p.scores, p.targets, p.nClips, p.nClasses)
    for (let c = 0; c < p.nClasses; c++) expect(runPrCurve(runId, 'val', c).ap).toBe(m.ap[c])
    const micro = runPrCurve(runId, 'val', null)
    expect(micro.positives).toBe(Array.from(p.targets).filter((t) => t > 0.5).length)
    expect(micro.thresholds.length).toBeGreaterThan(1)
    // Clicking a point lists the clip × class pairs at or above its threshold: they give its recall and precision.
    micro.thresholds.forEach((threshold, j) => {
      const sel = selectClips({ predictions: p, classes }, { kind: 'threshold', classIndex: null, threshold })
      const tp = sel.clips.filter((x) => x.outcome === 'tp').length
      expect([tp / micro.positives, tp / sel.total]).toEqual([micro.recall[j], micro.precision[j]])
    })
    expect(runPrCurve(runId, 'test', null).positives).toBeGreaterThan(0)
    expect(() => runPrCurve(runId, 'val', 3)).toThrow(/class 3 is not a class index \(0\.\.2\)/)
    expect(() => checkParams('run.prCurve', { id: runId, classIndex: -1 })).toThrow(/classIndex/)
    expect(() => checkParams('run.prCurve', { id: runId })).toThrow(/classIndex/)
  })
})
