// From what a user asks for (a RunConfigRequest: a few fields, maybe a preset) to a resolved RunConfig:
// every field filled in from the dataset, the pretrained checkpoint and the field table's defaults
// (shared/runConfigFields.ts), and checked. The table gives each field's static default (the model
// registry's kind.defaults override it per kind), its bounds or choices and when it applies; this module owns the rules that
// depend on other fields, the dataset or the checkpoint, and the checks that compare fields.
// The resolved config is what the run store writes once into the run's config.json; the trainer, the
// UI and the exporter all read that one file, so nothing downstream has defaults of its own.
import type { DatasetRecord, ModelKind, PartialRunConfig, RunConfig, RunConfigKey, RunConfigRequest } from '../../../shared/types'
import { FIELDS, conditionHolds, fieldAccepts, fieldOf, mustText, type FieldValue, type RunConfigField } from '../../../shared/runConfigFields'
import type { ModelConfig } from '../models/config'
import { MODEL_KINDS, modelKind, modelKindIds } from '../models/registry'
import { ortCoverage } from './ort/coverage'
import { presetBase } from '../runs/presets'
import { RECIPE_FIELDS, recipeDefaults, recipeResolver, recipeStart, summarizeDataset, type RecipeChoice } from './recipe'

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

const isNonNegInt = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0

/** A given value outside the field's type, bounds or choices: "<key> <what it must be>, got <value>". */
function checkField(f: RunConfigField, v: unknown): void {
  if (v === undefined || fieldAccepts(f, v)) return
  check(false, f.choices ? `unknown ${f.key} '${String(v)}' (${f.choices.slice(0, -1).join(', ')} or ${f.choices[f.choices.length - 1]})` : `${f.key} ${mustText(f)}, got ${v}`)
}

/** What a default rule may look at. */
export interface DefaultContext {
  model: ModelKind
  given: PartialRunConfig
  dataset: DatasetFacts
}

/**
 * A source of defaults above the table's static ones (dataset-size-aware rules plug in here): a value
 * for a field the request leaves out, or undefined to keep the table's. Values it returns are checked
 * like given ones.
 */
export type DefaultResolver = (key: RunConfigKey, ctx: DefaultContext) => FieldValue | undefined

/**
 * Fill every field of a run config. Precedence: the caller's fields, then the preset's (when
 * `partial.preset` names one), then the pretrained checkpoint's feature settings, then defaults
 * derived from the dataset, then the resolver's (when given), then the field table's. `pretrained` is
 * the model config of the checkpoint the run starts from (a Hugging Face AST folder or an earlier
 * run), null when there is none.
 */
