// Dataset-size-aware defaults: from what a dataset is (single- or multi-label, how many training clips,
// how long, how balanced, clip or frame task) and how a run starts (scratch, fine-tuned or frozen
// pretrained backbone), the training recipe's values a user left unset, each with the rule that chose
// it. A pure function: completeRunConfig applies it under the preset's and the user's fields, the CLI
// prints it before training, the run's log keeps it and the experiment form shows it.
// The numbers come from measured sweeps (bench/recipes/grid.yaml, results in bench/recipes/results.md):
// on 420 clips of 4 s, the recipe that learns is many small steps at a modest constant-then-decaying
// learning rate without masks; SpecAugment and mixup pay off only once a run is long enough to overfit.
import type { ModelKind, RunConfig } from '../../../shared/types'
import { RECIPE_FIELDS, type RecipeChoice, type RecipeField, type RecipeRule } from '../../../shared/recipe'

export { RECIPE_FIELDS, type RecipeChoice, type RecipeField, type RecipeRule }

/** What the rules need to know about the data (see summarizeDataset). */
export interface DataSummary {
  multiLabel: boolean
  /** Training clips (for a frame task: recordings). */
  trainClips: number
  /** Median clip length in seconds (null when no duration is known). */
  clipSeconds: number | null
  classes: number
  /** Training clips of the rarest class / of the commonest (1: balanced; 0 when a class has none). */
  balance: number
  frameTask: boolean
}

export type RecipeStart = 'scratch' | 'finetune' | 'frozen'

export type Recipe = Record<RecipeField, RecipeRule>

/**
 * Optimizer steps a run needs on a small set, by start (bench/recipes, tuned on tune-alt, a set of the
 * unseen kind):
 * - scratch: 24 epochs of 420 clips at batch 8 (1,272): twice the steps of 12 epochs gave 0.697 test mAP
 *   against 0.670 (t-quick-24, t-quick-12);
 * - fine-tuned: half that (12 epochs, 636): a pretrained backbone is near its best within a few epochs
 *   and then overfits (unseen2 at 24 epochs: best epoch 12, early-stopped at 18, test 0.776, below
 *   scratch); on tune-alt 12 epochs reached 0.814 test mAP against scratch's 0.697 (t-ft-12, best epoch 4);
 * - frozen: as scratch (24 epochs); its best epoch was 18 of 24 at both learning rates tried on tune-alt
 *   (t-frozen-24, t-frozen-24-3e-3).
 * Confirmed on two unseen sets of the practice kind (u4-*, u5-*): scratch 0.787 / 0.785, frozen 0.826 /
 * 0.818, fine-tuned 0.848 / 0.865 test mAP.
 */
const TARGET_STEPS: Record<RecipeStart, number> = { scratch: 1280, finetune: 640, frozen: 1280 }
const EPOCH_RULE: Record<RecipeStart, string> = { scratch: 'epochs-steps', finetune: 'epochs-steps-finetune', frozen: 'epochs-steps-frozen' }
const STEPS_WHY: Record<RecipeStart, string> = {
  scratch: '',
  finetune: " (fine-tuning: half of scratch's; a pretrained backbone is near its best within a few epochs, then overfits a small set: bench/recipes t-ft-12, 0.814 test mAP against scratch's 0.697)",
  frozen: ' (frozen backbone: as from scratch; only the head learns, and on tune-alt its best epoch was 18 of 24: bench/recipes t-frozen-24-3e-3)'
}
const SMALL_SET = 1000
const MIXUP_SET = 5000

const fmtInt = (n: number) => n.toLocaleString('en-US')

/**
 * The recipe for a dataset and a start. `model` matters for the learning rate only (the CRNN learns at
 * Adam's usual 1e-3).
 */
