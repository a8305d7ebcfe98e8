// Tagbench checkpoints: one self-describing folder per checkpoint,
//   model.safetensors  F32 weights under the reference (PyTorch state_dict) names, PyTorch layouts
//   config.json        the resolved ModelConfig (labels, feature normalisation included)
//   extra.json         optional caller data (epoch, metrics, thresholds), only when given
// Each file is written atomically; the weights go first, so a config.json never describes weights
// that are not there yet.
import fs from 'node:fs'
import path from 'node:path'
import { readJsonSync, writeJsonAtomic } from '../io/fsutil'
import type { ModelConfig } from './config'
import type { TagModel, WeightMap } from './types'
import { createModel } from './index'
import { readSafetensors, writeSafetensors } from './safetensors'
import { finetuneAst, type AstFinetuneOptions } from './ast/import/astWeights'

export const WEIGHTS_FILE = 'model.safetensors'
export const CONFIG_FILE = 'config.json'
const EXTRA_FILE = 'extra.json'

/** The model's weights in host memory, reference names and PyTorch layouts. */
export function hostWeights(model: TagModel): WeightMap {
  const out: WeightMap = new Map()
  for (const [name, t] of model.namedWeights()) {
    out.set(name, { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) })
    t.dispose()
  }
  return out
}

export async function saveCheckpoint(dir: string, model: TagModel, extra?: Record<string, unknown>): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true })
  writeSafetensors(path.join(dir, WEIGHTS_FILE), hostWeights(model), { tagbench_kind: model.config.kind })
  if (extra) await writeJsonAtomic(path.join(dir, EXTRA_FILE), extra)
  await writeJsonAtomic(path.join(dir, CONFIG_FILE), model.config)
}

export function readCheckpointConfig(dir: string): ModelConfig {
  const config = readJsonSync<ModelConfig>(path.join(dir, CONFIG_FILE))
  if (!config || typeof config !== 'object' || typeof config.kind !== 'string') throw new Error(`${path.join(dir, CONFIG_FILE)}: not a Tagbench model config (no "kind")`)
  return config
}

/** The extra data saved with a checkpoint, or null when none was. */
export function readCheckpointExtra(dir: string): Record<string, unknown> | null {
  const file = path.join(dir, EXTRA_FILE)
  return fs.existsSync(file) ? readJsonSync<Record<string, unknown>>(file) : null
}

/**
 * Reload a checkpoint bit-identically. With fine-tuning options (AST only) the model starts a new
 * task from it instead: new labels mean a new head, another targetLength or stride regrids the
 * position embedding.
 */
export function loadCheckpoint(dir: string, finetune?: AstFinetuneOptions): TagModel {
  const config = readCheckpointConfig(dir)
  const file = path.join(dir, WEIGHTS_FILE)
  const weights: WeightMap = readSafetensors(file)
  if (finetune) {
    if (config.kind !== 'ast') throw new Error(`${path.join(dir, CONFIG_FILE)}: fine-tuning options are for AST checkpoints, this is ${config.kind}`)
    return finetuneAst(config, weights, finetune, file)
  }
  const model = createModel(config, 0)
  try {
    const missing = model.loadWeights(weights, file)
    if (missing.length > 0) throw new Error(`${file}: no weights for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`)
  } catch (err) {
    model.dispose()
    throw err
  }
  return model
}

