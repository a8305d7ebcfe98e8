// `tagbench train`: create a run and train it in a job process (as the app does), so that Ctrl-C or a
// kill -9 of the job leaves a run that `tagbench resume <run>` continues from its last checkpoint.
import fs from 'node:fs'
import path from 'node:path'
import { Option, type Command } from 'commander'
import { FIELDS, type ApiEvent, type ModelKind, type ModelSize, type PartialRunConfig, type Pretraining, type RunConfigField, type RunConfigRequest } from '../../../shared/api'
import { importDataset, listDatasets } from '../../engine/data/record'
import { createJobManager } from '../../jobs/manager'
import { forkLauncher } from '../../jobs/launcher'
import { dataDir } from '../../engine/platform/paths'
import { runDir, loadRun } from '../../engine/runs/store'
import { createTrainingRun } from '../../engine/train/newRun'
import { MODEL_KINDS, modelChoices } from '../../engine/models/registry'
import { recipeLines, type RecipeChoice } from '../../engine/train/recipe'
import { printResult, progressBar } from '../output'
import { finiteNumber } from '../args'

export interface TrainJobOutcome {
  run: string
  status: string
  test: Record<string, number | null> | null
  best_epoch: number | null
}

/** The line printed after each epoch when not in --json mode. */
export function epochLine(e: Extract<ApiEvent, { type: 'run.metrics' }>['entries'][number]): string {
  const parts = [`epoch ${e.epoch}`, `step ${e.step}`]
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`)
  if (e.mAP != null) parts.push(`val mAP ${e.mAP.toFixed(4)}`)
  if (e.accuracy !== undefined) parts.push(`val acc ${e.accuracy.toFixed(4)}`)
  if (e.frameAP != null) parts.push(`frameAP ${e.frameAP.toFixed(4)}`)
  if (e.frameF1 !== undefined) parts.push(`frame F1 ${e.frameF1.toFixed(4)}`)
  if (e.eventF1 !== undefined) parts.push(`event F1 ${e.eventF1.toFixed(4)}`)
  if (e.samplesPerS !== undefined) parts.push(`${e.samplesPerS.toFixed(2)} samples/s`)
  return parts.join('  ')
}

export interface CliTrainer {
  /** Train (or resume) one run in a job process (with `env` added); resolves with its outcome, also when it failed. */
  start(runId: string, resume: boolean, env?: Record<string, string>): Promise<TrainJobOutcome>
  close(): void
}

/**
 * Runs training jobs for the CLI: a progress bar in a TTY (one job at a time), a line per epoch on
 * stderr, and Ctrl-C handling: the first asks the jobs to stop (each checkpoints and ends
 * 'cancelled') and calls onInterrupt; a second one kills them.
 */
export function cliTrainer(opts: { quiet?: boolean; bar?: boolean; onInterrupt?: () => void }): CliTrainer {
  const bar = progressBar(!opts.quiet && opts.bar !== false)
  const active = new Set<string>()
  const onEvent = (e: ApiEvent) => {
    if (e.type === 'job.progress' && active.size <= 1) bar.update(e.job)
    if (e.type === 'run.metrics' && !opts.quiet)
      for (const m of e.entries) if (m.kind === 'epoch') process.stderr.write(`[${e.runId}] ${epochLine(m)}\n`)
  }
  const jobs = createJobManager(forkLauncher, onEvent)
  let interrupts = 0
  const onSigint = () => {
    interrupts++
    process.stderr.write(interrupts === 1 ? '\nStopping after the current step (Ctrl-C again to kill)...\n' : '\nKilling the training jobs.\n')
    if (interrupts === 1) {
      for (const id of active) jobs.cancel(id)
      opts.onInterrupt?.()
    } else jobs.shutdown()
  }
  process.on('SIGINT', onSigint)
  return {
    async start(runId, resume, env = {}) {
      const { jobId, done } = jobs.start(
        { kind: 'train', runner: 'train', params: { runId, resume }, label: `Training ${runId}`, env: { TAGBENCH_DATA_DIR: dataDir(), ...env } },
        { runId }
      )
      active.add(jobId)
      let error: string | null = null
      try {
        await done
      } catch (err) {
        error = (err as Error).message
      } finally {
        active.delete(jobId)
      }
      const run = loadRun(runId)
      if (error && !opts.quiet) process.stderr.write(`Run ${runId}: ${error}\n${run.status !== 'done' ? `Resume it with: tagbench resume ${runId}\n` : ''}`)
      return { run: runId, status: run.status, test: run.test, best_epoch: run.best?.epoch ?? null }
    },
    close() {
      bar.stop()
      process.off('SIGINT', onSigint)
      jobs.shutdown()
    }
  }
}

/** Train or resume one run with the CLI's job handling. */
export async function trainOne(runId: string, resume: boolean, quiet: boolean): Promise<TrainJobOutcome> {
  const trainer = cliTrainer({ quiet })
  try {
    return await trainer.start(runId, resume)
  } finally {
    trainer.close()
  }
}

/** "ast-tiny" → { model: 'ast', size: 'tiny' }: the registry's choices; a kind's id alone ("crnn") is its tiny width. */
export function parseModelChoice(choice: string): { model: ModelKind; size: ModelSize } {
  const choices = modelChoices()
  const hit = choices.find((c) => c.id === choice) ?? choices.find((c) => c.model === choice && c.size === 'tiny')
  if (!hit?.size) {
    const ids = choices.map((c) => c.id)
    throw new Error(`Unknown model "${choice}" (use ${ids.slice(0, -1).join(', ')} or ${ids[ids.length - 1]})`)
  }
  return { model: hit.model, size: hit.size }
}

/** The --model help: every choice id, then what the kinds with a note are for ("crnn: frame tasks"). */
export function modelOptionHelp(): string {
  const notes = MODEL_KINDS.filter((k) => k.note).map((k) => `${k.kind}: ${k.note}`)
  return modelChoices().map((c) => c.id).join(' | ') + (notes.length ? ` (${notes.join('; ')})` : '')
}

/** A pretrained start from what the user typed: a Hugging Face AST folder, a DeiT weights file, or a run id. */
function parsePretrained(value: string): Pretraining {
  if (value === 'none' || value === 'scratch') return { kind: 'none' }
  const p = path.resolve(value)
  if (fs.existsSync(p)) {
    if (fs.statSync(p).isDirectory()) {
      // A Hugging Face folder has config.json (save_pretrained may leave out preprocessor_config.json);
      // its model_type and weights are checked before the run is created (checkPretrainedFiles).
      if (fs.existsSync(path.join(p, 'preprocessor_config.json')) || fs.existsSync(path.join(p, 'config.json'))) return { kind: 'audioset', path: p }
      throw new Error(`${p} is a folder without config.json: not a Hugging Face AST checkpoint`)
    }
    return { kind: 'imagenet', path: p }
  }
  if (fs.existsSync(runDir(value))) return { kind: 'run', runId: value }
  throw new Error(`--pretrained ${value}: no such file, folder or run`)
}

/** commander's parser for a numeric option. */
const num = (what: string) => (v: string): number => finiteNumber(v, what)

/** The hand-written flags; the run-config flags come from the field table (runConfigOptions). */
interface TrainFlags {
  dataset: string
  model?: string
  pretrained?: string
  window?: number
  json?: boolean
  [attribute: string]: unknown
}

/** The table's field behind each generated option, by commander's attribute name ("--batch" → batch). */
interface FieldOption {
  option: Option
  field: RunConfigField
}

/**
 * One commander option per run-config field that has a flag in the field table: its flag, its help
 * (the table's), a number parser for numeric fields. `--no-x` flags turn a default-on field off.
 */
export function runConfigOptions(): FieldOption[] {
  return FIELDS.filter((f) => f.cli).flatMap((field) => {
    const { flags, help } = field.cli!
    const option = new Option(flags, help ?? field.help)
    if (field.type === 'int' || field.type === 'number') option.argParser(num(flags.split(' ')[0]))
    // A `--no-x` flag comes with its `--x`: with both defined commander leaves the value unset unless one
    // is used, so a default that is not fixed (the recipe's, recipe.ts) still decides.
    if (!option.negate) return [{ option, field }]
    const on = new Option(flags.replace(/^--no-/, '--'), field.cli!.onHelp ?? `turn ${field.help} on`)
    return [{ option: on, field }, { option, field }]
  })
}

/** The request fields the parsed run-config flags give (flags not used are left out). */
export function requestFromFlags(f: Record<string, unknown>, options: FieldOption[]): PartialRunConfig {
  const out: Record<string, unknown> = {}
  for (const { option, field } of options) {
    const v = f[option.attributeName()]
    // Unset unless its flag (or, for a switch, either of its two flags) was used.
    if (v !== undefined) out[field.key] = v
  }
  return out as PartialRunConfig
}

/**
 * The dataset id for --dataset: an imported dataset's name or id, or a folder: the dataset already
 * imported from it, else imported now.
 */
async function datasetArg(value: string, quiet: boolean, labelRate?: number): Promise<string> {
  const p = path.resolve(value)
  if (!fs.existsSync(p) || !fs.statSync(p).isDirectory()) return value
  const root = fs.realpathSync(p)
  const known = listDatasets().filter((d) => d.root === root && !d.parent)
  if (known.length > 0) {
    const d = known[known.length - 1]
    if (!quiet) process.stderr.write(`Using dataset ${d.name} [${d.id}], imported from ${root} (tagbench dataset import to re-import)\n`)
    return d.id
  }
  const bar = progressBar(!quiet)
  try {
    const record = await importDataset({ folder: p, ...(labelRate !== undefined ? { frameRate: labelRate } : {}) }, { onProgress: (u) => bar.update(u) })
    if (!quiet) process.stderr.write(`Imported ${p} as dataset ${record.name} [${record.id}]\n`)
    return record.id
  } finally {
    bar.stop()
  }
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train a model on a dataset in a job process; the run is saved under the data folder and can be resumed (tagbench resume)')
    .requiredOption('--dataset <name|folder>', 'an imported dataset (name or id), or a folder to import first')
    .option('--model <model>', modelOptionHelp())
    .option('--pretrained <file|folder|run>', 'start from ImageNet DeiT weights (file), a Hugging Face AST folder (AudioSet) or an earlier run; the head is new')
  const fieldOptions = runConfigOptions()
  for (const { option } of fieldOptions) cmd.addOption(option)
  cmd
    .option('--window <s>', 'frame task: training/evaluation window in seconds (the model input; default 10 s or the clips\' length)', num('--window'))
    .option('--json', 'print {"run", "test", "best_epoch"} as JSON (a frame task\'s test has frameAP, frameF1, eventF1 and their tuned-threshold forms)')
    .action(async (f: TrainFlags) => {
      const dataset = await datasetArg(f.dataset, !!f.json, f.labelRate as number | undefined)
      const given = requestFromFlags(f, fieldOptions)
      const partial: RunConfigRequest = {
        ...given,
        dataset,
        ...(f.model ? parseModelChoice(f.model) : {}),
        ...(f.pretrained ? { pretrained: parsePretrained(f.pretrained) } : {}),
        // --window gives the frames per clip in seconds (over --target-length).
        ...(f.window !== undefined ? { targetLength: Math.round(f.window * 100) } : {})
      }
      const { runId, config, recipe } = createTrainingRun(partial)
      if (!f.json) process.stderr.write(`Run ${runId}: ${config.name}, ${config.epochs} epochs, batch ${config.batchSize}, lr ${config.lr}\n${recipeText(recipe)}`)
      const outcome = await trainOne(runId, false, !!f.json)
      printResult(f.json, { run: outcome.run, test: outcome.test, best_epoch: outcome.best_epoch }, () => outcomeText(outcome))
      if (outcome.status !== 'done') process.exitCode = 1
    })
}

/** The recipe block printed before training: each value and the rule (or flag, or preset) that set it. */
export function recipeText(recipe: RecipeChoice[]): string {
  return ['Recipe (which rule set each value):', ...recipeLines(recipe).map((l) => `  ${l}`)].join('\n') + '\n'
}

export function outcomeText(o: TrainJobOutcome): string {
  if (o.status !== 'done') return `Run ${o.run} ended ${o.status}. Resume it with: tagbench resume ${o.run}`
  const t = o.test
  const fmt = (k: string) => (t && t[k] != null ? (t[k] as number).toFixed(4) : '-')
  return [
    `Run ${o.run} done; best epoch ${o.best_epoch ?? '-'}`,
    ...(t && t.frameAP !== undefined
      ? [`Frames: frameAP ${fmt('frameAP')}, frame F1 ${fmt('frameF1')} (tuned ${fmt('frameF1Tuned')}), event F1 ${fmt('eventF1')} (tuned ${fmt('eventF1Tuned')})`]
      : []),
    t ? `Test: mAP ${fmt('mAP')}, AUC ${fmt('auc')}, d' ${fmt('dprime')}, micro-F1 ${fmt('microF1')} (search ${fmt('microF1_search')}, SGL ${fmt('microF1_sgl')})${t.accuracy != null ? `, accuracy ${fmt('accuracy')}` : ''}` : 'No test split.'
  ].join('\n')
}
