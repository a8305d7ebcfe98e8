// From what a user asks for (a few fields, maybe a preset) to a complete RunConfigInput: every optional
// field filled in from the dataset, the pretrained checkpoint and Tagbench's defaults, and checked.
// The complete config is what the run store writes once into the run's config.json; the trainer, the
// UI and the exporter all read that one file, so nothing downstream has defaults of its own.
import type { DatasetRecord, ModelKind, RunConfigInput } from '../../../shared/types'
import type { ModelConfig } from '../models/config'
import { presetBase } from '../runs/presets'
import { RECIPE_FIELDS, recipeDefaults, recipeStart, summarizeDataset, type RecipeChoice, type RecipeField } from './recipe'

/**
 * Defaults for the fields a caller may leave out (AST-tiny, no patch overlap: a CPU-sized start). The
 * training recipe's fields (epochs, batch, lr, warm-up, augmentation, early stopping) are not here:
 * they follow the dataset (recipe.ts).
 */
const RUN_DEFAULTS: Omit<RunConfigInput, 'dataset' | RecipeField> = {
  model: 'ast',
  size: 'tiny',
  pretrained: { kind: 'none' },
  fstride: 16,
  tstride: 16,
  frozen: false,
  loss: 'bce',
  optimizer: 'adam',
  // AST's recipe: Adam, weight decay 5e-7, betas (0.95, 0.999) (see optimizerConfig).
  weightDecay: 5e-7,
  seed: 0
}

/** What completion needs to know about the dataset (split and labels feed the recipe's rules, recipe.ts). */
export type DatasetFacts = Pick<DatasetRecord, 'multiLabel' | 'folds' | 'hasStrongLabels' | 'name'> &
  Partial<Pick<DatasetRecord, 'frameRate'>> & { files: { durationS: number | null; split?: string; labels?: string[] }[] }

/** Kaldi frames of a clip (25 ms window, 10 ms hop, snip_edges): 998 for 10 s, 398 for 4 s. */
export function framesForDuration(durationS: number, sampleRate = 16000): number {
  const samples = Math.round(durationS * sampleRate)
  return samples < 400 ? 0 : 1 + Math.floor((samples - 400) / 160)
}

/**
 * Frames per clip when the user names none: the 95th-percentile clip (a few long outliers are cut,
 * not padded for), rounded up to a multiple of 16 (whole patches), between 16 and 1024.
 */
export function defaultTargetLength(durations: (number | null)[]): number {
  const known = durations.filter((d): d is number => d !== null && d > 0).sort((a, b) => a - b)
  if (known.length === 0) return 1024
  const p95 = known[Math.min(known.length - 1, Math.floor(0.95 * (known.length - 1) + 0.5))]
  return Math.min(1024, Math.max(16, Math.ceil(framesForDuration(p95) / 16) * 16))
}

/** Fbank frames per second (10 ms hop). */
const FEATURE_RATE = 100

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`Run config: ${message}`)
}

const isPosInt = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1
const isNonNegInt = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0

/**
 * Fill every field of a run config. Precedence: the caller's fields, then the preset's (when
 * `partial.preset` names one), then the pretrained checkpoint's feature settings, then defaults
 * derived from the dataset, then RUN_DEFAULTS. `pretrained` is the model config of the checkpoint
 * the run starts from (a Hugging Face AST folder or an earlier run), null when there is none.
 */
export function completeRunConfig(partial: Partial<RunConfigInput> & { dataset: string }, dataset: DatasetFacts, pretrained: ModelConfig | null): RunConfigInput {
  return completeRunConfigWithRecipe(partial, dataset, pretrained).config
}

/**
 * completeRunConfig, and which rule (or the user, or the preset) set each of the recipe's fields. The
 * recipe (recipe.ts: epochs, batch, learning rate, warm-up, augmentation, early stopping from the
 * dataset's size and kind) sits between the preset's fields and RUN_DEFAULTS.
 */
