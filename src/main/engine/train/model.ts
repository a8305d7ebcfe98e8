// The model a run trains: built from scratch, from a file start in a kind's own format (an
// ImageNet DeiT file, a Hugging Face AST folder: the kind's importers, models/kind.ts) or from an
// earlier run's best checkpoint, always with a new head for this dataset's classes and the run's
// patch grid (the importers regrid the position embedding).
import path from 'node:path'
import type { Pretraining, RunConfig } from '../../../shared/types'
import { type ModelConfig } from '../models/config'
import { modelKind, startImporter } from '../models/registry'
import type { CommonModelInput, FeatureNorm, FinetuneOptions } from '../models/kind'
import { createModel } from '../models/index'
import { loadCheckpoint, readCheckpointConfig, CONFIG_FILE } from '../models/checkpoint'
import { readSafetensors } from '../models/safetensors'
import type { TagModel } from '../models/types'
import { checkpointDir } from '../runs/store'
import fs from 'node:fs'

export type { FeatureNorm }

/** The best checkpoint of an earlier run, checked to exist. */
function runCheckpoint(runId: string): string {
  const dir = checkpointDir(runId, 'best')
  if (!fs.existsSync(path.join(dir, CONFIG_FILE))) throw new Error(`Run ${runId} has no best checkpoint (${dir}); it must finish at least one epoch before a run can start from it`)
  return dir
}

/** The model config of the checkpoint a run starts from, or null for scratch and ImageNet starts (no feature settings of their own). */
export function pretrainedModelConfig(p: Pretraining): ModelConfig | null {
  if (p.kind === 'none') return null
  if (p.kind === 'run') return readCheckpointConfig(runCheckpoint(p.runId))
  return startImporter(p.kind).config(p.path)
}

/**
 * The checks the training job makes on a pretrained start's files (the same importers, reading the
 * weights and mapping their names), made before a run is created so that a bad file is refused at
 * once rather than leaving a failed run behind. `size` is the run's width (a DeiT file must have it).
 */
export function checkPretrainedFiles(p: Pretraining, size: RunConfig['size']): void {
  if (p.kind === 'none') return
  if (p.kind === 'run') readSafetensors(path.join(runCheckpoint(p.runId), 'model.safetensors'))
  else startImporter(p.kind).check(p.path, size)
}

/** The input normalisation of a model, or null when the model normalises itself (HTS-AT's bn0). */
export function inputNorm(config: ModelConfig): FeatureNorm | null {
  return 'norm' in config ? { mean: config.norm.mean, std: config.norm.std } : null
}

/** Whether the run needs mean/std computed from its training split (its start brings none). */
export function needsNormStats(cfg: RunConfig): boolean {
  // Audioset and earlier-run starts bring the statistics their weights were trained with.
  return modelKind(cfg.model).inputNorm === 'split' && (cfg.pretrained.kind === 'none' || cfg.pretrained.kind === 'imagenet')
}

/** The model config of a run built from scratch (or around ImageNet weights). */
function scratchModelConfig(cfg: RunConfig, classNames: string[], norm: FeatureNorm | null, frameRate: number): ModelConfig {
  const common: CommonModelInput = {
    size: cfg.size,
    melBins: cfg.melBins,
    targetLength: cfg.targetLength,
    labels: classNames,
    frozen: cfg.frozen,
    dropout: cfg.dropout ?? 0,
    dropPath: cfg.dropPath ?? 0,
    ...(cfg.frameHead ? { frameHead: { frameRate } } : {})
  }
  const kind = modelKind(cfg.model)
  if (kind.inputNorm === 'split' && !norm) throw new Error(`An ${cfg.model.toUpperCase()} run needs feature statistics (mean, std)`)
  return kind.makeConfig(cfg, common, kind.inputNorm === 'split' ? norm : null)
}

/**
 * A new model for a run. `norm` is the training split's statistics for starts that bring none;
 * `frameRate` is the frame head's output rate when cfg.frameHead is set.
 */
export function buildModel(cfg: RunConfig, classNames: string[], norm: FeatureNorm | null, frameRate: number): TagModel {
  const p = cfg.pretrained
  if (p.kind === 'none') return createModel(scratchModelConfig(cfg, classNames, norm, frameRate), cfg.seed)
  const kind = modelKind(cfg.model)
  if (cfg.frameHead && kind.framewise) throw new Error(`A frame head on a pretrained start is for models without a frame output of their own; ${kind.label} has its own framewise output`)
  if (!kind.starts.includes(p.kind)) throw new Error(`${kind.label} does not take ${p.kind} starts (it takes ${kind.starts.join(', ') || 'none'})`)
  const finetune: FinetuneOptions = {
    labels: classNames,
    targetLength: cfg.targetLength,
    fstride: cfg.fstride,
    tstride: cfg.tstride,
    depth: cfg.depth,
    frozen: cfg.frozen,
    dropout: cfg.dropout ?? 0,
    dropPath: cfg.dropPath ?? 0,
    // The pretrained weights have no frame head: a new one starts from its own initialisation.
    ...(cfg.frameHead ? { frameHead: { frameRate } } : {}),
    seed: cfg.seed
  }
  // An earlier run's checkpoint is every kind's (models/checkpoint.ts); file starts are the kind's importers'.
  if (p.kind === 'run') return loadCheckpoint(runCheckpoint(p.runId), finetune)
  const importer = kind.importers?.[p.kind]
  if (!importer) throw new Error(`${kind.label} lists ${p.kind} starts but has no importer for them (models/kind.ts, importers)`)
  return importer.build(p.path, finetune, () => scratchModelConfig(cfg, classNames, norm, frameRate))
}
