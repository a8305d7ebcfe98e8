// The run-config field table: one entry per field of RunConfig, in display order. Everything that
// lists run-config fields is derived from it: the API's validation (apiSchema.runConfigFields, also
// applied to grid files), the engine's range and choice checks and static defaults
// (train/config.ts), the options of `tagbench train`, the experiment form (draft, controls, grid
// axes, presets), the runs table's columns and the "what differs" table.
// This file is data only: the engine owns what a field means (train/config.ts resolves the defaults
// that depend on other fields, the dataset or the checkpoint: those entries say so in `rule`).
import type { ModelKind, Pretraining } from './types'
import type { RunConfig, RunConfigKey } from './runConfig'

export type FieldType = 'int' | 'number' | 'boolean' | 'choice' | 'string' | 'pretraining'
/** A field's value (a pretraining only for `pretrained`). */
export type FieldValue = number | boolean | string | Pretraining

/** When a field means something: fields outside their condition are left out of a resolved config. */
export type FieldCondition = 'frameHead' | 'specAugment' | 'focal' | 'stepSchedule' | 'folds'

export interface FieldForm {
  /** Where the control sits: rendered from the table in the frame-task row and "More training options". */
  section: 'data' | 'frame' | 'pretraining' | 'patches' | 'training' | 'more'
  /** The draft holds null for "the engine's default" (the field is then left out of the request). */
  optional?: boolean
  /** A switch sent only when it differs from its default (the frame head, balanced sampling). */
  omitDefault?: boolean
  /** The form offers 'auto' (the engine decides: the field is left out), with this label. */
  autoLabel?: string
  /** Empty input: the engine's default, described (else the default itself). */
  placeholder?: string
  /** The input's own bounds and step (the form may be stricter than the engine, never looser). */
  min?: number
  max?: number
  step?: number | 'any'
  title?: string
  testid?: string
  /** Labels of a select's options, by value. */
  optionLabels?: Record<string, string>
}

export interface RunConfigField {
  key: RunConfigKey
  type: FieldType
  /** Display label (form control, CLI help heading). */
  label: string
  /** One line on what the field does (the CLI's --help, the form's tooltip). */
  help: string
  unit?: string
  /** Static default; absent when a rule in the engine resolves it (see `rule`) or when there is none. */
  default?: FieldValue
  /** How the engine resolves the default when it depends on other fields, the dataset or the checkpoint. */
  rule?: string
  /** What a stored config.json written before this field existed meant by leaving it out. */
  legacy?: FieldValue
  /** Bounds (numbers): min/max inclusive unless the *Exclusive flag is set. */
  min?: number
  max?: number
  minExclusive?: boolean
  maxExclusive?: boolean
  choices?: readonly string[]
  maxLength?: number
  /** The check's wording: "<key> <must>, got <value>" (engine) — defaults to one made from the bounds. */
  must?: string
  /** Only meaningful under this condition (the engine rejects the field elsewhere for 'frameHead'). */
  when?: FieldCondition
  /** Model kinds it applies to (absent: all). */
  models?: readonly ModelKind[]
  /** `tagbench train`: the flag (commander syntax) and its help when it differs from `help`; null: none or hand-written. */
  /** `onHelp`: for a `--no-x` flag, the help of the `--x` flag that comes with it. */
  cli: { flags: string; help?: string; onHelp?: string } | null
  /** The form offers it as a grid axis, with this hint for its values (grid files may vary any field but noAxis ones). */
  axis?: { hint: string }
  /** Never a grid axis (it names or points at the run, it is not a setting). */
  noAxis?: boolean
  /** Rank among the columns of the runs table (lower first; unranked fields follow by name). */
  column?: number
  /** Shown in the runs table when not only the differing columns are. */
  standard?: boolean
  /** Changes the cost estimate (the form asks the engine again when it changes). */
  cost?: boolean
  /** The experiment form's control; absent: the form leaves it to the engine or handles it by hand. */
  form?: FieldForm
}

const LOSSES = ['bce', 'focal', 'weighted-bce', 'pos-bce', 'ce'] as const
const FRAME_LOSSES = ['bce', 'focal', 'weighted-bce', 'pos-bce'] as const

