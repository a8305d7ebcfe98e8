// Fault injection: a training job killed with SIGKILL at named points of a run (TAGBENCH_FAULT, see
// src/main/engine/faults.ts) and the parent of a job killed while it trains. After each, the run must
// still be listed, resume, and end with every step and every epoch in its metrics exactly once: no
// run lost, no epoch lost. A tiny AST (1 block, 6 patches) on 30 half-second clips keeps it quick;
// the kills happen at points, never after a time, so the load on the machine cannot change them.
import { afterAll, describe, expect, it } from 'vitest'
import { fork } from 'node:child_process'
import path from 'node:path'
import { createJobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { listRuns, loadRun, readMetrics, readRunState } from '../../../src/main/engine/runs/store'
import { clearCache } from '../../../src/main/engine/audio/cacheAdmin'
import { dataDir } from '../../../src/main/engine/paths'
import type { MetricEntry } from '../../../src/shared/api'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

const fx = tinyDatasetFixture('faults-kill')
const EPOCHS = 2
const RUN = { epochs: EPOCHS, batchSize: 4, checkpointEverySteps: 2, dropout: 0.1 }

/** What the suite saw, for the closing note (printed at the end). */
const tally = { killPoints: 0, runsLost: 0, epochsLost: 0 }
afterAll(() => console.log(`Fault suite: ${tally.killPoints} kill points tried, runs lost: ${tally.runsLost}, epochs lost: ${tally.epochsLost}`))

let stepsPerRun = 0

/** Every step and epoch once and in order, one test entry; counts what is lost into the tally. */
function expectIntact(runId: string): void {
  const entries: MetricEntry[] = readMetrics(runId)
  const epochs = entries.filter((e) => e.kind === 'epoch').map((e) => e.epoch)
  tally.epochsLost += EPOCHS - new Set(epochs).size
  expect(epochs).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1))
  expect(entries.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual(Array.from({ length: stepsPerRun }, (_, i) => i + 1))
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
describe('kills at named points of a run', { timeout: 300_000 }, () => {
  it('an uninterrupted run sets the expected history', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, RUN))
    await trainRun(runId)
    stepsPerRun = Math.max(...readMetrics(runId).filter((e) => e.kind === 'step').map((e) => e.step))
    expect(stepsPerRun).toBeGreaterThanOrEqual(EPOCHS * 4)
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
    await new Promise<void>((resolve, reject) => {
      parent.once('message', () => resolve())
      parent.once('exit', (code) => reject(new Error(`the parent exited early (${code})`)))
    })
    // Wait for the pause: the job has trained 4 steps.
    for (let i = 0; readMetrics(runId).filter((e) => e.kind === 'step').length < 4; i++) {
      if (i > 4800) throw new Error('the job did not reach step 4 in 240 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    parent.kill('SIGKILL')
    tally.killPoints++
    for (let i = 0; readRunState(runId).status !== 'cancelled'; i++) {
      if (i > 4800) throw new Error(`the orphaned job did not stop in 240 s (status ${readRunState(runId).status})`)
      await new Promise((r) => setTimeout(r, 50))
    }
    const log = loadRun(runId).log.join('\n')
    expect(log).toMatch(/The app or CLI that started this training has gone\. Cancelled at step [45]: a checkpoint was written there/)
    if (!listRuns().some((r) => r.id === runId)) tally.runsLost++
    // The job process gives up its lock as it ends; wait for that before resuming.
    for (let i = 0; ; i++) {
      try {
        await resumeRun(runId)
        break
      } catch (err) {
        if (!/still running/.test((err as Error).message) || i > 4800) throw err
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    expectIntact(runId)
  })
})
