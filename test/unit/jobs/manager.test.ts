import { describe, expect, it } from 'vitest'
import { createJobManager } from '../../../src/main/jobs/manager'
import { forkLauncher } from '../../../src/main/jobs/launcher'
import type { ApiEvent } from '../../../src/shared/api'
import { ORT_MALLOC_ENV } from '../../../src/main/engine/train/ort/jobEnv'

function manager() {
  const events: ApiEvent[] = []
  return { jobs: createJobManager(forkLauncher, (e) => events.push(e)), events }
}

const spec = (mode: string) => ({ kind: 'train' as const, runner: 'selftest', params: { mode }, label: `selftest ${mode}` })

describe('job processes', () => {
  it('runs a job in another process and streams progress', async () => {
    const { jobs, events } = manager()
    const { jobId, done } = jobs.start(spec('ok'))
    const result = (await done) as { pid: number; backend: string }
    expect(result.pid).not.toBe(process.pid)
    expect(['wasm', 'cpu', 'native', 'cuda']).toContain(result.backend)
    const progress = events.filter((e) => e.type === 'job.progress').map((e) => (e as { job: { done: number; state: string } }).job)
    expect(progress.some((p) => p.done === 3)).toBe(true)
    expect(jobs.get(jobId)?.state).toBe('done')
  })

  it('reports an error thrown in the job with its message', async () => {
    const { jobs } = manager()
    const { jobId, done } = jobs.start(spec('throw'))
    await expect(done).rejects.toThrow(/selftest failed on purpose/)
    expect(jobs.get(jobId)).toMatchObject({ state: 'failed', failure: 'error' })
  })

  it('a crash ends the job as crashed, not the app', async () => {
    const { jobs } = manager()
    const { jobId, done } = jobs.start(spec('crash'))
    await expect(done).rejects.toThrow(/crash/i)
    expect(jobs.get(jobId)).toMatchObject({ state: 'failed', failure: 'crashed' })
  })

  it('running out of heap ends the job as oom with advice', async () => {
    const { jobs } = manager()
    const { jobId, done } = jobs.start(spec('oom'), { maxHeapMb: 64 })
    await expect(done).rejects.toThrow(/out of memory/)
    expect(jobs.get(jobId)).toMatchObject({ state: 'failed', failure: 'oom' })
    expect(jobs.get(jobId)?.message).toMatch(/lower the batch size/)
  })

  it('cancel stops a job that ignores it, and it ends as cancelled', async () => {
    const { jobs } = manager()
    const { jobId, done } = jobs.start(spec('hang'))
    await new Promise((r) => setTimeout(r, 1500))
    expect(jobs.cancel(jobId)).toBe(true)
    await expect(done).rejects.toThrow(/cancelled/)
    expect(jobs.get(jobId)?.state).toBe('cancelled')
  })

  it('a training job starts with the malloc tuning ONNX Runtime needs (train/ort/jobEnv.ts); other jobs do not', async () => {
    const { jobs } = manager()
    const train = (await jobs.start(spec('ok')).done) as { mallocMmapThreshold: string | null }
    expect(train.mallocMmapThreshold).toBe(ORT_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_)
    if (process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
      const other = (await jobs.start({ ...spec('ok'), kind: 'import' as const }).done) as { mallocMmapThreshold: string | null }
      expect(other.mallocMmapThreshold).toBeNull()
    }
    jobs.shutdown()
  })

  it('a job killed from outside is reported as killed', async () => {
    const { jobs } = manager()
    const launched: { kill(): void }[] = []
    const jm = createJobManager((name, o) => {
      const p = forkLauncher(name, o)
      launched.push(p)
      return p
    }, () => {})
    const { jobId, done } = jm.start(spec('hang'))
    await new Promise((r) => setTimeout(r, 1500))
    launched[0].kill()
    await expect(done).rejects.toThrow(/SIGKILL/)
    expect(jm.get(jobId)).toMatchObject({ state: 'failed', failure: 'killed' })
    jobs.shutdown()
  })
})
