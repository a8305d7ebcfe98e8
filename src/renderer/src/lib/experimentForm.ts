// The experiment form as plain data: a draft the user edits (kept across reloads), the run config it
// stands for, grid axes typed from text ("16, 10"), and defaults that suit the machine.
import {
  FIELDS,
  conditionHolds,
  staticDefault,
  type AppInfo,
  type ExperimentAxis,
  type FieldForm,
  type FormFieldKey,
  type LossKind,
  type OptionalFormKey,
  type Pretraining,
  type RunConfig,
  type RunConfigField,
  type RunConfigRequest,
  type TrainingEngineChoice
} from '@shared/api'

export interface AxisDraft {
  key: string
  values: string
}

/**
 * The draft's run-config fields, one per field of the table with a form control (shared/runConfigFields):
 * optional ones hold null for the engine's default.
 */
export type DraftFields = { [K in Exclude<FormFieldKey, OptionalFormKey | 'loss' | 'engine'>]: Required<RunConfig>[K] } & { [K in OptionalFormKey]: number | null }

export type Draft = DraftFields & {
  name: string
  dataset: string
  pretrainKind: Pretraining['kind']
  pretrainPath: string
  pretrainRun: string
  loss: LossKind | 'auto'
  seeds: string
  axes: AxisDraft[]
  /** Runs of a grid trained at once (each its own job; on several GPUs, one GPU each). */
  runsAtOnce: number
  /** Training engine; drafts saved before engines existed have none (read as 'auto'). */
  engine?: TrainingEngineChoice
  preset: string
}

/** The fields the form has a control for, in table order. */
export const FORM_FIELDS = FIELDS.filter((f) => f.form)

/** A form field's controls shown in a section (in table order), e.g. the frame-task row and "More training options". */
export const formFieldsIn = (section: FieldForm['section']): RunConfigField[] => FORM_FIELDS.filter((f) => f.form!.section === section)

/** Sizes that fit the machine: a GPU takes the paper's 12 blocks and bigger batches; a CPU starts small. */
export function hardwareDefaults(info: Pick<AppInfo, 'backend'> | null): Pick<Draft, 'depth' | 'batchSize' | 'epochs'> {
  switch (info?.backend.chosen) {
    case 'cuda':
      return { depth: 12, batchSize: 32, epochs: 15 }
    case 'native':
      return { depth: 6, batchSize: 16, epochs: 10 }
    default:
      return { depth: 4, batchSize: 8, epochs: 10 }
  }
}

/** A fresh draft: the table's defaults (null where the engine decides), sized for the machine. */
export function newDraft(info: Pick<AppInfo, 'backend'> | null): Draft {
  const fields: Record<string, unknown> = {}
  for (const f of FORM_FIELDS) fields[f.key] = f.form!.autoLabel ? 'auto' : f.form!.optional ? null : staticDefault(f)
  return {
    ...(fields as DraftFields),
    name: '',
    dataset: '',
    pretrainKind: 'none',
    pretrainPath: '',
    pretrainRun: '',
    loss: 'auto',
    engine: 'auto',
    seeds: '0',
    axes: [],
    runsAtOnce: 1,
    preset: '',
    ...hardwareDefaults(info)
  }
}

export function pretrainingOf(d: Draft): Pretraining {
  switch (d.pretrainKind) {
    case 'imagenet':
      return { kind: 'imagenet', path: d.pretrainPath.trim() }
    case 'audioset':
      return { kind: 'audioset', path: d.pretrainPath.trim() }
    case 'run':
      return { kind: 'run', runId: d.pretrainRun }
    default:
      return { kind: 'none' }
  }
}

/** "More training options" that are numbers: null (or '' from a cleared input) keeps the engine's default. */
const MORE_NUMBER_KEYS = formFieldsIn('more').filter((f) => f.type !== 'boolean').map((f) => f.key as OptionalFormKey)
const isGiven = (v: unknown): boolean => v !== null && v !== undefined && v !== ''
/** Whether any "more training option" holds a value (then the form shows them open). */
export const moreOptionsChanged = (d: Draft): boolean => d.balancedSampling || MORE_NUMBER_KEYS.some((k) => isGiven(d[k]))

/**
 * Whether a field's control is shown and its value sent: its model kinds, and its condition (mask widths
 * with SpecAugment on, γ and α with a focal loss, frame settings with the frame head). Folds are the
 * page's to judge (it knows the dataset).
 */
export function fieldApplies(d: Draft, f: RunConfigField): boolean {
  if (f.models && !f.models.includes(d.model)) return false
  const asConfig = { frameHead: d.frameHead, specAugment: d.specAugment, loss: d.loss === 'auto' ? undefined : d.loss, frameLoss: d.frameHead ? d.frameLoss : undefined, schedule: d.schedule }
  return conditionHolds(f.when, asConfig, true)
}

