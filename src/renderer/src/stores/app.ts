// App-wide state: the engine's info (backend, versions) and the live job list, fed by API events.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { AppInfo, JobProgress } from '@shared/api'
import { api } from '../api/client'

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null)
  const infoError = ref<string | null>(null)
  const jobs = ref<Record<string, JobProgress>>({})

  async function loadInfo(): Promise<void> {
    try {
      info.value = await api.invoke('app.info', undefined)
      infoError.value = null
    } catch (err) {
      infoError.value = (err as Error).message
    }
  }

  async function loadJobs(): Promise<void> {
    for (const job of await api.invoke('job.list', undefined)) jobs.value[job.jobId] = job
  }

  api.onEvent((event) => {
    if (event.type === 'job.progress') jobs.value[event.job.jobId] = event.job
  })

  return { info, infoError, jobs, loadInfo, loadJobs }
})
