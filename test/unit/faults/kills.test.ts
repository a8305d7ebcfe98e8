// Fault injection: a training job killed with SIGKILL at named points of a run (TAGBENCH_FAULT, see
// src/main/engine/control/faults.ts) and the parent of a job killed while it trains. After each, the run must
// still be listed, resume, and end with every step and every epoch in its metrics exactly once: no
// run lost, no epoch lost. A tiny AST (1 block, 6 patches) on 30 half-second clips keeps it quick;
// the kills happen at points, never after a time, so the load on the machine cannot change them.
import { afterAll, describe, expect, it } from 'vitest'
import { fork } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createJobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { listRuns, loadRun, readMetrics, readRunState } from '../../../src/main/engine/runs/store'
import { clearCache } from '../../../src/main/engine/audio/cacheAdmin'
import { dataDir } from '../../../src/main/engine/platform/paths'
import { loadDataset } from '../../../src/main/engine/data/record'
import { clipSets } from '../../../src/main/engine/train/data'
import { stepLayout } from '../../../src/main/engine/train/sampler'
import type { MetricEntry } from '../../../src/shared/api'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

const fx = tinyDatasetFixture('faults-kill')
const EPOCHS = 2
const RUN = { epochs: EPOCHS, batchSize: 4, checkpointEverySteps: 2, dropout: 0.1 }

/** Polls `ok` every 50 ms; a generous limit, since only a stuck job should reach it. */
async function until(ok: () => boolean, what: string, limitS = 240): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i * 0.05 > limitS) throw new Error(`not within ${limitS} s: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Whether a process runs (a zombie, ended but not yet reaped by its new parent, does not). */
function processLives(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

/** What the suite saw, for the closing note (printed at the end). */
const tally = { killPoints: 0, runsLost: 0, epochsLost: 0 }
afterAll(() => console.log(`Fault suite: ${tally.killPoints} kill points tried, runs lost: ${tally.runsLost}, epochs lost: ${tally.epochsLost}`))

/** Optimizer steps of a whole run, from the sampler's own layout of the training split. */
const stepsPerRun = (): number => EPOCHS * stepLayout(clipSets(loadDataset(fx.datasetId)).train.n, RUN.batchSize, 1).stepsPerEpoch

/** Every step and epoch once and in order, one test entry; counts what is lost into the tally. */
function expectIntact(runId: string): void {
  const entries: MetricEntry[] = readMetrics(runId)
  const epochs = entries.filter((e) => e.kind === 'epoch').map((e) => e.epoch)
  tally.epochsLost += EPOCHS - new Set(epochs).size
  expect(epochs).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1))
  expect(entries.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual(Array.from({ length: stepsPerRun() }, (_, i) => i + 1))
  expect(entries.filter((e) => e.kind === 'test')).toHaveLength(1)
  const run = loadRun(runId)
  expect(run.status).toBe('done')
  expect(run.epochsDone).toBe(EPOCHS)
}

const jobSpec = (runId: string, fault: string) => ({
  kind: 'train' as const,
  runner: 'train',
  label: `train ${runId}`,
  params: { runId },
  env: { TAGBENCH_DATA_DIR: dataDir(), TAGBENCH_FAULT: fault }
})

/** Train `runId` in a job process that kills itself at `fault`; the job must die by SIGKILL. */
async function killedAt(runId: string, fault: string): Promise<void> {
  const jobs = createJobManager(forkLauncher, () => undefined)
  try {
    await expect(jobs.start(jobSpec(runId, fault), { runId }).done).rejects.toThrow(/SIGKILL/)
  } finally {
    jobs.shutdown()
  }
  tally.killPoints++
  const listed = listRuns().find((r) => r.id === runId)
  if (!listed) tally.runsLost++
  expect(listed?.status).toBe('interrupted')
}

// Generous limits: each kill starts a job process (tsx), which a loaded machine makes slow, never wrong.
describe('kills at named points of a run', () => {
  it('an uninterrupted run sets the expected history', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, RUN))
    await trainRun(runId)
    expect(stepsPerRun()).toBeGreaterThanOrEqual(EPOCHS * 4)
    expectIntact(runId)
  })

  // Each point, and which time it is reached (epoch ends write best then last; last also every 2 steps).
  const POINTS = [
    ['features@4', 'feature extraction: after 4 files of the cache were written'],
    ['step@7', 'mid-step in epoch 2, between micro-batch and optimizer update'],
    ['checkpoint@3', 'mid-checkpoint: the folder written, not yet swapped in'],
    ['checkpoint-swap@5', 'between the two renames of a checkpoint swap'],
    ['after-checkpoint@1', "between epoch 1's checkpoint and its metrics entry"],
    ['after-checkpoint@2', "between the last epoch's checkpoint and its metrics entry"]
  ] as const

  for (const [point, what] of POINTS) {
    it(`${point} (${what}): resumes with no epoch lost`, async () => {
      // Extraction must have files to compute for its point to be reached.
      if (point.startsWith('features')) await clearCache()
      const { runId } = createTrainingRun(tinyRun(fx.datasetId, RUN))
      await killedAt(runId, `point:${point}`)
      await resumeRun(runId)
      expectIntact(runId)
      if (point.startsWith('after-checkpoint')) expect(loadRun(runId).log.some((l) => /Restored the metrics entry of epoch \d from its checkpoint/.test(l))).toBe(true)
    })
  }

  it('parent death: the job stops cleanly, checkpoints where it stopped, and resumes with no epoch lost', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, RUN))
    // The job holds in its 5th step until its parent is gone: the kill lands mid-training, and the
    // job then stops at that step boundary (4, or 5 when the step was whole) with a checkpoint.
    const parent = fork(path.join(__dirname, 'helpers', 'parent.ts'), [runId], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TAGBENCH_DATA_DIR: dataDir(), TAGBENCH_FAULT: 'pause:step@5' },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc']
    })
    const jobPid = await new Promise<number>((resolve, reject) => {
      parent.once('message', (m: { pid: number }) => resolve(m.pid))
      parent.once('exit', (code) => reject(new Error(`the parent exited early (${code})`)))
    })
    // Wait for the pause: the job has trained 4 steps.
    await until(() => readMetrics(runId).filter((e) => e.kind === 'step').length >= 4, 'the job reached step 4')
    parent.kill('SIGKILL')
    tally.killPoints++
    // The orphaned job notices, checkpoints, says so in the log, and exits.
    await until(() => loadRun(runId).log.some((l) => /Cancelled at step/.test(l)), 'the orphaned job logged its cancel')
    const log = loadRun(runId).log.join('\n')
    expect(log).toMatch(/The app or CLI that started this training has gone\. Cancelled at step [45]: a checkpoint was written there/)
    expect(readRunState(runId).status).toBe('cancelled')
    await until(() => !processLives(jobPid), 'the orphaned job exited')
    if (!listRuns().some((r) => r.id === runId)) tally.runsLost++
    await resumeRun(runId)
    expectIntact(runId)
  })
})
