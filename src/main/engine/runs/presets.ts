// Ready-made experiments: the seed paper's comparisons (AST with DeiT, tiny, FSD50K: pretrained vs
// scratch, patch overlap vs none, frozen vs fine-tuned, tiny vs small, augmentation on/off) and
// `quick`, a single small run that learns something useful in minutes on a 2-core CPU.
// A preset is a base config (partial: the dataset and anything not named come from the user and the
// defaults) and the axes to vary. Pretrained starts need a checkpoint the user picks, so their path is
// left empty here and a run cannot start until it is filled in.
import type { ExperimentPreset, PartialRunConfig } from '../../../shared/types'

/**
 * AST with 4 blocks of DeiT-tiny width, no patch overlap, clips of 4 s (400 frames) at most (shorter
 * clips keep their own length, see train/config.ts) of 128 mel bins:
 * 8 × 25 = 200 patches, 0.86 forward GFLOPs per clip, trained with Adam (AST's betas and L2 5e-7).
 * The rest of the recipe (epochs, batch, learning rate, warm-up, augmentation, early stopping) is
 * not fixed here: it follows the dataset's size and the start (recipe.ts), as measured by the sweeps
 * in bench/recipes (on 420 clips of 4 s from scratch: batch 8, 24 epochs, Adam 2.5e-4, 100 warm-up
 * steps then cosine, no SpecAugment, early stopping with patience 6). Time budget: 15 minutes for
 * 420 clips on the 2-core build machine with the ort engine (README, "The quick preset").
 */
const QUICK: PartialRunConfig = {
  model: 'ast',
  size: 'tiny',
  depth: 4,
  fstride: 16,
  tstride: 16,
  melBins: 128,
  targetLength: 400,
  optimizer: 'adam'
}

const PICK_CHECKPOINT = ''

export const PRESETS: ExperimentPreset[] = [
  {
    id: 'quick',
    label: 'Quick start',
    description: 'One small AST (4 blocks, tiny width, stride 16, clips of 4 s at most), from scratch or from a checkpoint you pick, with a recipe that follows the dataset\'s size: a useful model in minutes on a laptop CPU.',
    axes: [],
    base: QUICK
  },
  {
    id: 'pretrained-vs-scratch',
    label: 'Pretrained vs scratch',
    description: 'The same AST from random weights and from an ImageNet DeiT checkpoint (seed paper: 0.909 vs 0.584 accuracy on 5 FSD50K classes). Pick the DeiT weights file.',
    axes: [{ key: 'pretrained', values: [{ kind: 'none' }, { kind: 'imagenet', path: PICK_CHECKPOINT }] }],
    base: { model: 'ast', size: 'tiny', fstride: 16, tstride: 16, specAugment: true }
  },
  {
    id: 'overlap',
    label: 'Patch overlap (stride 10) vs none (16)',
    description: 'AST with overlapping patches (stride 10, 2.3× the tokens) and without (stride 16). The seed paper found little difference.',
    axes: [{ key: 'stride', values: [16, 10] }],
    base: { ...QUICK }
  },
  {
    id: 'frozen-vs-finetuned',
    label: 'Frozen backbone vs fine-tuned',
    description: 'Train only the head on a pretrained backbone, or everything (seed paper: 0.719 vs 0.909). Pick the pretrained checkpoint.',
    axes: [{ key: 'frozen', values: [true, false] }],
    base: { model: 'ast', size: 'tiny', fstride: 16, tstride: 16, pretrained: { kind: 'imagenet', path: PICK_CHECKPOINT } }
  },
  {
    id: 'tiny-vs-small',
    label: 'Tiny vs small',
    description: 'DeiT-tiny width (192) against DeiT-small (384), same depth and strides.',
    axes: [{ key: 'size', values: ['tiny', 'small'] }],
    base: { model: 'ast', fstride: 16, tstride: 16 }
  },
  {
    id: 'augmentation',
    label: 'SpecAugment on/off',
    description: 'Frequency and time masking on and off (seed paper: 0.464 vs 0.406 mAP on FSD50K).',
    axes: [{ key: 'specAugment', values: [true, false] }],
    base: { ...QUICK }
  }
]

export function findPreset(id: string): ExperimentPreset {
  const preset = PRESETS.find((p) => p.id === id)
  if (!preset) throw new Error(`Unknown preset '${id}' (one of ${PRESETS.map((p) => p.id).join(', ')})`)
  return preset
}

/** The base config a preset sets (a copy). */
export function presetBase(id: string): PartialRunConfig {
  return structuredClone(findPreset(id).base)
}