/** The run config the draft describes; fields left to the engine (null, 'auto', a switch at its default) are left out. */
export function configOf(d: Draft, seed: number): RunConfigRequest {
  const c: Record<string, unknown> = { dataset: d.dataset, pretrained: pretrainingOf(d), seed }
  for (const f of FORM_FIELDS) {
    const v = (d as unknown as Record<string, unknown>)[f.key]
    if (!isGiven(v) || v === 'auto' || !fieldApplies(d, f)) continue
    if (f.form!.omitDefault && v === f.default) continue
    c[f.key] = v
  }
  if (d.name.trim()) c.name = d.name.trim()
  if (d.preset) c.preset = d.preset
  // JSON drops undefined: the engine then picks the loss from the dataset (CE single-label, BCE multi).
  return JSON.parse(JSON.stringify(c)) as RunConfigRequest
}

/** "0, 1, 2" or "0-4" → [0, 1, 2] / [0, 1, 2, 3, 4]. */
export function parseSeeds(text: string): number[] {
  const out: number[] = []
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(-?\d+)\s*-\s*(-?\d+)$/.exec(part)
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])]
      if (b < a || b - a > 99) throw new Error(`Seed range "${part}" must go up and hold at most 100 seeds`)
      for (let s = a; s <= b; s++) out.push(s)
    } else if (/^-?\d+$/.test(part)) out.push(Number(part))
    else throw new Error(`"${part}" is not a whole-number seed`)
  }
  if (out.length === 0) throw new Error('Give at least one seed')
  return [...new Set(out)]
}

const NUMERIC = new Set(['stride', ...FIELDS.filter((f) => f.type === 'int' || f.type === 'number').map((f) => f.key)])
const BOOLEAN = new Set(FIELDS.filter((f) => f.type === 'boolean').map((f) => f.key as string))
const CHOICES: Record<string, readonly string[]> = Object.fromEntries(FIELDS.filter((f) => f.choices).map((f) => [f.key, f.choices!]))

/** The keys a grid can vary, with a hint of the values each takes: 'stride', then the table's axis fields. */
export const AXIS_KEYS: { key: string; hint: string }[] = [{ key: 'stride', hint: '16, 10 (sets fstride and tstride)' }, ...FIELDS.filter((f) => f.axis).map((f) => ({ key: f.key, hint: f.axis!.hint }))]

/**
 * Typed values of one axis from its text; `pretrained` takes "none" and "chosen" (the form's pretraining).
 * `models`: the model kinds a `model` axis may take (the registry's, from model.choices); when empty the
 * engine checks them.
 */
export function parseAxis(a: AxisDraft, chosen: Pretraining, models: string[] = []): ExperimentAxis {
  const tokens = a.values.split(',').map((s) => s.trim()).filter(Boolean)
  if (tokens.length === 0) throw new Error(`Axis "${a.key}" has no values`)
  const values = tokens.map((t): unknown => {
    if (a.key === 'pretrained') {
      if (t === 'none') return { kind: 'none' }
      if (t === 'chosen') {
        if (chosen.kind === 'none') throw new Error('Axis "pretrained": choose a pretraining in the form for "chosen"')
        return chosen
      }
      throw new Error(`Axis "pretrained" takes "none" and "chosen", not "${t}"`)
    }
    if (NUMERIC.has(a.key)) {
      const n = Number(t)
      if (!Number.isFinite(n)) throw new Error(`Axis "${a.key}": "${t}" is not a number`)
      return n
    }
    if (BOOLEAN.has(a.key)) {
      if (/^(true|on|yes)$/i.test(t)) return true
      if (/^(false|off|no)$/i.test(t)) return false
      throw new Error(`Axis "${a.key}": "${t}" is not true or false`)
    }
    const choices = a.key === 'model' ? (models.length ? models : null) : CHOICES[a.key]
    if (choices && !choices.includes(t)) throw new Error(`Axis "${a.key}": "${t}" is not one of ${choices.join(', ')}`)
    return t
  })
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) throw new Error(`Axis "${a.key}" repeats a value`)
  return { key: a.key as ExperimentAxis['key'], values }
}

/** Runs a grid makes: the product of the axes' lengths times the seeds. */
export function gridSize(axes: ExperimentAxis[], seeds: number): number {
  return axes.reduce((n, a) => n * a.values.length, 1) * seeds
}

/** Axis values as text for the form (the inverse of parseAxis). */
export function axisText(a: ExperimentAxis): string {
  return a.values.map((v) => (a.key === 'pretrained' ? ((v as Pretraining).kind === 'none' ? 'none' : 'chosen') : String(v))).join(', ')
}
