// The 'import' job: imports a dataset folder in its own process (walking and probing tens of
// thousands of files must not stall the app), reports progress and tells every UI when it is saved.
import type { DatasetImportRequest, DatasetSummary } from '../../shared/api'
import { importDataset, summaryOf } from '../engine/data/record'
import type { RunnerContext } from './runners'

export async function importRunner(params: DatasetImportRequest, ctx: RunnerContext): Promise<DatasetSummary> {
  const record = await importDataset(params, { onProgress: ctx.onProgress, signal: ctx.signal })
  ctx.emit({ type: 'dataset.changed', id: record.id })
  return summaryOf(record)
}
