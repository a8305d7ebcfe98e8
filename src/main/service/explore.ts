// Exploring a dataset through a model: the embedding map is computed in a job process (it loads the
// model with tfjs) and read back from disk.
import path from 'node:path'
import { loadDataset } from '../engine/data/record'
import { embeddingMapFile, readEmbeddingMap } from '../engine/explore/embeddingMap'
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
  'map.get': ({ model, dataset }) => readEmbeddingMap(model.trim(), dataset)
}
