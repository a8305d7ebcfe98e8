// The Slurm executor through the service (what the desktop app and server mode call), on the
// one-node cluster of test/slurm/start.sh: slurm.info, a refused partition, a grid whose runs'
// metrics reach the UI as run.metrics events streamed from the shared run store by the watcher, each
// run's Slurm state and job output, and cancel / resume / cancel of a run and an experiment.
// Skipped, with the reason, where Slurm is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { createService, type Service } from '../../../src/main/service/index'
import { createJobManager, type JobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import type { ApiEvent, ExperimentSummary, MetricEntry, RunSummary, SlurmInfo } from '../../../src/shared/api'
import { onPath } from '../../../src/main/engine/executors/slurm/commands'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'
import { HANG_MS } from '../../limits'

function slurmAbsence(): string | null {
  if (!onPath('sbatch')) return 'sbatch is not on the PATH (install Slurm and run test/slurm/start.sh as root to run these tests)'
  try {
    execFileSync('sinfo', ['-h'], { stdio: 'pipe', timeout: 20_000 })
  } catch {
    return 'sbatch is here but no Slurm controller answers; run test/slurm/start.sh as root'
  }
  return null
}
const absent = slurmAbsence()
if (absent) console.warn(`Skipping the Slurm service tests: ${absent}`)

let service: Service
let jobs: JobManager
const events: ApiEvent[] = []

async function until<T>(what: string, get: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs = HANG_MS): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await get()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const runOf = async (id: string) => ((await service.handle('run.list', undefined)) as RunSummary[]).find((r) => r.id === id)!
const experimentOf = async (id: string) => ((await service.handle('experiment.list', undefined)) as ExperimentSummary[]).find((e) => e.id === id)!

describe.skipIf(!!absent)('Slurm experiments through the service', () => {
  const fx = tinyDatasetFixture('slurm-svc')
  beforeAll(() => {
    process.env.TAGBENCH_SLURM_POLL_MS = '300'
    jobs = createJobManager(forkLauncher, (e) => events.push(e))
    service = createService({ transport: 'websocket', jobs, emit: (e) => events.push(e) })
  })
  afterAll(async () => {
    jobs?.shutdown()
    const runs = ((await service?.handle('run.list', undefined)) ?? []) as RunSummary[]
    const left = runs.flatMap((r) => r.slurm?.jobs ?? [])
    if (left.length) execFileSync('scancel', left, { stdio: 'ignore' })
  })

  it('says Slurm is here, with its partitions', async () => {
    const info = (await service.handle('slurm.info', undefined)) as SlurmInfo
    expect(info).toMatchObject({ available: true, partitions: ['debug'], options: {} })
    expect(info.message).toMatch(/^slurm(-wlm)? \d+\.\d+/)
  })

  it('refuses a bad partition with Slurm\'s message and creates nothing', async () => {
    const before = ((await service.handle('run.list', undefined)) as RunSummary[]).length
    await expect(service.handle('experiment.start', { name: 'bad', base: tinyRun(fx.datasetId), axes: [], seeds: [1, 2], executor: 'slurm', slurm: { partition: 'nope' } })).rejects.toThrow(/Invalid partition name specified/)
    expect((await service.handle('run.list', undefined)) as RunSummary[]).toHaveLength(before)
  })

  it('trains a grid on Slurm and streams its runs into the same events as local runs', async () => {
    const exp = (await service.handle('experiment.start', { name: 'svc-grid', base: tinyRun(fx.datasetId, { epochs: 3 }), axes: [], seeds: [1, 2], executor: 'slurm', slurm: { cpus: 1 } })) as ExperimentSummary
    expect(exp).toMatchObject({ executor: 'slurm', status: 'running' })
    const done = await until('the experiment to finish', () => experimentOf(exp.id), (e) => e.status !== 'running')
    expect(done.status).toBe('done')
    expect(done.results![0].n).toBe(2)
    for (const id of exp.runIds) {
      const run = await runOf(id)
      expect(run).toMatchObject({ status: 'done', slurm: { state: 'COMPLETED', node: 'localhost' } })
      expect(events.some((e) => e.type === 'run.changed' && e.runId === id)).toBe(true)
      const log = (await service.handle('run.slurmLog', { id, stream: 'stderr' })) as { path: string; text: string; exists: boolean }
      expect(log).toMatchObject({ path: run.slurm!.stderr, exists: true })
      expect(log.text).toMatch(new RegExp(`training run ${id} in Slurm job ${run.slurm!.jobId}`))
    }
    // The live curves: epoch entries arrive as run.metrics events, as the job appends them.
    const streamed = events.filter((e): e is Extract<ApiEvent, { type: 'run.metrics' }> => e.type === 'run.metrics' && exp.runIds.includes(e.runId)).flatMap((e) => e.entries)
    const stored = (await Promise.all(exp.runIds.map((id) => service.handle('run.metrics', { id }) as Promise<MetricEntry[]>))).flat()
    expect(streamed.length).toBeGreaterThan(0)
    for (const e of streamed) expect(stored).toContainEqual(e)
    expect(events.some((e) => e.type === 'experiment.changed' && e.id === exp.id)).toBe(true)
  })

  it('cancels a run, resumes it on Slurm, and cancels the whole experiment', async () => {
    const exp = (await service.handle('experiment.start', { name: 'svc-cancel', base: tinyRun(fx.datasetId, { epochs: 200 }), axes: [], seeds: [7], executor: 'slurm', slurm: { cpus: 1 } })) as ExperimentSummary
    const [id] = exp.runIds
    const first = (await runOf(id)).slurm!.jobId
    expect(await service.handle('run.cancel', { id })).toEqual({ ok: true })
    expect(await runOf(id)).toMatchObject({ status: 'cancelled', slurm: { state: 'CANCELLED', jobId: first } })
    expect((await experimentOf(exp.id)).status).toBe('cancelled')
    const resumed = (await service.handle('run.resume', { id })) as { jobId: string }
    expect(resumed.jobId).toMatch(/^slurm:\d+$/)
    const second = (await runOf(id)).slurm!
    expect(second.jobs).toEqual([first, second.jobId])
    expect((await runOf(id)).status).toBe('queued')
    expect((await experimentOf(exp.id)).status).toBe('running')
    await expect(service.handle('run.delete', { id })).rejects.toThrow(/has Slurm job \d+ \(\w+\); cancel it first/)
    expect(await service.handle('experiment.cancel', { id: exp.id })).toEqual({ ok: true })
    expect(await runOf(id)).toMatchObject({ status: 'cancelled', slurm: { state: 'CANCELLED' } })
    expect((await experimentOf(exp.id)).status).toBe('cancelled')
    // Slurm agrees: the job ended CANCELLED.
    await until('Slurm to end the job', () => execFileSync('squeue', ['-h', '-t', 'all', '-j', second.jobId, '-o', '%T']).toString().trim(), (s) => s === 'CANCELLED')
  })
})
