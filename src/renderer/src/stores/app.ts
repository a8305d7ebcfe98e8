// App-wide state: the engine's info (backend, versions), the live job list fed by API events, and
// the notices (readable errors and confirmations) shown to the user.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, JobProgress } from '@shared/api'
import { api } from '../api/client'
import { messageOf } from '../lib/errors'
import { loadInto } from '../lib/loadState'
import { persisted } from '../lib/persist'

export interface Notice {
  id: number
  kind: 'error' | 'info'
  text: string
}

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const infoError = ref<string | null>(null)
  const jobs = ref<Record<string, JobProgress>>({})
  const notices = ref<Notice[]>([])
  /** Ended jobs the user has closed in the tray. */
  const dismissedJobs = persisted<string[]>('jobs.dismissed', [])
  const trayOpen = persisted('jobs.trayOpen', true)
  let nextNotice = 1

  function loadInfo(): Promise<void> {
    return loadInto(infoError, async () => {
      info.value = await api.invoke('app.info', undefined)
    })
  }

  async function loadJobs(): Promise<void> {
    for (const job of await api.invoke('job.list', undefined)) jobs.value[job.jobId] = job
  }

  function notify(text: string, kind: Notice['kind'] = 'info'): void {
    const id = nextNotice++
    notices.value.push({ id, kind, text })
    // Errors stay until closed; confirmations go by themselves.
    if (kind === 'info') setTimeout(() => dismiss(id), 6000)
  }

  function fail(err: unknown): void {
    notify(messageOf(err), 'error')
  }

  function dismiss(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id)
  }

  function dismissJob(jobId: string): void {
    if (!dismissedJobs.value.includes(jobId)) dismissedJobs.value = [...dismissedJobs.value.slice(-200), jobId]
  }

  async function cancelJob(jobId: string): Promise<void> {
    try {
      const { ok } = await api.invoke('job.cancel', { jobId })
      if (!ok) notify('That job has already ended.')
    } catch (err) {
      fail(err)
    }
  }

  /** Resolves when the job ends: its final state (for pages that start a job and wait on it). */
  function whenJobEnds(jobId: string): Promise<JobProgress> {
    return new Promise((resolve) => {
      const check = (j: JobProgress | undefined): boolean => {
        if (j && j.state !== 'running' && j.state !== 'queued') {
          resolve(j)
          return true
        }
        return false
      }
      if (check(jobs.value[jobId])) return
      const off = api.onEvent((e) => {
        if (e.type === 'job.progress' && e.job.jobId === jobId && check(e.job)) off()
      })
    })
  }

  api.onEvent((event) => {
    if (event.type === 'job.progress') jobs.value[event.job.jobId] = event.job
  })

  return { info, infoError, jobs, notices, dismissedJobs, trayOpen, loadInfo, loadJobs, notify, fail, dismiss, dismissJob, cancelJob, whenJobEnds }
})
