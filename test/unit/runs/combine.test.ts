// Checkpoint averaging and ensembles against reference computations done here by hand: the averaged
// weights are the float64 mean of the kept epochs' tensors; an averaged model's scores are what the
// model built from those weights gives; an ensemble's metrics are those of the mean of its members'
// stored scores; and scoring the best checkpoint again reproduces the run's own test mAP.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { checkpointDir, epochCheckpoints, loadPredictions, loadRun } from '../../../src/main/engine/runs/store'
import { readSafetensors } from '../../../src/main/engine/models/safetensors'
import { loadCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { clipMetrics } from '../../../src/main/engine/eval/metrics'
import { averageRun, averagedPredictions, averageWeights, listAverages } from '../../../src/main/engine/combine/average'
import { evaluateOnRun } from '../../../src/main/engine/combine/evaluate'
import { createEnsemble, listEnsembles } from '../../../src/main/engine/combine/ensemble'
import { registerCombine } from '../../../src/main/cli/commands/combine'
import type { CombinedModel } from '../../../src/shared/types'
import { runCli } from '../cliHarness'
import { tagFiles } from '../../../src/main/engine/infer/tag'
import { exportModelRef } from '../../../src/main/engine/infer/modelRef'
import { readOnnxMeta } from '../../../src/main/engine/infer/onnxExport'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

describe('checkpoint averaging and ensembles', () => {
  const fx = tinyDatasetFixture('combine')
  const runs: string[] = []

  it('keeps the last N epochs and averages their weights', async () => {
    for (const seed of [7, 8]) {
      const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 4, keepCheckpoints: 3, seed }))
      await trainRun(runId)
      runs.push(runId)
    }
    const id = runs[0]
    expect(epochCheckpoints(id).map((c) => c.epoch)).toEqual([2, 3, 4])
    await expect(averageRun(id, 4)).rejects.toThrow(/kept 3 epoch checkpoints \(epochs 2, 3, 4\), fewer than 4/)

    const avg = await averageRun(id, 3)
    const avgDir = avg.model!
    expect(avg.parts.map((p) => p.name)).toEqual(['epoch 2', 'epoch 3', 'epoch 4'])
    // Reference: the float64 mean of each tensor over the three epochs.
    const parts = epochCheckpoints(id).map((c) => readSafetensors(path.join(c.dir, 'model.safetensors')))
    const got = readSafetensors(path.join(avgDir, 'model.safetensors'))
    expect([...got.keys()].sort()).toEqual([...parts[0].keys()].sort())
    let maxErr = 0
    let moved = 0
    for (const [name, t] of got) {
      const arrs = parts.map((p) => p.get(name)!.data)
      for (let i = 0; i < t.data.length; i++) {
        const mean = (arrs[0][i] + arrs[1][i] + arrs[2][i]) / 3
        maxErr = Math.max(maxErr, Math.abs(t.data[i] - mean))
        if (arrs[0][i] !== arrs[2][i]) moved++
      }
    }
    expect(maxErr).toBeLessThan(1e-6)
    expect(moved).toBeGreaterThan(0)
    expect(averageWeights([epochCheckpoints(id)[0].dir]).get([...got.keys()][0])!.data).toEqual(parts[0].get([...got.keys()][0])!.data)

    // Its metrics are those of its own stored scores, and those scores are the averaged model's.
    const test = averagedPredictions(avgDir, 'test')!
    expect(avg.test!.mAP).toBe(clipMetrics(test.scores, test.targets, test.nClips, test.nClasses).mAP)
    const model = loadCheckpoint(avgDir)
    const again = await evaluateOnRun(id, model)
    model.dispose()
    expect(Array.from(again.test!.scores)).toEqual(Array.from(test.scores))
    expect(listAverages(id).map((a) => a.id)).toEqual([`${id}/last-3`])
  })

  it('scores the best checkpoint as the trainer tested it', async () => {
    const id = runs[0]
    const model = loadCheckpoint(checkpointDir(id, 'best'))
    const p = await evaluateOnRun(id, model)
    model.dispose()
    expect(Array.from(p.test!.scores)).toEqual(Array.from(loadPredictions(id, 'test')!.scores))
    expect(clipMetrics(p.test!.scores, p.test!.targets, p.test!.nClips, p.test!.nClasses).mAP).toBe(loadRun(id).test!.mAP)
  })

  it('ensembles runs and averaged models by the mean of their scores', () => {
    const avgDir = listAverages(runs[0])[0].model!
    const e = createEnsemble([runs[0], runs[1], avgDir], 'three')
    const members = [loadPredictions(runs[0], 'test')!, loadPredictions(runs[1], 'test')!, averagedPredictions(avgDir, 'test')!]
    // Reference: the mean score per clip and class, matched by file.
    const files = members[0].files
    const C = members[0].nClasses
    const mean = new Float64Array(files.length * C)
    files.forEach((f, i) =>
      members.forEach((m) => {
        const j = m.files.indexOf(f)
        for (let c = 0; c < C; c++) mean[i * C + c] += m.scores[j * C + c] / 3
      })
    )
    const ref = clipMetrics(mean, members[0].targets, files.length, C)
    expect(Math.abs(e.test!.mAP! - ref.mAP!)).toBeLessThan(1e-6)
    expect(Math.abs(e.test!.auc! - ref.auc!)).toBeLessThan(1e-6)
    expect(e.parts.map((p) => p.ref)).toEqual([runs[0], runs[1], avgDir])
    expect(e.parts[0].test!.mAP).toBe(loadRun(runs[0]).test!.mAP)
    expect(e.val).not.toBeNull()
    expect(e.model).toBe(`ensemble:${e.id}`)
    expect(listEnsembles().map((x) => x.id)).toEqual([e.id])
    expect(fs.existsSync(path.join(path.dirname(path.dirname(avgDir)), 'averaged'))).toBe(true)
    expect(() => createEnsemble([runs[0]])).toThrow(/at least 2 different models/)
    expect(() => createEnsemble([runs[0], 'nope-run'])).toThrow(/nope-run: no such run/)
  })

  it('tagbench average and ensemble print the combined model beside its parts', async () => {
    const avg = JSON.parse(await runCli([registerCombine], ['average', runs[1], '--last', '2', '--json'])) as CombinedModel
    expect(avg.parts.map((p) => p.name)).toEqual(['epoch 3', 'epoch 4'])
    const text = await runCli([registerCombine], ['ensemble', runs[0], runs[1], '--name', 'pair'])
    expect(text).toMatch(/^pair\n {2}model: ensemble:\S+\ntest: +mAP +AUC +micro-F1/)
    expect(text.trim().split('\n')).toHaveLength(6)
    await expect(runCli([registerCombine], ['average', runs[1], '--last', '0'])).rejects.toThrow(/--last must be a positive integer/)
    const listed = JSON.parse(await runCli([registerCombine], ['ensemble', '--list', '--json'])) as CombinedModel[]
    expect(listed.map((e) => e.name)).toContain('pair')
  })

  it('tags with an ensemble (one ONNX graph) as the mean of its members’ scores, and exports it', async () => {
    const e = createEnsemble([runs[0], runs[1]], 'to tag with')
    const file = path.join(fx.audioDir, 'audio', 'clip0.wav')
    const [ens, a, b] = await Promise.all([e.model!, runs[0], runs[1]].map((m) => tagFiles(m, [file], { topK: 3, engine: 'ort' })))
    expect(ens.labels).toEqual(a.labels)
    const score = (o: typeof a, label: string) => o.results[0].top.find((t) => t.label === label)!.score
    for (const t of ens.results[0].top) expect(t.score).toBeCloseTo((score(a, t.label) + score(b, t.label)) / 2, 5)
    const out = path.join(fx.audioDir, 'ensemble.onnx')
    const exported = await exportModelRef(e.model!, out)
    expect(exported.source).toBe('ensemble')
    expect(readOnnxMeta(out).labels).toEqual(a.labels)
    const again = await tagFiles(out, [file], { topK: 3, engine: 'ort' })
    expect(again.results[0].top).toEqual(ens.results[0].top)
  })
})
