// Model factory: one entry point that builds any registered model kind from its config.
import type { ModelConfig } from './config'
import type { TagModel } from './types'
import { modelKind } from './registry'

/** A freshly initialised model (seeded) for the config; load weights into it through an importer or checkpoint. */
export function createModel(config: ModelConfig, seed: number): TagModel {
  return modelKind(config.kind).create(config, seed)
}
