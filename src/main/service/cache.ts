// Feature-cache requests: its size per feature setting, clearing it, and pruning what no dataset
// can use. Deleting entries never disturbs a training run (a missing entry is recomputed).
import { cacheUsage, clearCache } from '../engine/audio/cacheAdmin'
import { pruneUnusedFeatures } from '../engine/data/cachePrune'
import type { HandlerTable } from './index'

export const handlers: HandlerTable = {
  'cache.usage': () => cacheUsage(),
  'cache.clear': (p) => clearCache(p?.settings),
  'cache.prune': () => pruneUnusedFeatures()
}
