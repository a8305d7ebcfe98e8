// `tagbench train`: create a run and train it in a job process (as the app does), so that Ctrl-C or a
// kill -9 of the job leaves a run that `tagbench resume <run>` continues from its last checkpoint.
import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import type { ApiEvent, ModelKind, ModelSize, Pretraining, RunConfigInput } from '../../../shared/api'
import { importDataset, listDatasets } from '../../engine/data/record'
import { createJobManager } from '../../jobs/manager'
import { forkLauncher } from '../../jobs/launcher'
import { dataDir } from '../../engine/paths'
import { runDir, loadRun } from '../../engine/runs/store'
import { createTrainingRun } from '../../engine/train/newRun'
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

/** "ast-tiny" → { model: 'ast', size: 'tiny' }; "crnn" alone is crnn-tiny. */
function parseModelChoice(choice: string): { model: ModelKind; size: ModelSize } {
  if (choice === 'crnn') return { model: 'crnn', size: 'tiny' }
  const m = /^(ast|htsat|crnn)-(tiny|small|base)$/.exec(choice)
  if (!m) throw new Error(`Unknown model "${choice}" (use ast-tiny, ast-small, ast-base, htsat-tiny, htsat-small, htsat-base, crnn-tiny, crnn-small or crnn-base)`)
  return { model: m[1] as ModelKind, size: m[2] as ModelSize }
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

interface TrainFlags {
  dataset: string
  model?: string
  pretrained?: string
  preset?: string
  name?: string
  fstride?: number
  tstride?: number
  depth?: number
  targetLength?: number
  melBins?: number
  epochs?: number
  batch?: number
  lr?: number
  optimizer?: 'adam' | 'adamw'
  weightDecay?: number
  warmup?: number
  schedule?: RunConfigInput['schedule']
  loss?: RunConfigInput['loss']
  specAugment?: boolean
  freqm?: number
  timem?: number
  mixup?: number
  dropout?: number
  dropPath?: number
  labelSmoothing?: number
  focalGamma?: number
  focalAlpha?: number
  balanced?: boolean
  frozen?: boolean
  gradAccum?: number
  clipNorm?: number
  patience?: number
  checkpointEvery?: number
  keepCheckpoints?: number
  fold?: number
  seed?: number
  threads?: number
  frameHead?: boolean
  window?: number
  hop?: number
  labelRate?: number
  eventRatio?: number
  frameLoss?: RunConfigInput['frameLoss']
  frameSmoothing?: number
  engine?: RunConfigInput['engine']
  json?: boolean
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
  program
    .command('train')
    .description('Train a model on a dataset in a job process; the run is saved under the data folder and can be resumed (tagbench resume)')
    .requiredOption('--dataset <name|folder>', 'an imported dataset (name or id), or a folder to import first')
    .option('--model <model>', 'ast-tiny | ast-small | ast-base | htsat-tiny | htsat-small | htsat-base | crnn-tiny | crnn-small | crnn-base (crnn: frame tasks)')
    .option('--pretrained <file|folder|run>', 'start from ImageNet DeiT weights (file), a Hugging Face AST folder (AudioSet) or an earlier run; the head is new')
    .option('--preset <id>', 'start from a preset (e.g. quick); flags given override it')
    .option('--name <name>', 'run name')
    .option('--fstride <n>', 'patch stride along frequency (16: no overlap, 10: AST overlap)', num('--fstride'))
    .option('--tstride <n>', 'patch stride along time', num('--tstride'))
    .option('--depth <n>', 'transformer blocks (AST)', num('--depth'))
    .option('--target-length <frames>', 'frames per clip after pad/cut (default: from the clip durations)', num('--target-length'))
    .option('--mel-bins <n>', 'mel bins', num('--mel-bins'))
    .option('--epochs <n>', 'epochs', num('--epochs'))
    .option('--batch <n>', 'batch size', num('--batch'))
    .option('--lr <x>', 'peak learning rate', num('--lr'))
    .option('--optimizer <name>', 'adam (L2 decay, betas 0.95/0.999) | adamw (decoupled decay)')
    .option('--weight-decay <x>', 'weight decay', num('--weight-decay'))
    .option('--warmup <steps>', 'linear warm-up steps', num('--warmup'))
    .option('--schedule <name>', 'cosine | step (AST: ×0.85 per epoch from epoch 5) | constant')
    .option('--loss <name>', 'bce | ce | focal | weighted-bce | pos-bce (default: ce for single-label data, else bce)')
    .option('--spec-augment', 'turn SpecAugment on (default: the recipe decides from the dataset, see the recipe printed before training)')
    .option('--no-spec-augment', 'turn SpecAugment off')
    .option('--freqm <bins>', 'SpecAugment frequency mask width', num('--freqm'))
    .option('--timem <frames>', 'SpecAugment time mask width', num('--timem'))
    .option('--mixup <p>', 'probability of waveform mixup per clip', num('--mixup'))
    .option('--dropout <p>', 'dropout in the transformer blocks (default 0)', num('--dropout'))
    .option('--drop-path <p>', 'stochastic depth, rising to this rate at the last block (default 0; HTS-AT 0.1)', num('--drop-path'))
    .option('--label-smoothing <x>', 'label smoothing (default 0)', num('--label-smoothing'))
    .option('--focal-gamma <x>', 'focal loss gamma (default 2)', num('--focal-gamma'))
    .option('--focal-alpha <x>', 'focal loss alpha (default 0.25)', num('--focal-alpha'))
    .option('--balanced', 'balanced sampling (PSLA label-frequency weights)')
    .option('--frozen', 'train the head only')
    .option('--grad-accum <n>', 'micro-batches per optimizer step', num('--grad-accum'))
    .option('--clip-norm <x>', 'clip gradients to this global norm', num('--clip-norm'))
    .option('--patience <epochs>', 'early stopping on validation mAP (accuracy for single-label)', num('--patience'))
    .option('--checkpoint-every <steps>', 'also save ckpt/last every N steps', num('--checkpoint-every'))
    .option('--keep-checkpoints <n>', 'keep the weights of the last N epochs, for `tagbench average` (default 0)', num('--keep-checkpoints'))
    .option('--fold <k>', 'ESC-50 test fold', num('--fold'))
    .option('--seed <s>', 'seed for initialisation, data order and augmentation', num('--seed'))
    .option('--threads <n>', 'threads for feature extraction and training: ONNX Runtime intra-op threads on the ort engine (default: every core), data-parallel shards on tfjs (default: one per core on CPU backends)', num('--threads'))
    .option('--engine <name>', 'training engine: ort (ONNX Runtime, every core or CUDA) | tfjs (TensorFlow.js) | auto (ORT where it covers the model: AST; default)')
    .option('--frame-head', 'frame task: frame outputs trained on strong or per-frame labels, on windows of whole recordings, judged by frameAP')
    .option('--window <s>', 'frame task: training/evaluation window in seconds (the model input; default 10 s or the clips\' length)', num('--window'))
    .option('--hop <s>', 'frame task: largest distance between training window starts, seconds (default: one window)', num('--hop'))
    .option('--label-rate <fps>', 'frame task: frames per second of the frame output (default: the dataset\'s label rate)', num('--label-rate'))
    .option('--event-ratio <x>', 'frame task: share of training windows that hold an event, 0–0.9 (default 0.5; 0: as they fall)', num('--event-ratio'))
    .option('--frame-loss <name>', 'frame task: pos-bce (default; positive weight from the label frequency) | bce | focal | weighted-bce')
    .option('--frame-smoothing <k>', 'frame task: soft targets, each label spread over ±k frames (default 0)', num('--frame-smoothing'))
    .option('--json', 'print {"run", "test", "best_epoch"} as JSON (a frame task\'s test has frameAP, frameF1, eventF1 and their tuned-threshold forms)')
    .action(async (f: TrainFlags) => {
      const dataset = await datasetArg(f.dataset, !!f.json, f.labelRate)
      const partial: Partial<RunConfigInput> & { dataset: string } = {
        dataset,
        ...(f.model ? parseModelChoice(f.model) : {}),
        ...(f.pretrained ? { pretrained: parsePretrained(f.pretrained) } : {}),
        preset: f.preset,
        name: f.name,
        fstride: f.fstride,
        tstride: f.tstride,
        depth: f.depth,
        melBins: f.melBins,
        epochs: f.epochs,
        batchSize: f.batch,
        lr: f.lr,
        optimizer: f.optimizer,
        weightDecay: f.weightDecay,
        warmupSteps: f.warmup,
        schedule: f.schedule,
        loss: f.loss,
        // With both --spec-augment and --no-spec-augment defined, commander leaves it undefined unless one is used.
        specAugment: f.specAugment,
        freqm: f.freqm,
        timem: f.timem,
        mixup: f.mixup,
        dropout: f.dropout,
        dropPath: f.dropPath,
        labelSmoothing: f.labelSmoothing,
        focalGamma: f.focalGamma,
        focalAlpha: f.focalAlpha,
        balancedSampling: f.balanced,
        frozen: f.frozen,
        gradAccum: f.gradAccum,
        clipNorm: f.clipNorm,
        earlyStopPatience: f.patience,
        checkpointEverySteps: f.checkpointEvery,
        keepCheckpoints: f.keepCheckpoints,
        fold: f.fold,
        seed: f.seed,
        threads: f.threads,
        frameHead: f.frameHead,
        targetLength: f.window !== undefined ? Math.round(f.window * 100) : f.targetLength,
        windowHopS: f.hop,
        frameRate: f.labelRate,
        eventRatio: f.eventRatio,
        frameLoss: f.frameLoss,
        frameSmoothing: f.frameSmoothing,
        engine: f.engine
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
