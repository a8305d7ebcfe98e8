// Interruption and resume: a training job process killed with SIGKILL in the middle of an epoch is
// resumed from its last checkpoint and finishes with an intact metrics history (every step and epoch
// once, in order) and the same losses as an uninterrupted run with the same seed (dropout masks
// included); a cancelled run
// keeps its checkpoint and resumes the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { createJobManager } from '../../../src/main/jobs/manager'
import { forkLauncher, type JobProcess } from '../../../src/main/jobs/launcher'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { loadTrainingCheckpoint } from '../../../src/main/engine/train/state'
import { checkpointDir, listRuns, loadRun, readMetrics } from '../../../src/main/engine/runs/store'
import { dataDir } from '../../../src/main/engine/platform/paths'
import type { ApiEvent, MetricEntry } from '../../../src/shared/api'
import { tempDir } from '../data/helpers'
import { importTinyDataset, tinyRun, writeTinyDataset } from './helpers'

// 28 training clips in batches of 2: 14 steps per epoch, 42 in all; ckpt/last every 4 steps. Dropout
// and drop-path are on, so a resume must also draw the same masks to give the same losses.
const RUN = { melBins: 64, targetLength: 160, batchSize: 2, epochs: 3, checkpointEverySteps: 4, dropout: 0.1, dropPath: 0.1 }
const STEPS = 42

let data: { dir: string; cleanup: () => void }
let audio: { dir: string; cleanup: () => void }
let datasetId: string
let reference: MetricEntry[]

/** Every step and epoch exactly once and in order, and one test entry at the end. */
function expectIntactHistory(entries: MetricEntry[]): void {
  const steps = entries.filter((e) => e.kind === 'step').map((e) => e.step)
  expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1))
  expect(entries.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3])
  expect(entries.filter((e) => e.kind === 'test')).toHaveLength(1)
  // The file order is the training order: step numbers never go back.
  const order = entries.filter((e) => e.kind !== 'test').map((e) => e.step)
  for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1])
}

/** Same losses and learning rates step by step as the uninterrupted run (float32 round-off aside). */
function expectSameTraining(entries: MetricEntry[]): void {
  const got = entries.filter((e) => e.kind === 'step')
  const want = reference.filter((e) => e.kind === 'step')
  got.forEach((e, i) => {
    expect(e.lr).toBeCloseTo(want[i].lr!, 12)
    expect(Math.abs(e.loss! - want[i].loss!)).toBeLessThan(1e-4)
  })
  const valMap = (m: MetricEntry[]) => m.filter((e) => e.kind === 'epoch').map((e) => e.mAP!)
  valMap(entries).forEach((v, i) => expect(v).toBeCloseTo(valMap(reference)[i], 4))
}

describe('resume after kill -9 and after cancel', () => {
  beforeAll(async () => {
    data = tempDir('train-data')
    audio = tempDir('train-audio')
    process.env.TAGBENCH_DATA_DIR = data.dir
    await initBackend('wasm')
    writeTinyDataset(audio.dir, 40, 1.6)
    datasetId = (await importTinyDataset(audio.dir)).id
    const { runId } = createTrainingRun(tinyRun(datasetId, RUN))
    await trainRun(runId)
    reference = readMetrics(runId)
    expectIntactHistory(reference)
  })

  afterAll(() => {
    data.cleanup()
    audio.cleanup()
  })

  it('a job killed mid-epoch resumes from ckpt/last and completes with its history intact', async () => {
    const { runId } = createTrainingRun(tinyRun(datasetId, RUN))
    let proc: JobProcess | null = null
    let killedAfter = 0
    const onEvent = (e: ApiEvent) => {
      if (e.type !== 'run.metrics' || e.runId !== runId || !proc) return
      const step = e.entries.find((m) => m.kind === 'step')?.step ?? 0
      // Step 18 is in the middle of epoch 2, two steps after the checkpoint at step 16.
      if (step >= 18 && killedAfter === 0) {
        killedAfter = step
        proc.kill()
      }
    }
    const jobs = createJobManager((name, o) => (proc = forkLauncher(name, o)), onEvent)
    const spec = { kind: 'train' as const, runner: 'train', label: `train ${runId}`, env: { TAGBENCH_DATA_DIR: dataDir() } }
    const first = jobs.start({ ...spec, params: { runId } }, { runId })
    await expect(first.done).rejects.toThrow(/SIGKILL/)
    expect(jobs.get(first.jobId)).toMatchObject({ state: 'failed', failure: 'killed' })
    expect(killedAfter).toBeGreaterThanOrEqual(18)

    // The run is reported interrupted (its process is gone) and holds a mid-epoch checkpoint.
    expect(listRuns().find((r) => r.id === runId)?.status).toBe('interrupted')
    const saved = loadTrainingCheckpoint(runId)!
    expect(saved.state.step % 4).toBe(0)
    expect(saved.state.step).toBeGreaterThanOrEqual(16)
    expect(saved.state.step).toBeLessThan(STEPS)
    // The killed process wrote steps after that checkpoint; they are in the file until the resume.
    expect(Math.max(...readMetrics(runId).map((e) => e.step))).toBeGreaterThan(saved.state.step)

    const second = jobs.start({ ...spec, params: { runId, resume: true } }, { runId })
    await second.done
    const entries = readMetrics(runId)
    expectIntactHistory(entries)
    expectSameTraining(entries)
    const run = loadRun(runId)
    expect(run.status).toBe('done')
    expect(run.epochsDone).toBe(3)
    expect(run.log.some((l) => /Resuming from step \d+/.test(l))).toBe(true)
    expect(run.test?.mAP).toBeCloseTo(loadRun(listRuns().find((r) => r.id !== runId && r.status === 'done')!.id).test!.mAP!, 4)
    jobs.shutdown()
  })

  it('cancelling keeps the checkpoint; resume continues from the step it stopped at', async () => {
    const { runId } = createTrainingRun(tinyRun(datasetId, RUN))
    const abort = new AbortController()
    const emit = (e: ApiEvent) => {
      if (e.type === 'run.metrics' && e.entries.some((m) => m.kind === 'step' && m.step === 23)) abort.abort()
    }
    await expect(trainRun(runId, { emit, signal: abort.signal })).rejects.toThrow(/cancelled/)
    expect(loadRun(runId).status).toBe('cancelled')
    // Cancelling checkpoints exactly where it stopped (not a multiple of 4), with the optimizer state.
    const saved = loadTrainingCheckpoint(runId)!
    expect(saved.state.step).toBe(23)
    expect(saved.optimizer?.step).toBe(23)
    expect(fs.existsSync(checkpointDir(runId, 'best'))).toBe(true)
    await resumeRun(runId)
    const entries = readMetrics(runId)
    expectIntactHistory(entries)
    expectSameTraining(entries)
    await expect(resumeRun(runId)).rejects.toThrow(/already finished/)
  })
})
