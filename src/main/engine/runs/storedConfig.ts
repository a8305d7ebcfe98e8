// Reading a run's stored config: config.json files written by any earlier Tagbench load as a RunConfig.
import type { PartialRunConfig, RunConfig, RunConfigKey } from '../../../shared/types'
import { FIELDS, conditionHolds } from '../../../shared/runConfigFields'

/**
 * A config.json as any version of Tagbench wrote it, as a RunConfig: fields added since (the training
 * engine, checkpoint averaging, frame tasks…) are filled with what leaving them out meant then (the
 * table's `legacy` values: an old run trained on tfjs, kept no epoch checkpoints). A complete config
 * comes back unchanged.
 */
export function resolveStoredConfig(stored: PartialRunConfig): RunConfig {
  const c = { ...stored } as RunConfig
  const fill = c as unknown as Record<RunConfigKey, unknown>
  for (const f of FIELDS)
    if (c[f.key] === undefined && f.legacy !== undefined && conditionHolds(f.when, c, c.fold !== undefined)) fill[f.key] = f.legacy
  return c
}
