// The run.*, experiment.* and model.* requests through the service, with training in real job
// processes: start, follow events, read metrics and thresholds, export, cancel, resume, delete, and an
// experiment queue of two runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createService, type Service } from '../../../src/main/service/index'
import { createJobManager, type JobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import type { ApiEvent, CostEstimate, ExperimentSummary, JobProgress, MetricEntry, RunRecord, RunSummary, ThresholdComparison } from '../../../src/shared/api'
import { tinyDatasetFixture, tinyRun } from './helpers'
import { HANG_MS } from '../../limits'

let service: Service
let jobs: JobManager
const events: ApiEvent[] = []

/** Resolves once an event matching `pred` has been seen. */
function waitFor(pred: (e: ApiEvent) => boolean, timeoutMs = HANG_MS): Promise<ApiEvent> {
  return new Promise((resolve, reject) => {
    const found = events.find(pred)
    if (found) return resolve(found)
    const timer = setTimeout(() => reject(new Error('timed out waiting for an event')), timeoutMs)
    const poll = setInterval(() => {
      const hit = events.find(pred)
      if (hit) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(hit)
      }
    }, 50)
  })
}

const jobEnded = (jobId: string) => (e: ApiEvent) => e.type === 'job.progress' && e.job.jobId === jobId && ['done', 'failed', 'cancelled'].includes(e.job.state)

