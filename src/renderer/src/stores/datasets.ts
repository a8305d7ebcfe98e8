// Datasets: the list, full records fetched on demand, imports in flight, and the file browser's
// filters (kept across reloads). Fed by 'dataset.changed' events from imports, subsets and deletes.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { DatasetImportRequest, DatasetLayout, DatasetRecord, DatasetSummary, SubsetRecipe } from '@shared/api'
import { api } from '../api/client'
import { loadInto } from '../lib/loadState'
import { persisted } from '../lib/persist'

export interface BrowserFilter {
  className: string
  split: '' | 'train' | 'val' | 'test'
  text: string
  page: number
  pageSize: number
}

export const useDatasetsStore = defineStore('datasets', () => {
  const list = ref<DatasetSummary[]>([])
  const loaded = ref(false)
  const error = ref<string | null>(null)
  const records = ref<Record<string, DatasetRecord>>({})
  const loading = ref<Record<string, Promise<DatasetRecord>>>({})
  /** Import jobs started from this window, so the page can show their progress inline. */
  const importJobs = persisted<string[]>('datasets.importJobs', [])
  const lastFolder = persisted<string>('datasets.lastFolder', '')
  const filters = persisted<Record<string, BrowserFilter>>('datasets.filters', {})
  const selectedFile = persisted<Record<string, string>>('datasets.selectedFile', {})
  const classChartLog = persisted('datasets.classChartLog', false)

  function load(): Promise<void> {
    return loadInto(error, async () => {
      list.value = await api.invoke('dataset.list', undefined)
    }, loaded)
  }

  function get(id: string): Promise<DatasetRecord> {
    if (records.value[id]) return Promise.resolve(records.value[id])
    loading.value[id] ??= api
      .invoke('dataset.get', { id })
      .then((r) => {
        records.value[id] = r
        return r
      })
      .finally(() => delete loading.value[id])
    return loading.value[id]
  }

  function detect(folder: string): Promise<{ folder: string; layout: DatasetLayout | null; message: string }> {
    return api.invoke('dataset.detect', { folder })
  }

  async function startImport(req: DatasetImportRequest): Promise<string> {
    const { jobId } = await api.invoke('dataset.import', req)
    importJobs.value = [...importJobs.value.slice(-20), jobId]
    lastFolder.value = req.folder
    return jobId
  }

  async function subset(parent: string, recipe: SubsetRecipe, name: string): Promise<DatasetSummary> {
    const s = await api.invoke('dataset.subset', { parent, recipe, name })
    await load()
    return s
  }

  async function remove(id: string): Promise<void> {
    await api.invoke('dataset.delete', { id })
    delete records.value[id]
    await load()
  }

  function filterFor(id: string): BrowserFilter {
    filters.value[id] ??= { className: '', split: '', text: '', page: 0, pageSize: 25 }
    return filters.value[id]
  }

  api.onEvent((e) => {
    if (e.type === 'dataset.changed') {
      delete records.value[e.id]
      void load()
    }
  })

  return { list, loaded, error, records, importJobs, lastFolder, filters, selectedFile, classChartLog, load, get, detect, startImport, subset, remove, filterFor }
})