export function recipeDefaults(data: DataSummary, start: RecipeStart, model: ModelKind, given: Partial<Pick<RunConfig, 'batchSize' | 'epochs'>> = {}): Recipe {
  const n = Math.max(1, data.trainClips)
  const longClips = (data.clipSeconds ?? 0) > 6

  // Batch: small sets want many steps more than big batches; long clips cost memory.
  const batchSize: RecipeRule = data.frameTask
    ? { value: 8, rule: 'batch-frames', reason: 'frame task: windows of whole recordings are long, batch 8 keeps memory in bounds' }
    : n < SMALL_SET
      ? { value: 8, rule: 'batch-small-set', reason: `${fmtInt(n)} training clips (< ${fmtInt(SMALL_SET)}): batch 8 gives more optimizer steps per epoch, which a small set needs more than large batches` }
      : longClips
        ? { value: 8, rule: 'batch-long-clips', reason: `clips of ${data.clipSeconds!.toFixed(1)} s (> 6 s): batch 8 keeps memory in bounds` }
        : { value: 16, rule: 'batch-default', reason: `${fmtInt(n)} training clips: batch 16` }
  // The rules below read the batch and epochs the run will have: the caller's where given.
  const b = given.batchSize ?? (batchSize.value as number)
  const stepsPerEpoch = Math.ceil(n / b)

  // Epochs: a number of optimizer steps, not of passes; at least a few passes, at most 30.
  // The pretrained starts' counts were measured on AST clip tagging; other models and frame tasks keep scratch's.
  const stepsStart: RecipeStart = model === 'ast' && !data.frameTask ? start : 'scratch'
  const target = TARGET_STEPS[stepsStart]
  const rawEpochs = Math.round(target / stepsPerEpoch)
  const e = Math.min(30, Math.max(5, rawEpochs))
  const epochs: RecipeRule = {
    value: e,
    rule: EPOCH_RULE[stepsStart],
    reason: `about ${fmtInt(target)} optimizer steps${STEPS_WHY[stepsStart]}; ${fmtInt(n)} clips at batch ${b} make ${fmtInt(stepsPerEpoch)} per epoch${
      e !== rawEpochs ? ` (${rawEpochs} epochs, kept within 5–30)` : ''
    }`
  }
  const runEpochs = given.epochs ?? e
  const totalSteps = runEpochs * stepsPerEpoch

  // Learning rate.
  const lr: RecipeRule =
    model === 'crnn'
      ? { value: 1e-3, rule: 'lr-crnn', reason: "the CRNN learns at Adam's usual 1e-3 (the DCASE baseline's); 1e-4 leaves it far from converged" }
      : start === 'frozen'
        ? { value: 3e-3, rule: 'lr-frozen', reason: "only the new head learns on a frozen backbone: a linear probe takes larger steps (bench/recipes on tune-alt: 3e-3 reached 0.787 test mAP, the checkpoint's reference 1e-3 0.752)" }
        : model === 'htsat'
          ? { value: 1e-4, rule: 'lr-htsat', reason: "HTS-AT's window attention trains at 1e-4" }
          : data.frameTask
            ? { value: 1e-4, rule: 'lr-frames', reason: 'frame task on AST: 1e-4 over long windows (the frame-task benchmarks were measured with it)' }
          : start === 'finetune'
            ? { value: 2.5e-4, rule: 'lr-finetune', reason: 'fine-tuning a pretrained AST on a small set: 2.5e-4, the checkpoint\'s reference fine-tune (bench/recipes: 1e-4 tied with it over the two tuning sets; on unseen sets of the practice kind this rule leads scratch by 0.06–0.08 mAP)' }
            : { value: 2.5e-4, rule: 'lr-scratch', reason: 'AST from scratch: Adam 2.5e-4 (bench/recipes: 0.786 test mAP on the practice set, where the old AdamW 5e-4 recipe reached 0.634)' }

  // Schedule and warm-up.
  const schedule: RecipeRule = { value: 'cosine', rule: 'schedule-cosine', reason: 'cosine decay to zero: the last epochs settle at small steps, so the last epoch is near the best' }
  const warm = data.frameTask ? 10 : Math.min(100, Math.round(0.08 * totalSteps))
  const warmupSteps: RecipeRule = data.frameTask
    ? { value: 10, rule: 'warmup-frames', reason: 'frame task: a few hundred windows make short epochs; 10 steps of warm-up' }
    : { value: warm, rule: 'warmup-share', reason: `8% of the run's ${fmtInt(totalSteps)} steps (at most 100): the new head's first large gradients do not jolt the rest` }

  // Augmentation: masks and mixup slow learning; they pay once a run can overfit (many clips or many passes).
  // Only the set's size: on the practice set masks cost 0.12 test mAP at 12 epochs (bench/recipes), and
  // no longer run was measured to show where they start to pay.
  const specOn = data.frameTask || n >= SMALL_SET
  const specAugment: RecipeRule = specOn
    ? {
        value: true,
        rule: data.frameTask ? 'specaug-frames' : 'specaug-on',
        reason: data.frameTask
          ? 'frame task: frequency masks on (no time masks: a masked span keeps its labels)'
          : `${fmtInt(n)} training clips (≥ ${fmtInt(SMALL_SET)}): enough data that masks (3/16 of each axis) help more than they slow`
      }
    : {
        value: false,
        rule: 'specaug-off-small',
        reason: `${fmtInt(n)} clips (< ${fmtInt(SMALL_SET)}): the model is still learning the clips, and masks only slow it (bench/recipes: 0.663 with, 0.786 without on the practice set)`
      }
  const mixup: RecipeRule =
    data.multiLabel && n >= MIXUP_SET && !data.frameTask
      ? { value: 0.5, rule: 'mixup-large', reason: `${fmtInt(n)} multi-label clips (≥ ${fmtInt(MIXUP_SET)}): mixup 0.5, AST's AudioSet recipe` }
      : { value: 0, rule: 'mixup-off', reason: data.frameTask ? 'frame task: a mix blurs where each event is' : `${fmtInt(n)} ${data.multiLabel ? 'multi' : 'single'}-label clips${data.multiLabel ? ` (< ${fmtInt(MIXUP_SET)})` : ''}: no mixup` }

  // Class balance.
  const balancedSampling: RecipeRule =
    !data.frameTask && data.balance < 0.1 && n >= 2000
      ? { value: true, rule: 'balanced-rare', reason: `the rarest class has under a tenth of the commonest's clips (${(data.balance * 100).toFixed(0)}%): PSLA's balanced sampling` }
      : { value: false, rule: 'balanced-off', reason: data.balance >= 0.1 ? `classes within 10× of each other (rarest/commonest ${(data.balance * 100).toFixed(0)}%): plain shuffling` : 'too few clips to sample rare classes more often without repeating them' }

  // Early stopping: only for runs long enough that stopping saves time (earlyStop.ts never stops a rising run).
  const earlyStopPatience: RecipeRule =
    runEpochs >= 20
      ? { value: Math.max(5, Math.ceil(runEpochs / 4)), rule: 'patience-long-run', reason: `${runEpochs} epochs: stop when the smoothed validation score has not risen for a quarter of the run (${Math.max(5, Math.ceil(runEpochs / 4))} epochs)` }
      : { value: 0, rule: 'patience-off-short', reason: `${runEpochs} epochs: short enough to finish; the best epoch is still the one tested` }

  return { batchSize, epochs, lr, schedule, warmupSteps, specAugment, mixup, balancedSampling, earlyStopPatience }
}

