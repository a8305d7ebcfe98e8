// Keeps track of job processes: starts them through a Launcher, turns their messages into
// JobProgress events for every UI, and turns a dead process into a readable failure. A job that
// crashes or runs out of memory ends that job only.
import crypto from 'node:crypto'
import type { ApiEvent, JobFailure, JobProgress } from '../../shared/api'
import type { JobSpec } from './protocol'
import type { JobProcess, Launcher, LaunchOptions } from './launcher'
import { ortJobEnv } from '../engine/train/ort/jobEnv'

export interface JobManager {
  start(spec: JobSpec, opts?: LaunchOptions & { runId?: string; datasetId?: string }): { jobId: string; done: Promise<unknown> }
  cancel(jobId: string): boolean
  /** Hand data to a running job that takes a stream; false when it is not running. */
  send(jobId: string, data: unknown): boolean
  list(): JobProgress[]
  get(jobId: string): JobProgress | undefined
  result(jobId: string): unknown
  shutdown(): void
}

const HINTS: Record<JobFailure, string> = {
  oom: 'It ran out of memory: lower the batch size, the patch overlap (stride 16 instead of 10) or the clip length.',
  crashed: 'The job process crashed; the log above says where. The app itself is unaffected.',
  killed: 'The job process was killed from outside (by a signal or the system).',
  error: ''
}

function failureMessage(failure: JobFailure, label: string, detail: string): string {
  return `${label}: ${detail}${HINTS[failure] ? ` — ${HINTS[failure]}` : ''}`
}

export function createJobManager(launch: Launcher, emit: (event: ApiEvent) => void): JobManager {
  const jobs = new Map<string, { progress: JobProgress; proc: JobProcess; result?: unknown; cancelTimer?: NodeJS.Timeout }>()

  const publish = (jobId: string): void => {
    const job = jobs.get(jobId)
    if (job) emit({ type: 'job.progress', job: { ...job.progress } })
  }

  const finish = (jobId: string, patch: Partial<JobProgress>): void => {
    const job = jobs.get(jobId)
    if (!job || ['done', 'failed', 'cancelled'].includes(job.progress.state)) return
    if (job.cancelTimer) clearTimeout(job.cancelTimer)
    Object.assign(job.progress, patch, { endedAt: new Date().toISOString(), etaS: null })
    publish(jobId)
  }

  return {
    start(spec, opts = {}) {
      const jobId = `${spec.runner}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`
      // A training job may train on ONNX Runtime, whose memory use needs glibc tuned from the process start.
      const proc = launch(jobId, spec.kind === 'train' ? { ...opts, env: { ...ortJobEnv(), ...opts.env } } : opts)
      const progress: JobProgress = {
        jobId,
        kind: spec.kind,
        label: spec.label,
        state: 'running',
        done: 0,
        total: 0,
        rate: 0,
        unit: '',
        etaS: null,
        runId: opts.runId,
        datasetId: opts.datasetId,
        startedAt: new Date().toISOString()
      }
      jobs.set(jobId, { progress, proc })
      const done = new Promise<unknown>((resolve, reject) => {
        proc.onMessage((msg) => {
          const job = jobs.get(jobId)!
          switch (msg.type) {
            case 'progress':
              Object.assign(job.progress, msg.update, { label: spec.label })
              publish(jobId)
              break
            case 'event':
              emit(msg.event)
              break
            case 'result':
              job.result = msg.value
              finish(jobId, { state: 'done', done: Math.max(job.progress.done, job.progress.total) })
              resolve(msg.value)
              break
            case 'error': {
              const cancelled = job.progress.state === 'running' && job.cancelTimer !== undefined
              const failure: JobFailure = msg.oom ? 'oom' : 'error'
              finish(jobId, cancelled ? { state: 'cancelled', message: `${spec.label}: cancelled` } : { state: 'failed', failure, message: failureMessage(failure, spec.label, msg.message) })
              reject(new Error(cancelled ? `${spec.label}: cancelled` : failureMessage(failure, spec.label, msg.message)))
              break
            }
          }
        })
        proc.onExit((exit) => {
          const job = jobs.get(jobId)!
          if (job.progress.state !== 'running') return
          if (job.cancelTimer !== undefined) {
            finish(jobId, { state: 'cancelled', message: `${spec.label}: cancelled` })
            reject(new Error(`${spec.label}: cancelled`))
            return
          }
          const failure = exit.failure ?? 'crashed'
          const detail = exit.detail ?? 'the job process ended without a result'
          finish(jobId, { state: 'failed', failure, message: failureMessage(failure, spec.label, detail) })
          reject(new Error(failureMessage(failure, spec.label, detail)))
        })
      })
      // Nobody may be awaiting `done` (the UI follows events); keep an unawaited rejection quiet.
      done.catch(() => {})
      proc.send({ type: 'start', jobId, spec })
      publish(jobId)
      return { jobId, done }
    },
    cancel(jobId) {
      const job = jobs.get(jobId)
      if (!job || job.progress.state !== 'running') return false
      job.proc.send({ type: 'cancel' })
      // A job that ignores the request (stuck in a long kernel) is killed after a grace period.
      job.cancelTimer = setTimeout(() => job.proc.kill(), 5000)
      return true
    },
    send(jobId, data) {
      const job = jobs.get(jobId)
      if (!job || job.progress.state !== 'running' || job.cancelTimer !== undefined) return false
      job.proc.send({ type: 'input', data })
      return true
    },
    list: () => [...jobs.values()].map((j) => ({ ...j.progress })),
    get: (jobId) => jobs.get(jobId)?.progress,
    result: (jobId) => jobs.get(jobId)?.result,
    shutdown() {
      for (const job of jobs.values()) if (job.progress.state === 'running') job.proc.kill()
    }
  }
}