export const RUN_CONFIG_FIELDS = [
  { key: 'name', type: 'string', label: 'Run name', help: 'run name', maxLength: 2000, noAxis: true, rule: 'model, size, stride and start, e.g. "ast-tiny s16 scratch"', cli: { flags: '--name <name>' } },
  { key: 'dataset', type: 'string', label: 'Dataset', help: 'an imported dataset (name or id)', maxLength: 400, noAxis: true, cli: null, column: 0 },
  {
    key: 'model',
    // A kind of the engine's model registry (models/registry.ts), which completeRunConfig checks it against.
    type: 'string',
    label: 'Model',
    help: 'model kind (one of the model registry\'s)',
    maxLength: 64,
    default: 'ast',
    rule: "the registry's frame-task kind (crnn) for a frame task from scratch with no model named",
    cli: null,
    axis: { hint: 'ast, htsat, crnn' },
    column: 1,
    standard: true,
    cost: true,
    form: { section: 'data', testid: 'exp-model' }
  },
  { key: 'size', type: 'choice', label: 'Width', help: 'model width', choices: ['tiny', 'small', 'base'], must: '(tiny, small or base)', default: 'tiny', cli: null, axis: { hint: 'tiny, small' }, column: 2, standard: true, cost: true, form: { section: 'data', testid: 'exp-size' } },
  {
    key: 'depth',
    type: 'int',
    label: 'Blocks',
    help: 'transformer blocks (AST)',
    min: 1,
    must: 'must be a positive integer',
    rule: "the pretrained checkpoint's blocks, else 12",
    models: ['ast'],
    cli: { flags: '--depth <n>' },
    axis: { hint: '4, 12' },
    column: 3,
    standard: true,
    cost: true,
    form: { section: 'data', optional: true, min: 1, max: 12, testid: 'exp-depth' }
  },
  { key: 'pretrained', type: 'pretraining', label: 'Pretraining', help: 'the weights the run starts from', default: { kind: 'none' }, cli: null, axis: { hint: 'none, chosen' }, column: 4, standard: true, cost: true },
  { key: 'frozen', type: 'boolean', label: 'Freeze the backbone', help: 'train the head only', default: false, cli: { flags: '--frozen' }, axis: { hint: 'true, false' }, column: 5, standard: true, cost: true, form: { section: 'pretraining' } },
  {
    key: 'fstride',
    type: 'int',
    label: 'Frequency stride',
    help: 'patch stride along frequency (16: no overlap, 10: AST overlap)',
    default: 16,
    min: 1,
    max: 16,
    must: 'must be an integer from 1 to 16',
    cli: { flags: '--fstride <n>' },
    axis: { hint: '16, 10' },
    column: 6,
    standard: true,
    cost: true,
    form: { section: 'patches', min: 1, max: 16, testid: 'exp-fstride' }
  },
  {
    key: 'tstride',
    type: 'int',
    label: 'Time stride',
    help: 'patch stride along time',
    default: 16,
    min: 1,
    max: 16,
    must: 'must be an integer from 1 to 16',
    cli: { flags: '--tstride <n>' },
    axis: { hint: '16, 10' },
    column: 7,
    standard: true,
    cost: true,
    form: { section: 'patches', min: 1, max: 16, testid: 'exp-tstride' }
  },
  {
    key: 'targetLength',
    type: 'int',
    label: 'Frames per clip',
    help: 'frames per clip after pad/cut (default: from the clip durations)',
    unit: 'frames',
    min: 16,
    must: 'must be an integer ≥ 16 frames',
    rule: "the 95th-percentile clip in whole patches (16–1024), capped by a preset's length; frame tasks: a whole number of label frames",
    cli: { flags: '--target-length <frames>' },
    axis: { hint: '400, 1024' },
    cost: true,
    form: { section: 'data', optional: true, min: 16, step: 16, testid: 'exp-target-length' }
  },
  {
    key: 'melBins',
    type: 'int',
    label: 'Mel bins',
    help: 'mel bins',
    min: 16,
    must: 'must be an integer ≥ 16',
    default: 64,
    rule: "the pretrained checkpoint's; 64 for frame tasks; else the model kind's (AST 128, the registry's kind.defaults)",
    cli: { flags: '--mel-bins <n>' }
  },
  {
    key: 'specAugment',
    type: 'boolean',
    label: 'SpecAugment (frequency and time masks)',
    help: 'SpecAugment',
    default: true,
    cli: { flags: '--no-spec-augment', help: 'turn SpecAugment off', onHelp: 'turn SpecAugment on (default: the recipe decides from the dataset, see the recipe printed before training)' },
    axis: { hint: 'true, false' },
    column: 8,
    standard: true,
    form: { section: 'training' }
  },
  {
    key: 'mixup',
    type: 'number',
    label: 'Mixup probability',
    help: 'probability of waveform mixup per clip',
    default: 0,
    min: 0,
    max: 1,
    must: 'is a probability from 0 to 1',
    cli: { flags: '--mixup <p>' },
    axis: { hint: '0, 0.5' },
    column: 9,
    form: { section: 'training', min: 0, max: 1, step: 0.1 }
  },
  {
    key: 'dropout',
    type: 'number',
    label: 'Dropout',
    help: 'dropout in the transformer blocks (default 0)',
    default: 0,
    legacy: 0,
    min: 0,
    max: 1,
    maxExclusive: true,
    must: 'is a probability in [0, 1)',
    cli: { flags: '--dropout <p>' },
    axis: { hint: '0, 0.1' },
    form: { section: 'more', optional: true, min: 0, max: 0.9, step: 0.05, testid: 'exp-dropout' }
  },
  {
    key: 'dropPath',
    type: 'number',
    label: 'Drop-path (stochastic depth)',
    help: 'stochastic depth, rising to this rate at the last block (default 0; HTS-AT 0.1)',
    default: 0,
    legacy: 0,
    min: 0,
    max: 1,
    maxExclusive: true,
    must: 'is a probability in [0, 1)',
    cli: { flags: '--drop-path <p>' },
    axis: { hint: '0, 0.1' },
    form: { section: 'more', optional: true, min: 0, max: 0.9, step: 0.05, testid: 'exp-droppath' }
  },
  {
    key: 'freqm',
    type: 'int',
    label: 'Frequency mask (mel bins)',
    help: 'SpecAugment frequency mask width',
    unit: 'mel bins',
    min: 0,
    must: 'must be a whole number of mel bins ≥ 0',
    rule: '3/16 of the mel bins (0 without SpecAugment)',
    when: 'specAugment',
    cli: { flags: '--freqm <bins>' },
    form: { section: 'more', optional: true, min: 0, step: 1, placeholder: '3/16 of the mel bins' }
  },
  {
    key: 'timem',
    type: 'int',
    label: 'Time mask (frames)',
    help: 'SpecAugment time mask width',
    unit: 'frames',
    min: 0,
    must: 'must be a whole number of frames ≥ 0',
    rule: '3/16 of the frames; 0 for frame tasks (0 without SpecAugment)',
    when: 'specAugment',
    cli: { flags: '--timem <frames>' },
    form: { section: 'more', optional: true, min: 0, step: 1, placeholder: '3/16 of the frames' }
  },
  {
    key: 'loss',
    type: 'choice',
    label: 'Loss',
    help: 'clip loss',
    choices: LOSSES,
    rule: 'ce for single-label data, else bce',
    cli: { flags: '--loss <name>', help: 'bce | ce | focal | weighted-bce | pos-bce (default: ce for single-label data, else bce)' },
    axis: { hint: 'bce, focal' },
    column: 10,
    form: {
      section: 'training',
      autoLabel: 'automatic (CE single-label, BCE multi-label)',
      optionLabels: { bce: 'BCE', 'weighted-bce': 'weighted BCE', 'pos-bce': 'positive-weighted BCE', focal: 'focal', ce: 'cross-entropy' }
    }
  },
  {
    key: 'labelSmoothing',
    type: 'number',
    label: 'Label smoothing',
    help: 'label smoothing (default 0)',
    default: 0,
    legacy: 0,
    min: 0,
    max: 1,
    maxExclusive: true,
    must: 'must be in [0, 1)',
    cli: { flags: '--label-smoothing <x>' },
    axis: { hint: '0, 0.1' },
    form: { section: 'more', optional: true, min: 0, max: 0.5, step: 0.05 }
  },
  {
    key: 'focalGamma',
    type: 'number',
    label: 'Focal γ',
    help: 'focal loss gamma (default 2)',
    default: 2,
    min: 0,
    must: 'must be ≥ 0',
    when: 'focal',
    cli: { flags: '--focal-gamma <x>' },
    form: { section: 'more', optional: true, min: 0, step: 0.5 }
  },
  {
    key: 'focalAlpha',
    type: 'number',
    label: 'Focal α',
    help: 'focal loss alpha (default 0.25)',
    default: 0.25,
    min: 0,
    max: 1,
    must: 'must be in [0, 1]',
    when: 'focal',
    cli: { flags: '--focal-alpha <x>' },
    form: { section: 'more', optional: true, min: 0, max: 1, step: 0.05 }
  },
  {
    key: 'optimizer',
    type: 'choice',
    label: 'Optimizer',
    help: 'adam (L2 decay, betas 0.95/0.999) | adamw (decoupled decay)',
    choices: ['adam', 'adamw'],
    must: '(adam or adamw)',
    default: 'adam',
    cli: { flags: '--optimizer <name>' },
    form: { section: 'training', optionLabels: { adam: 'Adam', adamw: 'AdamW' } }
  },
  {
    key: 'lr',
    type: 'number',
    label: 'Learning rate',
    help: 'peak learning rate',
    default: 1e-4,
    min: 0,
    minExclusive: true,
    must: 'must be positive',
    cli: { flags: '--lr <x>' },
    axis: { hint: '1e-4, 5e-4' },
    column: 11,
    form: { section: 'training', step: 'any', min: 0, testid: 'exp-lr' }
  },
  {
    key: 'weightDecay',
    type: 'number',
    label: 'Weight decay',
    help: 'weight decay',
    // AST's recipe: Adam, weight decay 5e-7, betas (0.95, 0.999) (see optimizerConfig).
    default: 5e-7,
    min: 0,
    must: 'must be ≥ 0',
    cli: { flags: '--weight-decay <x>' },
    axis: { hint: '5e-7, 0.05' },
    form: { section: 'training', step: 'any', min: 0 }
  },
  {
    key: 'warmupSteps',
    type: 'int',
    label: 'Warm-up steps',
    help: 'linear warm-up steps',
    unit: 'steps',
    default: 100,
    rule: '10 for frame tasks',
    min: 0,
    must: 'must be a whole number ≥ 0',
    cli: { flags: '--warmup <steps>' },
    form: { section: 'training', min: 0 }
  },
  {
    key: 'schedule',
    type: 'choice',
    label: 'LR schedule',
    help: 'cosine | step (AST: ×0.85 per epoch from epoch 5) | constant',
    choices: ['cosine', 'step', 'constant'],
    default: 'cosine',
    cli: { flags: '--schedule <name>' },
    column: 12,
    form: { section: 'training', optionLabels: { cosine: 'cosine', step: 'step decay (AST: ×0.85 per epoch from epoch 5)', constant: 'constant' } }
  },
  { key: 'stepStart', type: 'int', label: 'Step decay from epoch', help: 'step schedule: first epoch of the decay', default: 5, legacy: 5, min: 0, when: 'stepSchedule', cli: null },
  { key: 'stepGamma', type: 'number', label: 'Step decay factor', help: 'step schedule: factor per epoch', default: 0.85, legacy: 0.85, min: 0, minExclusive: true, when: 'stepSchedule', cli: null },
  { key: 'epochs', type: 'int', label: 'Epochs', help: 'epochs', default: 10, min: 1, must: 'must be a positive integer', cli: { flags: '--epochs <n>' }, axis: { hint: '5, 10' }, column: 13, standard: true, cost: true, form: { section: 'training', min: 1, testid: 'exp-epochs' } },
  { key: 'batchSize', type: 'int', label: 'Batch', help: 'batch size', default: 8, min: 1, must: 'must be a positive integer', cli: { flags: '--batch <n>' }, axis: { hint: '8, 16' }, column: 14, standard: true, cost: true, form: { section: 'training', min: 1, testid: 'exp-batch' } },
  {
    key: 'gradAccum',
    type: 'int',
    label: 'Micro-batches per step',
    help: 'micro-batches per optimizer step',
    default: 1,
    legacy: 1,
    min: 1,
    must: 'must be a positive integer',
    cli: { flags: '--grad-accum <n>' },
    form: { section: 'more', optional: true, min: 1, step: 1, title: 'Gradient accumulation: micro-batches summed into one optimizer step' }
  },
  {
    key: 'clipNorm',
    type: 'number',
    label: 'Clip gradients to global norm',
    help: 'clip gradients to this global norm',
    default: 0,
    legacy: 0,
    min: 0,
    must: 'must be ≥ 0 (0 = off)',
    cli: { flags: '--clip-norm <x>' },
    form: { section: 'more', optional: true, min: 0, step: 'any', placeholder: 'off' }
  },
  {
    key: 'earlyStopPatience',
    type: 'int',
    label: 'Early stopping patience (epochs)',
    help: 'early stopping on validation mAP (accuracy for single-label)',
    unit: 'epochs',
    default: 0,
    legacy: 0,
    min: 0,
    must: 'must be a whole number ≥ 0 (0 = off)',
    cli: { flags: '--patience <epochs>' },
    form: { section: 'more', optional: true, min: 0, step: 1, placeholder: 'off', testid: 'exp-patience' }
  },
  {
    key: 'checkpointEverySteps',
    type: 'int',
    label: 'Checkpoint every N steps too',
    help: 'also save ckpt/last every N steps',
    unit: 'steps',
    default: 0,
    legacy: 0,
    min: 0,
    must: 'must be a whole number ≥ 0 (0 = off)',
    cli: { flags: '--checkpoint-every <steps>' },
    form: { section: 'more', optional: true, min: 0, step: 1, placeholder: 'each epoch only' }
  },
  {
    key: 'keepCheckpoints',
    type: 'int',
    label: "Keep the last N epochs' weights (for averaging)",
    help: 'keep the weights of the last N epochs, for `tagbench average` (default 0)',
    default: 0,
    legacy: 0,
    min: 0,
    must: 'must be a whole number ≥ 0 (0 = none)',
    cli: { flags: '--keep-checkpoints <n>' },
    form: { section: 'more', optional: true, min: 0, step: 1, placeholder: 'none', testid: 'exp-keep-checkpoints' }
  },
  {
    key: 'balancedSampling',
    type: 'boolean',
    label: 'Balanced sampling (PSLA label-frequency weights)',
    help: 'balanced sampling (PSLA label-frequency weights)',
    default: false,
    legacy: false,
    cli: { flags: '--balanced' },
    axis: { hint: 'true, false' },
    form: { section: 'more', omitDefault: true }
  },
  { key: 'seed', type: 'int', label: 'Seed', help: 'seed for initialisation, data order and augmentation', default: 0, must: 'must be an integer', cli: { flags: '--seed <s>' }, column: 15, standard: true },
  { key: 'fold', type: 'int', label: 'Test fold', help: 'ESC-50 test fold', rule: "the dataset's last fold", when: 'folds', cli: { flags: '--fold <k>' }, form: { section: 'data', optional: true } },
  {
    key: 'frameHead',
    type: 'boolean',
    label: 'frame head (event detection)',
    help: 'frame task: frame outputs trained on strong or per-frame labels, on windows of whole recordings, judged by frameAP',
    default: false,
    legacy: false,
    cli: { flags: '--frame-head' },
    axis: { hint: 'true, false' },
    form: { section: 'data', omitDefault: true, testid: 'exp-frame-head' }
  },
  {
    key: 'windowHopS',
    type: 'number',
    label: 'Window hop (s)',
    help: 'frame task: largest distance between training window starts, seconds (default: one window)',
    unit: 's',
    min: 0,
    minExclusive: true,
    rule: 'one window (no overlap)',
    when: 'frameHead',
    cli: { flags: '--hop <s>' },
    axis: { hint: '10, 5 (frame task: seconds between windows)' },
    form: { section: 'frame', optional: true, min: 0.1, step: 'any', placeholder: 'one window', testid: 'exp-window-hop', title: 'Largest distance between training window starts; blank: one window (no overlap)' }
  },
  {
    key: 'frameRate',
    type: 'number',
    label: 'Label rate',
    help: "frame task: frames per second of the frame output (default: the dataset's label rate)",
    unit: 'frames/s',
    min: 0,
    minExclusive: true,
    max: 100,
    must: "must be between 0 and 100 frames/s (the fbank's)",
    rule: "the dataset's label rate, else 100",
    when: 'frameHead',
    cli: { flags: '--label-rate <fps>' },
    axis: { hint: '30, 50 (frame task: label rate)' },
    form: { section: 'frame', optional: true, min: 1, max: 100, step: 'any', placeholder: "dataset's", testid: 'exp-label-rate', title: "Frames per second of the frame output and targets; blank: the dataset's label rate" }
  },
  {
    key: 'eventRatio',
    type: 'number',
    label: 'Event ratio',
    help: 'frame task: share of training windows that hold an event, 0–0.9 (default 0.5; 0: as they fall)',
    default: 0.5,
    legacy: 0,
    min: 0,
    max: 0.9,
    must: 'is a share of windows from 0 to 0.9',
    when: 'frameHead',
    cli: { flags: '--event-ratio <x>' },
    axis: { hint: '0, 0.5 (frame task)' },
    form: { section: 'frame', optional: true, min: 0, max: 0.9, step: 0.05, testid: 'exp-event-ratio', title: 'Share of training windows that hold an event (extra windows around events); 0: as they fall' }
  },
  {
    key: 'frameLoss',
    type: 'choice',
    label: 'Frame loss',
    help: 'frame task: pos-bce (default; positive weight from the label frequency) | bce | focal | weighted-bce',
    choices: FRAME_LOSSES,
    must: '(bce, focal, weighted-bce or pos-bce)',
    default: 'pos-bce',
    when: 'frameHead',
    cli: { flags: '--frame-loss <name>' },
    axis: { hint: 'pos-bce, focal (frame task)' },
    form: {
      section: 'frame',
      testid: 'exp-frame-loss',
      optionLabels: { 'pos-bce': 'positive-weighted BCE (weight from label frequency)', bce: 'BCE', focal: 'focal', 'weighted-bce': 'class-weighted BCE' }
    }
  },
  {
    key: 'frameSmoothing',
    type: 'int',
    label: 'Soft targets ±k frames',
    help: 'frame task: soft targets, each label spread over ±k frames (default 0)',
    unit: 'frames',
    default: 0,
    legacy: 0,
    min: 0,
    must: 'must be a whole number of frames ≥ 0',
    when: 'frameHead',
    cli: { flags: '--frame-smoothing <k>' },
    axis: { hint: '0, 2 (frame task: ±k frames)' },
    form: { section: 'frame', optional: true, min: 0, step: 1, testid: 'exp-frame-smoothing', title: 'Soft targets: each label spread over ±k frames, falling linearly' }
  },
  {
    key: 'threads',
    type: 'int',
    label: 'Threads',
    help: 'threads for feature extraction and training: ONNX Runtime intra-op threads on the ort engine (default: every core), data-parallel shards on tfjs (default: one per core on CPU backends)',
    min: 1,
    rule: "the machine's cores, chosen when the run trains",
    cli: { flags: '--threads <n>' }
  },
  {
    key: 'engine',
    type: 'choice',
    label: 'Training engine',
    help: 'training engine: ort (ONNX Runtime, every core or CUDA) | tfjs (TensorFlow.js) | auto (ORT where it covers the model: AST; default)',
    choices: ['auto', 'ort', 'tfjs'],
    must: '(auto, ort or tfjs)',
    default: 'auto',
    legacy: 'tfjs',
    cli: { flags: '--engine <name>' },
    axis: { hint: 'ort, tfjs' },
    form: { section: 'training', testid: 'exp-engine', optionLabels: { auto: 'automatic (ONNX Runtime where it covers the model)', ort: 'ONNX Runtime (every core, or CUDA)', tfjs: 'TensorFlow.js' } }
  },
  { key: 'preset', type: 'string', label: 'Preset', help: 'start from a preset (e.g. quick); flags given override it', maxLength: 400, noAxis: true, cli: { flags: '--preset <id>' } }
] as const satisfies readonly RunConfigField[]

