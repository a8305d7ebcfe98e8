// Pruning the feature cache down to what the app's datasets can read. It lives with the dataset records
// because it reads them; the cache itself (audio/cacheAdmin.ts) knows nothing of datasets, so imports
// point one way: data → audio.
import path from 'node:path'
import type { CacheRemoval } from '../../../shared/types'
import { pruneCache } from '../audio/cacheAdmin'
import { listDatasets, loadDataset } from './record'

/**
 * pruneCache for the datasets in the app's data folder: what none of their files can read goes. A
 * dataset whose record cannot be read stops the prune (its entries would all look unused).
 */
export async function pruneUnusedFeatures(): Promise<CacheRemoval> {
  const files: string[] = []
  for (const d of listDatasets()) {
    let record
    try {
      record = loadDataset(d.id)
    } catch (err) {
      throw new Error(`Nothing pruned: dataset ${d.name} cannot be read (${(err as Error).message}); repair or delete it first`)
    }
    for (const f of record.files) files.push(path.resolve(record.root, f.path))
  }
  return pruneCache(files)
}