export function completeRunConfig(partial: RunConfigRequest, dataset: DatasetFacts, pretrained: ModelConfig | null, resolver: DefaultResolver = recipeResolver): RunConfig {
  const preset = partial.preset ? presetBase(partial.preset) : {}
  const given: PartialRunConfig = { ...preset, ...stripUndefined(partial) }
  // Frame settings without a frame head are a mistake worth naming (they would be ignored).
  if (given.frameHead !== true)
    for (const f of FIELDS) if (f.when === 'frameHead') check(given[f.key] === undefined, `${f.key} applies to frame tasks only: turn on the frame head (frameHead)`)
  for (const f of FIELDS) checkField(f, given[f.key])

  // Frame tasks default to a sigmoid clip loss too: a recording of one class (or none) is not a
  // single-label clip, and a softmax over one class learns nothing.
  // A frame task from scratch with no model named trains the CRNN: on long recordings with sparse frame
  // labels it reaches about three times AST's frame AP (README, "Long recordings with per-frame labels").
  const frameKind = MODEL_KINDS.find((k) => k.frameDefault)?.kind
  const model: ModelKind = given.model ?? (frameKind && given.frameHead && (given.pretrained ?? { kind: 'none' }).kind === 'none' ? frameKind : (fieldOf('model').default as ModelKind))
  check(modelKindIds().includes(model), `unknown model '${String(model)}' (${modelKindIds().join(', ')})`)
  const kind = modelKind(model)
  // A kind's own defaults (the registry's: the CRNN's Adam 1e-3, HTS-AT's drop-path 0.1, AST's 128
  // mel bins) come before the table's.
  const kindDefaults = (kind.defaults ?? {}) as Partial<Record<string, FieldValue>>
  const ctx: DefaultContext = { model, given, dataset }
  const hasFolds = !!dataset.folds && dataset.folds.length > 0
  const defaultOf = (f: RunConfigField): FieldValue | undefined => {
    const v = resolver?.(f.key, ctx)
    if (v !== undefined) checkField(f, v)
    return v ?? kindDefaults[f.key] ?? f.default
  }
  // The static defaults (the kind's, else the table's), for the fields that always apply.
  const c = { model } as RunConfig
  // Field-by-field writes from the table (each value was checked against its field).
  const fill = c as unknown as Record<RunConfigKey, unknown>
  for (const f of FIELDS) {
    const v = f.when || f.key === 'model' ? undefined : (given[f.key] ?? defaultOf(f))
    if (v !== undefined) fill[f.key] = v
  }
  // Keep whatever else was given (a condition's fields are resolved below; unknown ones were refused by the schema).
  Object.assign(c, given, { model })
  c.loss = given.loss ?? (dataset.multiLabel || given.frameHead ? 'bce' : 'ce')

  // Features: a pretrained model fixes the mel bins its weights were trained on.
  // A frame task defaults to 64 mel bins (the DCASE baseline's features): long windows of 1,000 frames
  // with 128 bins make AST's token count, and its cost, twice as large for no gain in timing.
  if (pretrained) {
    check(pretrained.kind === model, `the pretrained checkpoint is ${pretrained.kind}, the run asks for ${model}`)
    check(given.melBins === undefined || given.melBins === pretrained.melBins, `the pretrained checkpoint expects ${pretrained.melBins} mel bins, not ${given.melBins}`)
  }
  c.melBins = given.melBins ?? pretrained?.melBins ?? (given.frameHead ? 64 : c.melBins)
  // A preset's clip length is an upper bound ("4 s clips" at most): 1 s Speech Commands clips are not
  // padded to four times their length. A length the user gives is taken as it is.
  const fromClips = defaultTargetLength(dataset.files.map((f) => f.durationS))
  const asked = stripUndefined(partial).targetLength
  c.targetLength = asked ?? (preset.targetLength !== undefined ? Math.min(preset.targetLength, fromClips) : fromClips)
  if (c.frameHead) {
    c.frameRate = given.frameRate ?? dataset.frameRate ?? 100
    checkField(fieldOf('frameRate'), c.frameRate)
    // A window whose frame output is a whole number of label frames: the stitched grid is then the
    // label grid exactly (30 frames/s → windows of a multiple of 10 fbank frames).
    // (Not for a kind whose frame steps do not follow its input length: HTS-AT keeps its own.)
    if (asked === undefined && !kind.fixedFrameSteps && Number.isInteger(c.frameRate)) {
      const step = FEATURE_RATE / gcd(FEATURE_RATE, c.frameRate)
      c.targetLength = Math.max(step * Math.ceil(16 / step), Math.floor(c.targetLength / step) * step)
    }
  }
  if (kind.defaults?.maxTargetLength !== undefined) c.targetLength = Math.min(c.targetLength, kind.defaults.maxTargetLength)

  // Model shape: blocks are AST's (the pretrained checkpoint's, else 12); other models have none.
  if (model === 'ast') {
    c.depth = given.depth ?? (pretrained?.kind === 'ast' ? pretrained.depth : 12)
    if (pretrained?.kind === 'ast') check(c.depth <= pretrained.depth, `the pretrained checkpoint has ${pretrained.depth} blocks; cannot build ${c.depth}`)
  }
  if (c.frameHead) {
    check(dataset.hasStrongLabels, `a frame head needs strong labels (onsets/offsets or per-frame label files), and dataset ${dataset.name} has none`)
    // Frame task: windows over whole recordings, event-favouring sampling, a loss for sparse frames.
    c.windowHopS = given.windowHopS ?? c.targetLength / FEATURE_RATE
    check(c.windowHopS * FEATURE_RATE <= c.targetLength + 1e-9, `windowHopS must be positive and at most the window (${c.targetLength / FEATURE_RATE} s), got ${c.windowHopS}`)
  }
  // The fields of the conditions that hold (frame task, focal loss, step schedule), from the table.
  for (const f of FIELDS)
    if ((f.when === 'frameHead' || f.when === 'focal' || f.when === 'stepSchedule') && conditionHolds(f.when, c, hasFolds) && c[f.key] === undefined) fill[f.key] = defaultOf(f)

  // Augmentation: AST's masks are 24 of 128 mel bins and 96 of 512 frames (3/16 of each axis).
  c.freqm = c.specAugment ? (given.freqm ?? Math.round((3 * c.melBins) / 16)) : 0
  // Frame tasks: no time masks by default (a masked span keeps its frame labels: the model would be
  // taught to find events it cannot hear).
  c.timem = c.specAugment ? (given.timem ?? (c.frameHead ? 0 : Math.round((3 * c.targetLength) / 16))) : 0
  check(isNonNegInt(c.freqm) && c.freqm <= c.melBins, `freqm must be a whole number of mel bins from 0 to ${c.melBins}, got ${c.freqm}`)
  check(isNonNegInt(c.timem) && c.timem <= c.targetLength, `timem must be a whole number of frames from 0 to ${c.targetLength}, got ${c.timem}`)

  const ortGap = c.engine === 'ort' ? ortCoverage(model) : null
  check(ortGap === null, `the ort engine cannot train ${kind.label}: ${ortGap}; use engine tfjs or auto`)

  // Data.
  if (hasFolds) {
    const folds = dataset.folds as number[]
    c.fold = given.fold ?? folds[folds.length - 1]
    check(folds.includes(c.fold), `fold ${c.fold} is not one of the dataset's folds (${folds.join(', ')})`)
  } else check(given.fold === undefined, `dataset ${dataset.name} has no folds, but fold ${given.fold} was asked for`)

  const p = c.pretrained
  check(!!p && ['none', 'imagenet', 'audioset', 'run'].includes(p.kind), `unknown pretraining ${JSON.stringify(p)}`)
  if (p.kind === 'imagenet' || p.kind === 'audioset') check(typeof p.path === 'string' && p.path.trim() !== '', `pretraining '${p.kind}' needs a path (a weights file or a Hugging Face folder)`)
  if (p.kind === 'run') check(typeof p.runId === 'string' && p.runId !== '', `pretraining 'run' needs the id of an earlier run`)
  if (p.kind !== 'none') check((kind.starts as string[]).includes(p.kind), `${kind.label} does not take ${p.kind} starts (it takes ${kind.starts.join(', ') || 'none'})`)
  // Every resolved value within its field's bounds (the rules above derive some from others).
  for (const f of FIELDS) checkField(f, c[f.key])
  c.name = given.name ?? defaultRunName(c)
  return c
}