describe('run and experiment requests', () => {
  const fx = tinyDatasetFixture('svc')
  beforeAll(() => {
    jobs = createJobManager(forkLauncher, (e) => events.push(e))
    service = createService({ transport: 'websocket', jobs, emit: (e) => events.push(e) })
  })

  afterAll(() => jobs.shutdown())

  it('lists model choices and estimates a config against its dataset', async () => {
    const choices = (await service.handle('model.choices', undefined)) as { id: string }[]
    expect(choices.map((c) => c.id)).toContain('ast-tiny')
    const est = (await service.handle('model.estimate', tinyRun(fx.datasetId))) as CostEstimate
    expect(est).toMatchObject({ fDim: 2, tDim: 3, tokens: 6 })
    expect(est.secondsPerEpoch).toBeGreaterThan(0)
    await expect(service.handle('model.estimate', tinyRun('no-such-dataset'))).rejects.toThrow(/No dataset "no-such-dataset"/)
  })

  it('starts a run as a job, streams its metrics, and serves its results', async () => {
    const { runId, jobId } = (await service.handle('run.start', tinyRun(fx.datasetId, { epochs: 2 }))) as { runId: string; jobId: string }
    const end = (await waitFor(jobEnded(jobId))) as { job: JobProgress }
    expect(end.job).toMatchObject({ state: 'done', runId, kind: 'train' })
    const streamed = events.filter((e) => e.type === 'run.metrics' && e.runId === runId).flatMap((e) => (e as { entries: MetricEntry[] }).entries)
    const stored = (await service.handle('run.metrics', { id: runId })) as MetricEntry[]
    expect(streamed).toEqual(stored)
    expect((await service.handle('run.metrics', { id: runId, since: stored.length - 1 })) as MetricEntry[]).toEqual([stored[stored.length - 1]])
    const run = (await service.handle('run.get', { id: runId })) as RunRecord
    expect(run).toMatchObject({ status: 'done', epochsDone: 2 })
    expect(run.testPredictions!.files.length).toBe(3)
    expect(((await service.handle('run.list', undefined)) as RunSummary[]).map((r) => r.id)).toContain(runId)
    const th = (await service.handle('run.thresholds', { id: runId })) as ThresholdComparison
    expect(th.methods).toHaveLength(3)
    const { path: csv } = (await service.handle('run.exportMetrics', { id: runId, format: 'csv' })) as { path: string }
    expect(fs.readFileSync(csv, 'utf8').split('\n').length).toBeGreaterThan(stored.length)
    await expect(service.handle('run.resume', { id: runId })).rejects.toThrow(/already finished/)
    await service.handle('run.delete', { id: runId })
    await expect(service.handle('run.get', { id: runId })).rejects.toThrow(/Cannot read/)
  })

  it('cancels a running job (run ends cancelled with its checkpoint) and resumes it', async () => {
    const { runId, jobId } = (await service.handle('run.start', tinyRun(fx.datasetId, { epochs: 30 }))) as { runId: string; jobId: string }
    await waitFor((e) => e.type === 'run.metrics' && e.runId === runId && e.entries.some((m) => m.kind === 'epoch'))
    expect(await service.handle('run.cancel', { id: runId })).toEqual({ ok: true })
    await waitFor(jobEnded(jobId))
    expect(jobs.get(jobId)?.state).toBe('cancelled')
    const cancelled = (await service.handle('run.get', { id: runId })) as RunRecord
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.epochsDone).toBeLessThan(30)
    const { jobId: second } = (await service.handle('run.resume', { id: runId })) as { jobId: string }
    await waitFor((e) => e.type === 'run.metrics' && e.runId === runId && e.entries.some((m) => m.kind === 'epoch' && m.epoch > cancelled.epochsDone))
    await service.handle('run.cancel', { id: runId })
    await waitFor(jobEnded(second))
    const steps = ((await service.handle('run.metrics', { id: runId })) as MetricEntry[]).filter((m) => m.kind === 'step').map((m) => m.step)
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1))
  })

  it('runs an experiment queue of two runs and reports its results', async () => {
    const presets = (await service.handle('experiment.presets', undefined)) as { id: string }[]
    expect(presets.map((p) => p.id)).toEqual(expect.arrayContaining(['quick', 'overlap', 'pretrained-vs-scratch', 'frozen-vs-finetuned', 'tiny-vs-small', 'augmentation']))
    const started = (await service.handle('experiment.start', { name: 'svc', base: tinyRun(fx.datasetId, { epochs: 1 }), axes: [{ key: 'specAugment', values: [true, false] }] })) as ExperimentSummary
    expect(started.runIds).toHaveLength(2)
    const isDone = async () => ((await service.handle('experiment.list', undefined)) as ExperimentSummary[]).find((e) => e.id === started.id)!.status === 'done'
    const t0 = Date.now()
    while (!(await isDone())) {
      if (Date.now() - t0 > HANG_MS) throw new Error('experiment did not finish')
      await new Promise((r) => setTimeout(r, 250))
    }
    const exp = ((await service.handle('experiment.list', undefined)) as ExperimentSummary[]).find((e) => e.id === started.id)!
    expect(exp.results!.map((c) => [c.values, c.n])).toEqual([[{ specAugment: true }, 1], [{ specAugment: false }, 1]])
    expect(events.some((e) => e.type === 'experiment.changed' && e.id === started.id)).toBe(true)
  })

  const experimentOf = async (id: string) => ((await service.handle('experiment.list', undefined)) as ExperimentSummary[]).find((e) => e.id === id)!
  async function waitForStatus(id: string, status: ExperimentSummary['status'], timeoutMs = HANG_MS): Promise<ExperimentSummary> {
    const t0 = Date.now()
    for (;;) {
      const exp = await experimentOf(id)
      if (exp.status === status) return exp
      if (Date.now() - t0 > timeoutMs) throw new Error(`experiment ${id} is ${exp.status}, not ${status}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  const runOf = async (id: string) => (await service.handle('run.get', { id })) as RunRecord

  it('cancels an experiment (the running run checkpointed, the next one never started) and resumes it to the end', async () => {
    const started = (await service.handle('experiment.start', { name: 'stop', base: tinyRun(fx.datasetId, { epochs: 20 }), axes: [{ key: 'specAugment', values: [true, false] }] })) as ExperimentSummary
    const [first, second] = started.runIds
    await waitFor((e) => e.type === 'run.metrics' && e.runId === first && e.entries.some((m) => m.kind === 'epoch'))
    expect(await service.handle('experiment.cancel', { id: started.id })).toEqual({ ok: true })
    await waitForStatus(started.id, 'cancelled')
    const stopped = await runOf(first)
    expect(stopped.status).toBe('cancelled')
    expect(stopped.epochsDone).toBeGreaterThanOrEqual(1)
    expect(stopped.epochsDone).toBeLessThan(20)
    // The queue did not move on to the second run when the first was cancelled.
    expect(await runOf(second)).toMatchObject({ status: 'cancelled', epochsDone: 0 })
    expect(jobs.list().some((j) => j.runId === second)).toBe(false)
    expect(await service.handle('experiment.cancel', { id: started.id })).toEqual({ ok: false })

    const resumed = (await service.handle('experiment.resume', { id: started.id })) as ExperimentSummary
    expect(resumed.status).toBe('running')
    await expect(service.handle('experiment.resume', { id: started.id })).rejects.toThrow(/already running/)
    await expect(service.handle('experiment.delete', { id: started.id })).rejects.toThrow(/is running; cancel it first/)
    // The refused second start left the running queue stoppable.
    await waitFor((e) => e.type === 'run.metrics' && e.runId === second && e.entries.some((m) => m.kind === 'epoch'))
    expect(await service.handle('experiment.cancel', { id: started.id })).toEqual({ ok: true })
    await waitForStatus(started.id, 'cancelled')
    await service.handle('experiment.resume', { id: started.id })
    const done = await waitForStatus(started.id, 'done')
    for (const id of started.runIds) {
      expect(await runOf(id)).toMatchObject({ status: 'done', epochsDone: 20 })
      const steps = ((await service.handle('run.metrics', { id })) as MetricEntry[]).filter((m) => m.kind === 'step').map((m) => m.step)
      expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1))
    }
    expect(done.results!.every((c) => c.n === 1)).toBe(true)
    await expect(service.handle('experiment.resume', { id: started.id })).rejects.toThrow(/already finished/)
  })

  it('shows an experiment whose queue process died as interrupted, and resumes its queue', async () => {
    const { createExperiment } = await import('../../../src/main/engine/experiments/experiment')
    const { experimentsDir } = await import('../../../src/main/engine/platform/paths')
    const exp = createExperiment({ name: 'orphan', base: tinyRun(fx.datasetId, { epochs: 1 }), axes: [{ key: 'specAugment', values: [true, false] }] })
    // As the app leaves it when it is killed mid-queue: 'running', owned by a process that is gone
    // (pid 2^22 + 1 is above Linux's largest pid_max).
    const dead = 4194305
    const file = path.join(experimentsDir(), exp.id, 'experiment.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), status: 'running', owner: { pid: dead, hostname: os.hostname() } }))
    expect((await experimentOf(exp.id)).status).toBe('interrupted')
    // Nothing runs it: cancelling has nothing to stop (its dead owner is no other process to ask).
    expect(await service.handle('experiment.cancel', { id: exp.id })).toEqual({ ok: false })
    await service.handle('experiment.resume', { id: exp.id })
    await waitForStatus(exp.id, 'done')
    for (const id of exp.runIds) expect(await runOf(id)).toMatchObject({ status: 'done', epochsDone: 1 })
    // Deleting the experiment keeps its runs unless asked.
    expect(await service.handle('experiment.delete', { id: exp.id })).toEqual({ runsDeleted: 0 })
    expect(((await service.handle('experiment.list', undefined)) as ExperimentSummary[]).some((e) => e.id === exp.id)).toBe(false)
    for (const id of exp.runIds) expect((await runOf(id)).status).toBe('done')
  })
})