/** The table as plain entries (for code that walks every field without the literal types). */
export const FIELDS: readonly RunConfigField[] = RUN_CONFIG_FIELDS

type Entry = (typeof RUN_CONFIG_FIELDS)[number]
/** Keys of the fields the experiment form has a control for (in a section, or in any). */
export type FormFieldKey<S extends FieldForm['section'] = FieldForm['section']> = Extract<Entry, { form: { section: S } }>['key']
/** Form fields whose draft value may be null: the engine's default. */
export type OptionalFormKey = Extract<Entry, { form: { optional: true } }>['key']

const byKey = new Map(FIELDS.map((f) => [f.key, f]))
/** The entry of one field; throws on a key the table does not have (a typo, not a silent undefined). */
export function fieldOf(key: string): RunConfigField {
  const f = byKey.get(key as RunConfigKey)
  if (!f) throw new Error(`unknown run-config field '${key}'`)
  return f
}

/**
 * The static default of a field, given a model kind's own defaults (the engine's model registry,
 * `kind.defaults`, which model.choices serves): the kind's value, else the table's (undefined: a rule
 * resolves it, or there is none).
 */
export function staticDefault(f: RunConfigField, kindDefaults?: Partial<Record<string, FieldValue>>): FieldValue | undefined {
  return kindDefaults?.[f.key] ?? f.default
}

