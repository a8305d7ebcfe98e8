// Clip previews of datasets, fetched once per page session: the error list's thumbnails and the
// player ask for the same clips. Bounded, oldest dropped first.
import type { ClipPreview } from '@shared/api'
import { api } from '../api/client'

const MAX = 64
const cache = new Map<string, Promise<ClipPreview>>()

export function datasetClip(datasetId: string, file: string): Promise<ClipPreview> {
  const key = `${datasetId}\0${file}`
  let hit = cache.get(key)
  if (!hit) {
    hit = api.invoke('dataset.clip', { id: datasetId, file })
    hit.catch(() => cache.delete(key))
    cache.set(key, hit)
    if (cache.size > MAX) cache.delete(cache.keys().next().value!)
  }
  return hit
}
