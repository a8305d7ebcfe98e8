// Experiments: grid expansion (stride sets both strides, seeds and folds become axes), validation
// before anything is created, grid files in YAML and JSON, a real 2 × 2 grid trained through the
// queue, and results pooled over seeds as mean ± sample std of the runs' test mAP.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createExperiment, expandGrid, listExperiments, loadExperiment, readGridFile, runExperiment, type GridSpec } from '../../../src/main/engine/experiments/experiment'
import { PRESETS } from '../../../src/main/engine/runs/presets'
import { listRuns, loadRun, readRunConfig } from '../../../src/main/engine/runs/store'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { tempDir } from '../data/helpers'
import { experimentsDir } from '../../../src/main/engine/platform/paths'
import { tinyDatasetFixture, tinyRun } from './helpers'


describe('experiments', () => {
  const fx = tinyDatasetFixture('exp')

  it('expands axes × seeds, first axis slowest; stride sets both strides', () => {
    const spec: GridSpec = { name: 'g', base: { dataset: 'd', epochs: 1 }, axes: [{ key: 'stride', values: [16, 10] }, { key: 'frozen', values: [false, true] }], seeds: [1, 2] }
    const grid = expandGrid(spec)
    expect(grid).toHaveLength(8)
    expect(grid.map((g) => g.values)).toEqual([
      { stride: 16, frozen: false, seed: 1 },
      { stride: 16, frozen: false, seed: 2 },
      { stride: 16, frozen: true, seed: 1 },
      { stride: 16, frozen: true, seed: 2 },
      { stride: 10, frozen: false, seed: 1 },
      { stride: 10, frozen: false, seed: 2 },
      { stride: 10, frozen: true, seed: 1 },
      { stride: 10, frozen: true, seed: 2 }
    ])
    expect(grid[5].partial).toMatchObject({ dataset: 'd', epochs: 1, fstride: 10, tstride: 10, frozen: false, seed: 2, name: 'g: stride=10 frozen=false seed=2' })
    // ESC-50 cross-validation: fold 'all' is every fold of the dataset.
    expect(expandGrid({ name: 'cv', base: { dataset: 'd' }, axes: [{ key: 'fold', values: ['all'] }] }, [1, 2, 3, 4, 5]).map((g) => g.partial.fold)).toEqual([1, 2, 3, 4, 5])
    expect(() => expandGrid({ name: 'cv', base: { dataset: 'd' }, axes: [{ key: 'fold', values: ['all'] }] })).toThrow(/needs a dataset with folds/)
  })

  it('creates nothing when one run of the grid is invalid', () => {
    const before = listRuns().length
    expect(() => createExperiment({ name: 'bad', base: tinyRun(fx.datasetId), axes: [{ key: 'lr', values: [1e-3, -1] }] })).toThrow(/run "bad: lr=-1": Run config: lr must be positive/)
    expect(listRuns()).toHaveLength(before)
  })

  it('reads grid files in YAML and JSON, with presets, axis maps and overrides', () => {
    const dir = tempDir('grid')
    try {
      const yamlFile = path.join(dir.dir, 'grid.yaml')
      fs.writeFileSync(yamlFile, 'name: strides\npreset: overlap\ndataset: tiny\nbase:\n  epochs: 2\nseeds: [0, 1]\n')
      const y = readGridFile(yamlFile)
      expect(y).toMatchObject({ name: 'strides', seeds: [0, 1], axes: [{ key: 'stride', values: [16, 10] }] })
      expect(y.base).toMatchObject({ ...PRESETS.find((p) => p.id === 'overlap')!.base, epochs: 2, dataset: 'tiny' })
      const jsonFile = path.join(dir.dir, 'grid.json')
      fs.writeFileSync(jsonFile, JSON.stringify({ name: 'j', base: { lr: 1e-3 }, axes: { specAugment: [true, false] } }))
      expect(readGridFile(jsonFile, { dataset: 'other', parallel: 2 })).toEqual({ name: 'j', base: { lr: 1e-3, dataset: 'other' }, axes: [{ key: 'specAugment', values: [true, false] }], parallel: 2 })
      fs.writeFileSync(jsonFile, '{ not json')
      expect(() => readGridFile(jsonFile)).toThrow(/grid\.json is not valid JSON/)
      expect(() => readGridFile(path.join(dir.dir, 'missing.yaml'))).toThrow(/Cannot read .*missing\.yaml: ENOENT/)
    } finally {
      dir.cleanup()
    }
  })

  it('trains a 2 strides × 2 seeds grid through its queue and pools seeds in the results', async () => {
    const exp = createExperiment({ name: 'strides', base: tinyRun(fx.datasetId, { epochs: 2, targetLength: 64 }), axes: [{ key: 'stride', values: [16, 12] }], seeds: [3, 4] })
    expect(exp.runIds).toHaveLength(4)
    expect(readRunConfig(exp.runIds[2])).toMatchObject({ fstride: 12, tstride: 12, seed: 3 })
    expect(loadRun(exp.runIds[0])).toMatchObject({ status: 'queued', experiment: exp.id })
    const started: [string, boolean][] = []
    const changes: string[] = []
    const summary = await runExperiment(exp.id, (runId, resume) => {
      started.push([runId, resume])
      return resume ? resumeRun(runId) : trainRun(runId)
    }, { onChange: (id) => changes.push(id) })
    expect(started).toEqual(exp.runIds.map((r) => [r, false]))
    expect(summary.status).toBe('done')
    expect(loadExperiment(exp.id).status).toBe('done')
    expect(changes.length).toBeGreaterThanOrEqual(4)

    const results = summary.results!
    expect(results.map((c) => c.values)).toEqual([{ stride: 16 }, { stride: 12 }])
    for (const [k, cell] of results.entries()) {
      const maps = exp.runIds.slice(2 * k, 2 * k + 2).map((id) => loadRun(id).test!.mAP!)
      const m = (maps[0] + maps[1]) / 2
      expect(cell).toMatchObject({ metric: 'mAP', n: 2, runIds: exp.runIds.slice(2 * k, 2 * k + 2) })
      expect(cell.mean).toBeCloseTo(m, 12)
      // Sample std of two values: |a − b| / √2.
      expect(cell.std).toBeCloseTo(Math.abs(maps[0] - maps[1]) / Math.SQRT2, 12)
    }
    expect(listExperiments().map((e) => e.id)).toContain(exp.id)

    // A second pass has nothing left to do.
    started.length = 0
    await runExperiment(exp.id, async (runId) => started.push([runId, false]))
    expect(started).toEqual([])
  })

  it('an experiment marked running by this process, with no queue here, is interrupted (a reused pid)', () => {
    const exp = createExperiment({ name: 'reused pid', base: tinyRun(fx.datasetId, { epochs: 1 }), axes: [] })
    const file = path.join(experimentsDir(), exp.id, 'experiment.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), status: 'running', owner: { pid: process.pid, hostname: os.hostname() } }))
    expect(listExperiments().find((e) => e.id === exp.id)?.status).toBe('interrupted')
  })

  it('runs `parallel` at a time, each in its own slot (one GPU per slot), never two in one slot', async () => {
    const exp = createExperiment({ name: 'slots', base: tinyRun(fx.datasetId, { epochs: 1 }), axes: [{ key: 'seed', values: [1, 2, 3, 4, 5] }], parallel: 2 })
    const busy = new Set<number>()
    const slots: number[] = []
    let most = 0
    await runExperiment(exp.id, async (_runId, _resume, slot) => {
      expect(busy.has(slot)).toBe(false)
      busy.add(slot)
      slots.push(slot)
      most = Math.max(most, busy.size)
      // Uneven lengths, so the slots finish out of step.
      await new Promise((r) => setTimeout(r, 10 + 20 * slots.length))
      busy.delete(slot)
    })
    expect(slots).toHaveLength(5)
    expect(new Set(slots)).toEqual(new Set([0, 1]))
    expect(most).toBe(2)
  })
})
