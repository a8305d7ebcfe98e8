// The experiment form as plain data: a draft the user edits (kept across reloads), the run config it
// stands for, grid axes typed from text ("16, 10"), and defaults that suit the machine.
import type { AppInfo, ExperimentAxis, LossKind, ModelKind, ModelSize, Pretraining, RunConfigRequest, TrainingEngineChoice } from '@shared/api'

export interface AxisDraft {
  key: string
  values: string
}

export interface Draft {
  name: string
  dataset: string
  model: ModelKind
  size: ModelSize
  depth: number | null
  pretrainKind: Pretraining['kind']
  pretrainPath: string
  pretrainRun: string
  fstride: number
  tstride: number
  targetLength: number | null
  frozen: boolean
  specAugment: boolean
  mixup: number
  loss: LossKind | 'auto'
  optimizer: 'adam' | 'adamw'
  lr: number
  weightDecay: number
  warmupSteps: number
  schedule: 'cosine' | 'step' | 'constant'
  epochs: number
  batchSize: number
  seeds: string
  frameHead: boolean
  /** Frame-task settings (with frameHead); null leaves the engine's default. */
  windowHopS: number | null
  frameRate: number | null
  eventRatio: number | null
  frameLoss: 'pos-bce' | 'bce' | 'focal' | 'weighted-bce'
  frameSmoothing: number | null
  /** ESC-50-style folds: the fold held out as test (null: the engine's default, the last fold). */
  fold: number | null
  axes: AxisDraft[]
  /** Runs of a grid trained at once (each its own job; on several GPUs, one GPU each). */
  runsAtOnce: number
  // More training options: null leaves the engine's default (train/config.ts).
  dropout: number | null
  dropPath: number | null
  freqm: number | null
  timem: number | null
  labelSmoothing: number | null
  focalGamma: number | null
  focalAlpha: number | null
  balancedSampling: boolean
  gradAccum: number | null
  clipNorm: number | null
  earlyStopPatience: number | null
  checkpointEverySteps: number | null
  keepCheckpoints: number | null
  /** Training engine; drafts saved before engines existed have none (read as 'auto'). */
  engine?: TrainingEngineChoice
  preset: string
}

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