/** "must be an integer from 1 to 16": the wording of a field's bounds (its `must`, else from the bounds). */
export function mustText(f: RunConfigField): string {
  if (f.must && !f.choices) return f.must
  if (f.choices) return `is one of ${f.choices.join(', ')}`
  const what = f.type === 'int' ? 'an integer' : f.type === 'number' ? 'a number' : f.type === 'boolean' ? 'true or false' : 'a string'
  const lo = f.min !== undefined ? `${f.minExclusive ? '>' : '≥'} ${f.min}` : ''
  const hi = f.max !== undefined ? `${f.maxExclusive ? '<' : '≤'} ${f.max}` : ''
  return `must be ${what}${[lo, hi].filter(Boolean).length ? ` ${[lo, hi].filter(Boolean).join(' and ')}` : ''}`
}

/** Whether a value is of the field's type and within its bounds or choices. */
export function fieldAccepts(f: RunConfigField, v: unknown): boolean {
  switch (f.type) {
    case 'int':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (f.type === 'int' && !Number.isInteger(v))) return false
      if (f.min !== undefined && (f.minExclusive ? v <= f.min : v < f.min)) return false
      if (f.max !== undefined && (f.maxExclusive ? v >= f.max : v > f.max)) return false
      return true
    case 'boolean':
      return typeof v === 'boolean'
    case 'choice':
      return typeof v === 'string' && (f.choices ?? []).includes(v)
    case 'string':
      return typeof v === 'string'
    case 'pretraining':
      return typeof v === 'object' && v !== null
  }
}

/** Whether a field's condition holds in a (partly) resolved config (`hasFolds`: the dataset has folds). */
export function conditionHolds(when: FieldCondition | undefined, c: Partial<RunConfig>, hasFolds: boolean): boolean {
  switch (when) {
    case undefined:
      return true
    case 'frameHead':
      return c.frameHead === true
    case 'specAugment':
      return c.specAugment === true
    case 'focal':
      return c.loss === 'focal' || c.frameLoss === 'focal'
    case 'stepSchedule':
      return c.schedule === 'step'
    case 'folds':
      return hasFolds
  }
}

/** Type-level guarantee that the table covers every RunConfig field (a missing one fails the compile). */
type Missing = Exclude<keyof RunConfig, Entry['key']>
const covered: [Missing] extends [never] ? true : { missing: Missing } = true
void covered