export function completeRunConfigWithRecipe(
  partial: Partial<RunConfigInput> & { dataset: string },
  dataset: DatasetFacts,
  pretrained: ModelConfig | null
): { config: RunConfigInput; recipe: RecipeChoice[] } {
  const preset = partial.preset ? presetBase(partial.preset) : {}
  const user = stripUndefined(partial)
  const given = { ...preset, ...user }
  // Frame tasks default to a sigmoid clip loss too: a recording of one class (or none) is not a
  // single-label clip, and a softmax over one class learns nothing.
  // A frame task from scratch with no model named trains the CRNN: on long recordings with sparse frame
  // labels it reaches about three times AST's frame AP (README, "Long recordings with per-frame labels").
  const frameDefault = given.frameHead && given.model === undefined && (given.pretrained ?? RUN_DEFAULTS.pretrained).kind === 'none' ? { model: 'crnn' as const } : {}
  const rules = recipeDefaults(summarizeDataset(dataset, !!given.frameHead), recipeStart(given), given.model ?? frameDefault.model ?? RUN_DEFAULTS.model, given)
  const ruled = Object.fromEntries(RECIPE_FIELDS.map((k) => [k, rules[k].value])) as Partial<RunConfigInput>
  const c: RunConfigInput = { ...RUN_DEFAULTS, ...frameDefault, loss: dataset.multiLabel || given.frameHead ? 'bce' : 'ce', ...ruled, ...given } as RunConfigInput
  const recipe: RecipeChoice[] = RECIPE_FIELDS.map((field) => {
    const source = field in user ? 'user' : field in preset ? 'preset' : 'rule'
    const said = source === 'user' ? 'set by you' : `set by the ${partial.preset} preset`
    return { field, ...rules[field], ...(source === 'rule' ? {} : { value: c[field] as RecipeChoice['value'], reason: said }), source }
  })
  const model: ModelKind = c.model
  check(model === 'ast' || model === 'htsat' || model === 'crnn', `unknown model '${String(model)}' (ast, htsat or crnn)`)
  check(['tiny', 'small', 'base'].includes(c.size), `unknown size '${String(c.size)}' (tiny, small or base)`)

  // Features: a pretrained model fixes the mel bins its weights were trained on.
  // A frame task defaults to 64 mel bins (the DCASE baseline's features): long windows of 1,000 frames
  // with 128 bins make AST's token count, and its cost, twice as large for no gain in timing.
  const defaultMel = model !== 'ast' || given.frameHead ? 64 : 128
  if (pretrained) {
    check(pretrained.kind === model, `the pretrained checkpoint is ${pretrained.kind}, the run asks for ${model}`)
    check(given.melBins === undefined || given.melBins === pretrained.melBins, `the pretrained checkpoint expects ${pretrained.melBins} mel bins, not ${given.melBins}`)
  }
  c.melBins = given.melBins ?? pretrained?.melBins ?? defaultMel
  // A preset's clip length is an upper bound ("4 s clips" at most): 1 s Speech Commands clips are not
  // padded to four times their length. A length the user gives is taken as it is.
  const fromClips = defaultTargetLength(dataset.files.map((f) => f.durationS))
  const asked = stripUndefined(partial).targetLength
  c.targetLength = asked ?? (preset.targetLength !== undefined ? Math.min(preset.targetLength, fromClips) : fromClips)
  c.frameHead = given.frameHead ?? false
  if (c.frameHead) {
    c.frameRate = given.frameRate ?? dataset.frameRate ?? 100
    check(typeof c.frameRate === 'number' && c.frameRate > 0 && c.frameRate <= 100, `frameRate must be between 0 and 100 frames/s (the fbank's), got ${c.frameRate}`)
    // A window whose frame output is a whole number of label frames: the stitched grid is then the
    // label grid exactly (30 frames/s → windows of a multiple of 10 fbank frames).
    // (AST and CRNN: HTS-AT keeps its own input length.)
    if (asked === undefined && model !== 'htsat' && Number.isInteger(c.frameRate)) {
      const step = FEATURE_RATE / gcd(FEATURE_RATE, c.frameRate)
      c.targetLength = Math.max(step * Math.ceil(16 / step), Math.floor(c.targetLength / step) * step)
    }
  }
  if (model === 'htsat') c.targetLength = Math.min(c.targetLength, 1024)
  check(isPosInt(c.melBins) && c.melBins >= 16, `melBins must be an integer ≥ 16, got ${c.melBins}`)
  check(isPosInt(c.targetLength) && c.targetLength >= 16, `targetLength must be an integer ≥ 16 frames, got ${c.targetLength}`)

  // Model shape.
  if (model === 'ast') {
    c.depth = given.depth ?? (pretrained?.kind === 'ast' ? pretrained.depth : 12)
    check(isPosInt(c.depth), `depth must be a positive integer, got ${c.depth}`)
    if (pretrained?.kind === 'ast') check(c.depth! <= pretrained.depth, `the pretrained checkpoint has ${pretrained.depth} blocks; cannot build ${c.depth}`)
    for (const k of ['fstride', 'tstride'] as const) check(isPosInt(c[k]) && c[k] <= 16, `${k} must be an integer from 1 to 16, got ${c[k]}`)
  }
  c.dropout = given.dropout ?? 0
  c.dropPath = given.dropPath ?? (model === 'htsat' ? 0.1 : 0)
  check(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1, `dropout is a probability in [0, 1), got ${c.dropout}`)
  check(typeof c.dropPath === 'number' && c.dropPath >= 0 && c.dropPath < 1, `dropPath is a probability in [0, 1), got ${c.dropPath}`)
  if (c.frameHead) {
    check(dataset.hasStrongLabels, `a frame head needs strong labels (onsets/offsets or per-frame label files), and dataset ${dataset.name} has none`)
    // Frame task: windows over whole recordings, event-favouring sampling, a loss for sparse frames.
    c.windowHopS = given.windowHopS ?? c.targetLength / FEATURE_RATE
    check(typeof c.windowHopS === 'number' && c.windowHopS > 0 && c.windowHopS * FEATURE_RATE <= c.targetLength + 1e-9, `windowHopS must be positive and at most the window (${c.targetLength / FEATURE_RATE} s), got ${c.windowHopS}`)
    c.eventRatio = given.eventRatio ?? 0.5
    check(typeof c.eventRatio === 'number' && c.eventRatio >= 0 && c.eventRatio <= 0.9, `eventRatio is a share of windows from 0 to 0.9, got ${c.eventRatio}`)
    c.frameLoss = given.frameLoss ?? 'pos-bce'
    check(['bce', 'focal', 'weighted-bce', 'pos-bce'].includes(c.frameLoss), `unknown frameLoss '${String(c.frameLoss)}' (bce, focal, weighted-bce or pos-bce)`)
    c.frameSmoothing = given.frameSmoothing ?? 0
    check(isNonNegInt(c.frameSmoothing), `frameSmoothing must be a whole number of frames ≥ 0, got ${c.frameSmoothing}`)
  } else
    for (const k of ['windowHopS', 'eventRatio', 'frameRate', 'frameLoss', 'frameSmoothing'] as const)
      check(given[k] === undefined, `${k} applies to frame tasks only: turn on the frame head (frameHead)`)

  // Augmentation: AST's masks are 24 of 128 mel bins and 96 of 512 frames (3/16 of each axis).
  c.freqm = c.specAugment ? (given.freqm ?? Math.round((3 * c.melBins) / 16)) : 0
  // Frame tasks: no time masks by default (a masked span keeps its frame labels: the model would be
  // taught to find events it cannot hear).
  c.timem = c.specAugment ? (given.timem ?? (c.frameHead ? 0 : Math.round((3 * c.targetLength) / 16))) : 0
  check(isNonNegInt(c.freqm) && c.freqm <= c.melBins, `freqm must be a whole number of mel bins from 0 to ${c.melBins}, got ${c.freqm}`)
  check(isNonNegInt(c.timem) && c.timem <= c.targetLength, `timem must be a whole number of frames from 0 to ${c.targetLength}, got ${c.timem}`)
  check(typeof c.mixup === 'number' && c.mixup >= 0 && c.mixup <= 1, `mixup is a probability from 0 to 1, got ${c.mixup}`)

  // Loss.
  check(['bce', 'focal', 'weighted-bce', 'pos-bce', 'ce'].includes(c.loss), `unknown loss '${String(c.loss)}'`)
  if (c.loss === 'focal' || c.frameLoss === 'focal') {
    c.focalGamma = given.focalGamma ?? 2
    c.focalAlpha = given.focalAlpha ?? 0.25
    check(c.focalGamma >= 0, `focalGamma must be ≥ 0, got ${c.focalGamma}`)
    check(c.focalAlpha >= 0 && c.focalAlpha <= 1, `focalAlpha must be in [0, 1], got ${c.focalAlpha}`)
  }
  c.labelSmoothing = given.labelSmoothing ?? 0
  check(c.labelSmoothing >= 0 && c.labelSmoothing < 1, `labelSmoothing must be in [0, 1), got ${c.labelSmoothing}`)
  c.balancedSampling = c.balancedSampling ?? false

  // Optimisation.
  check(c.optimizer === 'adam' || c.optimizer === 'adamw', `unknown optimizer '${String(c.optimizer)}' (adam or adamw)`)
  check(typeof c.lr === 'number' && c.lr > 0, `lr must be positive, got ${c.lr}`)
  check(typeof c.weightDecay === 'number' && c.weightDecay >= 0, `weightDecay must be ≥ 0, got ${c.weightDecay}`)
  check(isNonNegInt(c.warmupSteps), `warmupSteps must be a whole number ≥ 0, got ${c.warmupSteps}`)
  check(['cosine', 'step', 'constant'].includes(c.schedule), `unknown schedule '${String(c.schedule)}'`)
  if (c.schedule === 'step') {
    c.stepStart = given.stepStart ?? 5
    c.stepGamma = given.stepGamma ?? 0.85
  }
  check(isPosInt(c.epochs), `epochs must be a positive integer, got ${c.epochs}`)
  check(isPosInt(c.batchSize), `batchSize must be a positive integer, got ${c.batchSize}`)
  c.gradAccum = given.gradAccum ?? 1
  check(isPosInt(c.gradAccum), `gradAccum must be a positive integer, got ${c.gradAccum}`)
  // 0 switches clipping, early stopping and mid-epoch checkpoints off.
  c.clipNorm = given.clipNorm ?? 0
  c.earlyStopPatience = c.earlyStopPatience ?? 0
  c.checkpointEverySteps = given.checkpointEverySteps ?? 0
  c.keepCheckpoints = given.keepCheckpoints ?? 0
  check(isNonNegInt(c.keepCheckpoints), `keepCheckpoints must be a whole number ≥ 0 (0 = none), got ${c.keepCheckpoints}`)
  check(c.clipNorm >= 0, `clipNorm must be ≥ 0 (0 = off), got ${c.clipNorm}`)
  check(isNonNegInt(c.earlyStopPatience), `earlyStopPatience must be a whole number ≥ 0 (0 = off), got ${c.earlyStopPatience}`)
  check(isNonNegInt(c.checkpointEverySteps), `checkpointEverySteps must be a whole number ≥ 0 (0 = off), got ${c.checkpointEverySteps}`)
  check(Number.isInteger(c.seed), `seed must be an integer, got ${c.seed}`)
  c.engine = given.engine ?? 'auto'
  check(['auto', 'ort', 'tfjs'].includes(c.engine), `unknown engine '${String(c.engine)}' (auto, ort or tfjs)`)
  if (c.engine === 'ort') check(model === 'ast', `the ort engine trains AST only (no gradient rules yet for HTS-AT's window attention, patch merging and token-semantic module); use engine tfjs or auto`)

  // Data.
  if (dataset.folds && dataset.folds.length > 0) {
    c.fold = given.fold ?? dataset.folds[dataset.folds.length - 1]
    check(dataset.folds.includes(c.fold), `fold ${c.fold} is not one of the dataset's folds (${dataset.folds.join(', ')})`)
  } else check(given.fold === undefined, `dataset ${dataset.name} has no folds, but fold ${given.fold} was asked for`)

  const p = c.pretrained
  check(!!p && ['none', 'imagenet', 'audioset', 'run'].includes(p.kind), `unknown pretraining ${JSON.stringify(p)}`)
  if (p.kind === 'imagenet' || p.kind === 'audioset') check(typeof p.path === 'string' && p.path.trim() !== '', `pretraining '${p.kind}' needs a path (a weights file or a Hugging Face folder)`)
  if (p.kind === 'run') check(typeof p.runId === 'string' && p.runId !== '', `pretraining 'run' needs the id of an earlier run`)
  if (p.kind !== 'none') check(model === 'ast', `pretrained starts are implemented for AST only`)
  c.name = given.name ?? defaultRunName(c)
  return { config: c, recipe }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** "ast-tiny s16 scratch" style names, so runs of an experiment are told apart in a list. */
function defaultRunName(c: RunConfigInput): string {
  const start = c.pretrained.kind === 'none' ? 'scratch' : c.pretrained.kind === 'run' ? `from ${c.pretrained.runId}` : c.pretrained.kind
  const stride = c.model === 'ast' ? ` s${c.fstride === c.tstride ? c.fstride : `${c.fstride}x${c.tstride}`}` : ''
  return `${c.model}-${c.size}${c.depth !== undefined && c.depth !== 12 ? `-d${c.depth}` : ''}${stride} ${start}${c.frozen ? ' frozen' : ''}`
}