/**
 * completeRunConfig with the recipe's rules (recipe.ts: epochs, batch, learning rate, warm-up,
 * augmentation, early stopping from the dataset's size and kind) as its defaults, and which rule (or
 * the user, or the preset) set each of the recipe's fields: for `tagbench train`, the form and the
 * run's log.
 */
export function completeRunConfigWithRecipe(partial: RunConfigRequest, dataset: DatasetFacts, pretrained: ModelConfig | null): { config: RunConfig; recipe: RecipeChoice[] } {
  const config = completeRunConfig(partial, dataset, pretrained, recipeResolver)
  const preset = partial.preset ? presetBase(partial.preset) : {}
  const user = stripUndefined(partial)
  const rules = recipeDefaults(summarizeDataset(dataset, !!config.frameHead), recipeStart(config), config.model, { ...preset, ...user })
  const recipe: RecipeChoice[] = RECIPE_FIELDS.map((field) => {
    const source = field in user ? 'user' : field in preset ? 'preset' : 'rule'
    const value = config[field] as RecipeChoice['value']
    if (source === 'rule') return { field, ...rules[field], value, source }
    return { field, ...rules[field], value, reason: source === 'user' ? 'set by you' : `set by the ${partial.preset} preset`, source }
  })
  return { config, recipe }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** "ast-tiny s16 scratch" style names, so runs of an experiment are told apart in a list. */
function defaultRunName(c: RunConfig): string {
  const start = c.pretrained.kind === 'none' ? 'scratch' : c.pretrained.kind === 'run' ? `from ${c.pretrained.runId}` : c.pretrained.kind
  const stride = c.model === 'ast' ? ` s${c.fstride === c.tstride ? c.fstride : `${c.fstride}x${c.tstride}`}` : ''
  return `${c.model}-${c.size}${c.depth !== undefined && c.depth !== 12 ? `-d${c.depth}` : ''}${stride} ${start}${c.frozen ? ' frozen' : ''}`
}

