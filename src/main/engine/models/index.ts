// Model factory: one entry point that builds any model kind from its config.
import type { ModelConfig } from './config'
import type { TagModel } from './types'
import { createAst } from './ast/model'
import { createHtsat } from './htsat/model'
import { createCrnn } from './crnn/model'

/** A freshly initialised model (seeded) for the config; load weights into it through an importer or checkpoint. */
export function createModel(config: ModelConfig, seed: number): TagModel {
  switch (config.kind) {
    case 'ast':
      return createAst(config, seed)
    case 'htsat':
      return createHtsat(config, seed)
    case 'crnn':
      return createCrnn(config, seed)
    default:
      throw new Error(`unknown model kind ${(config as { kind: string }).kind}`)
  }
}
