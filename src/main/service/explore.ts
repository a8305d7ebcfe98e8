// Exploring a dataset through a model: the embedding map is computed in a job process (it loads the
// model with tfjs) and read back from disk.
import path from 'node:path'
import { loadDataset } from '../engine/data/record'
import { embeddingMapFile, readEmbeddingMap } from '../engine/explore/embeddingMap'
import { listAverages } from '../engine/combine/average'
import { createEnsemble, listEnsembles } from '../engine/combine/ensemble'
import { epochCheckpoints, readRunState } from '../engine/runs/store'
import type { CombinedModel } from '../../shared/api'
import type { HandlerTable } from './index'

export const handlers: HandlerTable = {
  'map.build': ({ model, dataset }, ctx) => {
    const m = model?.trim()
    if (!m) throw new Error('Choose a model for the map: a run, a checkpoint folder or a Hugging Face AST folder')
    const record = loadDataset(dataset)
    embeddingMapFile(m, record.id) // refuses a bad dataset id before a job starts
    const { jobId } = ctx.jobs.start({ kind: 'embed', runner: 'embedding-map', params: { model: m, dataset: record.id }, label: `Embedding map of ${record.name} with ${path.basename(m)}` })
    return { jobId }
  },
  'map.get': ({ model, dataset }) => readEmbeddingMap(model.trim(), dataset),

  'run.average': async ({ id, last }, ctx) => {
    // Refused here with the engine's words before a job starts.
    const kept = epochCheckpoints(id).length
    if (!Number.isInteger(last) || last < 2) throw new Error(`Average at least 2 checkpoints, got ${last}`)
    if (kept < last) throw new Error(`Run ${id} kept ${kept} epoch checkpoints, fewer than ${last}: train with "keep the last N epochs' weights" ≥ ${last}`)
    const { done } = ctx.jobs.start({ kind: 'export', runner: 'average', params: { id, last }, label: `Averaging the last ${last} checkpoints of ${readRunState(id).name}` }, { runId: id })
    const result = (await done) as CombinedModel
    ctx.emit({ type: 'run.changed', runId: id })
    return result
  },
  'run.averages': ({ id }) => listAverages(id),
  'ensemble.create': ({ members, name }) => createEnsemble(members ?? [], name),
  'ensemble.list': () => listEnsembles()
}