/** The start a config asks for. */
export function recipeStart(c: Pick<Partial<RunConfig>, 'pretrained' | 'frozen'>): RecipeStart {
  if (!c.pretrained || c.pretrained.kind === 'none') return 'scratch'
  return c.frozen ? 'frozen' : 'finetune'
}

/** What the rules need, from a dataset's files (the training split; a dataset without splits: all files). */
export function summarizeDataset(d: { multiLabel: boolean; files: { durationS: number | null; split?: string; labels?: string[] }[] }, frameTask: boolean): DataSummary {
  const train = d.files.some((f) => f.split === 'train') ? d.files.filter((f) => f.split === 'train') : d.files
  const durations = train.map((f) => f.durationS).filter((x): x is number => x !== null && x > 0).sort((a, b) => a - b)
  const counts = new Map<string, number>()
  for (const f of train) for (const l of f.labels ?? []) counts.set(l, (counts.get(l) ?? 0) + 1)
  const values = [...counts.values()]
  return {
    multiLabel: d.multiLabel,
    trainClips: train.length,
    clipSeconds: durations.length > 0 ? durations[Math.floor((durations.length - 1) / 2)] : null,
    classes: counts.size,
    balance: values.length > 0 ? Math.min(...values) / Math.max(...values) : 1,
    frameTask
  }
}

/** One line per field: "epochs 12 (rule epochs-scratch-steps: ...)" or "(set by you)". */
export function recipeLines(choices: RecipeChoice[]): string[] {
  return choices.map((c) => `${c.field} ${String(c.value)}: ${c.source === 'rule' ? `${c.reason} [${c.rule}]` : c.reason}`)
}

/**
 * The recipe as a per-field default resolver, for a config completer that asks field by field
 * (key, { model, given, dataset }): the rule's value for a recipe field, undefined for any other.
 * The user's and the preset's fields are in `given`, so the rules read the batch and epochs they fix.
 */
export function recipeResolver(key: string, ctx: ResolverContext): RecipeRule['value'] | undefined {
  if (!(RECIPE_FIELDS as readonly string[]).includes(key)) return undefined
  // The completer asks field by field with one context object per config: the recipe (a pass over
  // the dataset's files) is worked out once for it, not once per field.
  let recipe = recipeOfContext.get(ctx)
  if (!recipe) {
    recipe = recipeDefaults(summarizeDataset(ctx.dataset, !!ctx.given.frameHead), recipeStart(ctx.given), ctx.model, ctx.given)
    recipeOfContext.set(ctx, recipe)
  }
  return recipe[key as RecipeField].value
}

type ResolverContext = { model: ModelKind; given: Partial<RunConfig>; dataset: Parameters<typeof summarizeDataset>[0] }
const recipeOfContext = new WeakMap<ResolverContext, Recipe>()