export function newDraft(info: Pick<AppInfo, 'backend'> | null): Draft {
  return {
    name: '',
    dataset: '',
    model: 'ast',
    size: 'tiny',
    pretrainKind: 'none',
    pretrainPath: '',
    pretrainRun: '',
    fstride: 16,
    tstride: 16,
    targetLength: null,
    frozen: false,
    specAugment: true,
    mixup: 0,
    loss: 'auto',
    optimizer: 'adam',
    lr: 1e-4,
    weightDecay: 5e-7,
    warmupSteps: 100,
    schedule: 'cosine',
    seeds: '0',
    frameHead: false,
    windowHopS: null,
    frameRate: null,
    eventRatio: null,
    frameLoss: 'pos-bce',
    frameSmoothing: null,
    fold: null,
    axes: [],
    runsAtOnce: 1,
    dropout: null,
    dropPath: null,
    freqm: null,
    timem: null,
    labelSmoothing: null,
    focalGamma: null,
    focalAlpha: null,
    balancedSampling: false,
    gradAccum: null,
    clipNorm: null,
    earlyStopPatience: null,
    checkpointEverySteps: null,
    keepCheckpoints: null,
    engine: 'auto',
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

/** The run config the draft describes; fields left to the engine (target length, loss) are left out. */
/** "More training options" that are numbers: null (or '' from a cleared input) keeps the engine's default. */
const MORE_NUMBER_KEYS = ['dropout', 'dropPath', 'freqm', 'timem', 'labelSmoothing', 'focalGamma', 'focalAlpha', 'gradAccum', 'clipNorm', 'earlyStopPatience', 'checkpointEverySteps', 'keepCheckpoints'] as const
type MoreNumberKey = (typeof MORE_NUMBER_KEYS)[number]
const isGiven = (v: number | null | undefined | ''): v is number => v !== null && v !== undefined && v !== ''
/** Mask widths matter only with SpecAugment on, γ and α only with the focal loss. */
const moreOptionApplies = (d: Draft, k: MoreNumberKey): boolean =>
  k === 'freqm' || k === 'timem' ? d.specAugment : k === 'focalGamma' || k === 'focalAlpha' ? d.loss === 'focal' : true
/** Whether any "more training option" holds a value (then the form shows them open). */
export const moreOptionsChanged = (d: Draft): boolean => d.balancedSampling || MORE_NUMBER_KEYS.some((k) => isGiven(d[k]))

export function configOf(d: Draft, seed: number): RunConfigRequest {
  const c: RunConfigRequest = {
    dataset: d.dataset,
    model: d.model,
    size: d.size,
    pretrained: pretrainingOf(d),
    fstride: d.fstride,
    tstride: d.tstride,
    frozen: d.frozen,
    specAugment: d.specAugment,
    mixup: d.mixup,
    loss: d.loss === 'auto' ? (undefined as unknown as LossKind) : d.loss,
    optimizer: d.optimizer,
    lr: d.lr,
    weightDecay: d.weightDecay,
    warmupSteps: d.warmupSteps,
    schedule: d.schedule,
    epochs: d.epochs,
    batchSize: d.batchSize,
    seed
  }
  if (d.name.trim()) c.name = d.name.trim()
  if (d.model === 'ast' && d.depth) c.depth = d.depth
  if (d.targetLength) c.targetLength = d.targetLength
  if (d.frameHead) {
    c.frameHead = true
    c.frameLoss = d.frameLoss
    for (const k of ['windowHopS', 'frameRate', 'eventRatio', 'frameSmoothing'] as const) {
      const v = d[k]
      if (isGiven(v)) c[k] = v
    }
  }
  if (d.fold != null) c.fold = d.fold
  if (d.preset) c.preset = d.preset
  for (const k of MORE_NUMBER_KEYS) {
    const v = d[k]
    if (moreOptionApplies(d, k) && isGiven(v)) c[k] = v
  }
  if (d.balancedSampling) c.balancedSampling = true
  // 'auto' is the engine's default: left out, like the other defaults.
  if (d.engine && d.engine !== 'auto') c.engine = d.engine
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

const NUMERIC = new Set([
  'stride', 'fstride', 'tstride', 'depth', 'mixup', 'lr', 'batchSize', 'epochs', 'targetLength', 'weightDecay', 'warmupSteps', 'melBins', 'dropout', 'dropPath', 'labelSmoothing',
  'windowHopS', 'frameRate', 'eventRatio', 'frameSmoothing'
])
const BOOLEAN = new Set(['frozen', 'specAugment', 'frameHead', 'balancedSampling'])
const CHOICES: Record<string, string[]> = {
  size: ['tiny', 'small', 'base'],
  model: ['ast', 'htsat', 'crnn'],
  loss: ['bce', 'ce', 'focal', 'weighted-bce', 'pos-bce'],
  frameLoss: ['pos-bce', 'bce', 'focal', 'weighted-bce'],
  schedule: ['cosine', 'step', 'constant'],
  optimizer: ['adam', 'adamw'],
  engine: ['auto', 'ort', 'tfjs']
}

/** The keys a grid can vary, with a hint of the values each takes. */
export const AXIS_KEYS: { key: string; hint: string }[] = [
  { key: 'stride', hint: '16, 10 (sets fstride and tstride)' },
  { key: 'pretrained', hint: 'none, chosen' },
  { key: 'frozen', hint: 'true, false' },
  { key: 'size', hint: 'tiny, small' },
  { key: 'depth', hint: '4, 12' },
  { key: 'specAugment', hint: 'true, false' },
  { key: 'mixup', hint: '0, 0.5' },
  { key: 'lr', hint: '1e-4, 5e-4' },
  { key: 'batchSize', hint: '8, 16' },
  { key: 'loss', hint: 'bce, focal' },
  { key: 'model', hint: 'ast, htsat, crnn' },
  { key: 'fstride', hint: '16, 10' },
  { key: 'tstride', hint: '16, 10' },
  { key: 'targetLength', hint: '400, 1024' },
  { key: 'epochs', hint: '5, 10' },
  { key: 'dropout', hint: '0, 0.1' },
  { key: 'dropPath', hint: '0, 0.1' },
  { key: 'labelSmoothing', hint: '0, 0.1' },
  { key: 'balancedSampling', hint: 'true, false' },
  { key: 'weightDecay', hint: '5e-7, 0.05' },
  { key: 'frameHead', hint: 'true, false' },
  { key: 'windowHopS', hint: '10, 5 (frame task: seconds between windows)' },
  { key: 'frameRate', hint: '30, 50 (frame task: label rate)' },
  { key: 'eventRatio', hint: '0, 0.5 (frame task)' },
  { key: 'frameLoss', hint: 'pos-bce, focal (frame task)' },
  { key: 'frameSmoothing', hint: '0, 2 (frame task: ±k frames)' },
  { key: 'engine', hint: 'ort, tfjs' }
]

/** Typed values of one axis from its text; `pretrained` takes "none" and "chosen" (the form's pretraining). */
export function parseAxis(a: AxisDraft, chosen: Pretraining): ExperimentAxis {
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
    if (CHOICES[a.key] && !CHOICES[a.key].includes(t)) throw new Error(`Axis "${a.key}": "${t}" is not one of ${CHOICES[a.key].join(', ')}`)
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
