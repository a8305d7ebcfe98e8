// The recipe through the API (the experiment form's RecipeReasons) and in a new run's log.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type Service } from '../../../src/main/service/index'
import { createJobManager, type JobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { RECIPE_FIELDS, type RecipeChoice } from '../../../src/shared/api'
import { tinyDatasetFixture } from './helpers'

let service: Service
let jobs: JobManager

describe('model.recipe', () => {
  const fx = tinyDatasetFixture('recipe-svc')
  beforeAll(() => {
    jobs = createJobManager(forkLauncher, () => {})
    service = createService({ transport: 'websocket', jobs, emit: () => {} })
  })
  afterAll(() => jobs.shutdown())

  it('gives every recipe field with its rule; fields the caller sets are theirs', async () => {
    // 30 clips, 21 for training: batch 8 makes 3 steps per epoch, so the epoch cap (30) holds.
    const r = (await service.handle('model.recipe', { dataset: fx.datasetId, lr: 3e-4 })) as RecipeChoice[]
    expect(r.map((c) => c.field)).toEqual([...RECIPE_FIELDS])
    const by = Object.fromEntries(r.map((c) => [c.field, c]))
    expect(by.batchSize).toMatchObject({ value: 8, rule: 'batch-small-set', source: 'rule' })
    expect(by.epochs).toMatchObject({ value: 30, rule: 'epochs-steps', source: 'rule' })
    expect(by.epochs.reason).toMatch(/21 clips at batch 8 make 3 per epoch/)
    expect(by.lr).toMatchObject({ value: 3e-4, source: 'user' })
    // A frozen pretrained start changes the learning-rate rule (here from an earlier run id that does not exist: refused by name).
    await expect(service.handle('model.recipe', { dataset: fx.datasetId, pretrained: { kind: 'run', runId: 'nope' } })).rejects.toThrow(/nope/)
    await expect(service.handle('model.recipe', { dataset: fx.datasetId, epochz: 3 })).rejects.toThrow(/epochz/)
  })

  it("writes the recipe into a new run's log", () => {
    const { runId, recipe } = createTrainingRun({ dataset: fx.datasetId, model: 'ast', depth: 1, melBins: 32, targetLength: 48, epochs: 2 })
    expect(recipe.find((c) => c.field === 'epochs')).toMatchObject({ value: 2, source: 'user' })
    const log = fs.readFileSync(path.join(process.env.TAGBENCH_DATA_DIR!, 'runs', runId, 'log.txt'), 'utf8')
    expect(log).toMatch(/Recipe \(which rule set each value/)
    expect(log).toMatch(/batchSize 8: 21 training clips .*\[batch-small-set\]/)
    expect(log).toMatch(/epochs 2: set by you/)
  })
})
