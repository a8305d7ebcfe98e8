// The model a run trains: built from scratch, from an ImageNet DeiT file, from a Hugging Face AST
// folder (AudioSet) or from an earlier run's best checkpoint, always with a new head for this
// dataset's classes and the run's patch grid (MODELS' importers regrid the position embedding).
import path from 'node:path'
import type { Pretraining, RunConfig } from '../../../shared/types'
import { type ModelConfig } from '../models/config'
import { AST_SIZES } from '../models/ast/config'
import { modelKind } from '../models/registry'
import type { CommonModelInput, FeatureNorm } from '../models/kind'
import { createModel } from '../models/index'
import { loadCheckpoint, readCheckpointConfig, CONFIG_FILE } from '../models/checkpoint'
import { astFromDeit, readDeitTrunk } from '../models/ast/import/deit'
import { hfTrunkToReference } from '../models/ast/import/names'
import { readSafetensors } from '../models/safetensors'
import { loadHfAst, readHfAstConfig } from '../models/ast/import/hfAst'
import type { AstFinetuneOptions } from '../models/ast/import/astWeights'
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
  switch (p.kind) {
    case 'audioset':
      return readHfAstConfig(p.path)
    case 'run':
      return readCheckpointConfig(runCheckpoint(p.runId))
    default:
      return null
  }
}

/**
 * The checks the training job makes on a pretrained start's files (the same importers, reading the
 * weights and mapping their names), made before a run is created so that a bad file is refused at
 * once rather than leaving a failed run behind. `size` is the run's AST size, whose width a DeiT
 * file must have.
 */
export function checkPretrainedFiles(p: Pretraining, size: RunConfig['size']): void {
  if (p.kind === 'imagenet') {
    const trunk = readDeitTrunk(p.path)
    const want = AST_SIZES[size].embedDim
    if (trunk.embedDim !== want) throw new Error(`${p.path}: DeiT width ${trunk.embedDim} does not match AST-${size}'s ${want}; pick the size of the checkpoint`)
  } else if (p.kind === 'audioset') {
    const base = readHfAstConfig(p.path)
    const file = path.join(p.path, 'model.safetensors')
    const trunk = hfTrunkToReference(readSafetensors(file), 'audio_spectrogram_transformer.', file, 'Hugging Face AST')
    if (trunk.depth !== base.depth) throw new Error(`${file}: holds ${trunk.depth} layers, config.json says ${base.depth}`)
  } else if (p.kind === 'run') {
    const dir = runCheckpoint(p.runId)
    readSafetensors(path.join(dir, 'model.safetensors'))
  }
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
  // The starts are AST's importers (models/ast/import): the kinds whose descriptors accept them.
  const kind = modelKind(cfg.model)
  if (cfg.frameHead && kind.framewise) throw new Error(`A frame head on a pretrained start is for models without a frame output of their own; ${kind.label} has its own framewise output`)
  if (!kind.starts.includes(p.kind)) throw new Error(`${kind.label} does not take ${p.kind} starts (it takes ${kind.starts.join(', ') || 'none'})`)
  const finetune: AstFinetuneOptions = {
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
  switch (p.kind) {
    case 'imagenet': {
      const config = scratchModelConfig(cfg, classNames, norm, frameRate)
      if (config.kind !== 'ast') throw new Error('ImageNet starts are for AST')
      return astFromDeit(p.path, config, cfg.seed)
    }
    case 'audioset':
      return loadHfAst(p.path, finetune).model
    case 'run':
      return loadCheckpoint(runCheckpoint(p.runId), finetune)
  }
}
