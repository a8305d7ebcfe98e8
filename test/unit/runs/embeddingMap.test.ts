// The embedding map of a run's dataset: every clip placed once with its split and labels, the model's
// top class agreeing with the run's stored test predictions, the same map for the same seed, and a
// map from a model whose labels are not the dataset's (a pretrained checkpoint) without outcomes.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { checkpointDir, loadPredictions } from '../../../src/main/engine/runs/store'
import { loadDataset } from '../../../src/main/engine/data/record'
import { computeEmbeddingMap, embeddingMapFile, project, readEmbeddingMap } from '../../../src/main/engine/explore/embeddingMap'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

describe('embedding map', () => {
  const fx = tinyDatasetFixture('embedmap')

  it('maps every clip of a run’s dataset, with outcomes that agree with its predictions', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 2 }))
    await trainRun(runId)
    const map = await computeEmbeddingMap({ model: runId, dataset: fx.datasetId })
    const record = loadDataset(fx.datasetId)
    expect(map.points.map((p) => p.file).sort()).toEqual(record.files.map((f) => f.path).sort())
    expect(map.dim).toBe(192)
    for (const p of map.points) {
      const f = record.files.find((x) => x.path === p.file)!
      expect(p.split).toBe(f.split)
      expect([...p.labels].sort()).toEqual([...f.labels].sort())
      expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true)
      expect(typeof p.correct).toBe('boolean')
    }
    // The top class of each test clip is the argmax of the run's stored test scores (same checkpoint, same input).
    const test = loadPredictions(runId, 'test')!
    test.files.forEach((file, i) => {
      const row = Array.from(test.scores.subarray(i * test.nClasses, (i + 1) * test.nClasses))
      expect(map.points.find((p) => p.file === file)!.predicted).toBe(record.classNames[row.indexOf(Math.max(...row))])
    })
    expect(readEmbeddingMap(runId, fx.datasetId)).toEqual(map)
    expect(embeddingMapFile(runId, fx.datasetId)).toContain(runId)

    // A checkpoint folder is a pretrained model here: other labels, so no outcomes, and its map is kept apart.
    const ckpt = checkpointDir(runId, 'best')
    const cfgFile = `${ckpt}/config.json`
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'))
    cfg.labels = cfg.labels.map((l: string) => `other-${l}`)
    fs.writeFileSync(cfgFile, JSON.stringify(cfg))
    const other = await computeEmbeddingMap({ model: ckpt, dataset: fx.datasetId })
    expect(other.points.every((p) => p.predicted === null && p.correct === null)).toBe(true)
    expect(embeddingMapFile(ckpt, fx.datasetId)).not.toBe(embeddingMapFile(runId, fx.datasetId))
  })

  it('UMAP keeps clusters apart and is the same for the same seed', () => {
    const pts: number[][] = []
    for (let i = 0; i < 40; i++) pts.push(Array.from({ length: 8 }, (_, k) => (i < 20 ? 0 : 10) + Math.sin(i * 7 + k)))
    const a = project(pts, 1)
    expect(project(pts, 1)).toEqual(a)
    const mean = (xs: number[][]) => [xs.reduce((s, p) => s + p[0], 0) / xs.length, xs.reduce((s, p) => s + p[1], 0) / xs.length]
    const [m1, m2] = [mean(a.slice(0, 20)), mean(a.slice(20))]
    const spread = Math.max(...a.slice(0, 20).map((p) => Math.hypot(p[0] - m1[0], p[1] - m1[1])))
    expect(Math.hypot(m1[0] - m2[0], m1[1] - m2[1])).toBeGreaterThan(spread)
    expect(project([[1, 2]], 0)).toEqual([[0, 0]])
  })
})
