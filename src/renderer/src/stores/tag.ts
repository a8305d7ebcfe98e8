// Tagging: the chosen model and files, the job in flight and its results. The choices and the last
// job id persist, so a reload shows the same results (the server keeps a job's result until it restarts).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ResultOf } from '@shared/api'
import { api } from '../api/client'
import { messageOf } from '../lib/errors'
import { persisted } from '../lib/persist'
import { useAppStore } from './app'

export type ModelSourceKind = 'run' | 'onnx' | 'hf'

export const useTagStore = defineStore('tag', () => {
  const app = useAppStore()
  const form = persisted('tag.form', {
    source: 'run' as ModelSourceKind,
    runId: '',
    onnxPath: '',
    hfFolder: '',
    paths: [] as string[],
    topK: 5,
    aggregate: 'max' as 'max' | 'mean',
    activation: 'auto' as 'auto' | 'sigmoid' | 'softmax',
    hopS: null as number | null
  })
  const jobId = persisted<string | null>('tag.jobId', null)
  const selected = persisted<number>('tag.selected', 0)
  const result = ref<ResultOf<'tag.result'> | null>(null)
  const error = ref<string | null>(null)
  const running = ref(false)

  function modelRef(): string {
    const f = form.value
    return f.source === 'run' ? f.runId : f.source === 'onnx' ? f.onnxPath : f.hfFolder
  }

  async function fetchResult(id: string): Promise<void> {
    try {
      result.value = await api.invoke('tag.result', { jobId: id })
      error.value = null
    } catch (err) {
      result.value = null
      error.value = messageOf(err)
    }
  }

  async function run(): Promise<void> {
    error.value = null
    running.value = true
    try {
      const f = form.value
      const { jobId: id } = await api.invoke('tag.run', { model: modelRef(), paths: f.paths, topK: f.topK, aggregate: f.aggregate, activation: f.activation, hopS: f.hopS ?? undefined })
      jobId.value = id
      result.value = null
      selected.value = 0
      const end = await app.whenJobEnds(id)
      if (end.state === 'done') await fetchResult(id)
      else error.value = end.message ?? `Tagging ${end.state}`
    } catch (err) {
      error.value = messageOf(err)
    } finally {
      running.value = false
    }
  }

  /** After a reload: the last job's results, if the server still has them. */
  async function restore(): Promise<void> {
    if (!jobId.value || result.value || running.value) return
    await app.loadJobs().catch((err) => app.fail(err))
    const job = app.jobs[jobId.value]
    if (job && (job.state === 'running' || job.state === 'queued')) {
      running.value = true
      const end = await app.whenJobEnds(jobId.value)
      running.value = false
      if (end.state !== 'done') {
        error.value = end.message ?? `Tagging ${end.state}`
        return
      }
    }
    await fetchResult(jobId.value)
    // A server restart forgets results: that is no error worth showing.
    if (error.value?.startsWith('No tagging job')) error.value = null
  }

  return { form, jobId, selected, result, error, running, modelRef, run, restore }
})
