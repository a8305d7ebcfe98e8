// What a run learns, fixed in prepare once the model is known: the input spec (length, normalisation,
// frame grid), whether it is a frame task, and the loss with its weights from the training labels.
import type { DatasetRecord, RunConfig } from '../../../../shared/api'
import { frameOutput } from '../../models/frameHead'
import type { TagModel } from '../../models/types'
import { clipFrameCount, frameTargets } from '../../data/frames'
import type { FeatureSettings } from '../../audio/cache'
import type { ClipSet, InputSpec } from '../data'
import { inverseFrequencyWeights, positiveWeights, type LossOptions } from '../losses'
import { inputNorm } from '../model'

export interface Task {
  spec: InputSpec
  /** A frame task trains on windows of whole recordings and is judged on whole recordings. */
  frameTask: { count: number; rate: number } | null
  loss: LossOptions
}

/** The input spec of `model`, frame targets when the dataset has events and the model a frame output. */
export function inputSpec(cfg: RunConfig, record: DatasetRecord, model: TagModel, settings: FeatureSettings): InputSpec {
  const fo = record.events && record.events.length > 0 ? frameOutput(model.config) : null
  return {
    settings,
    targetLength: model.config.targetLength,
    norm: inputNorm(model.config),
    frames: fo ? { count: fo.frames, rate: fo.frameRate } : null,
    frameLoss: !!cfg.frameHead && fo !== null,
    frameSmoothing: cfg.frameSmoothing ?? 0
  }
}

export function runTask(cfg: RunConfig, record: DatasetRecord, model: TagModel, settings: FeatureSettings, train: ClipSet, log: (m: string) => void): Task {
  const spec = inputSpec(cfg, record, model, settings)
  const frameTask = spec.frameLoss && spec.frames ? spec.frames : null
  return { spec, frameTask, loss: lossOptions(cfg, train, record, frameTask, log) }
}

/**
 * The loss settings: the clip loss from cfg.loss; for a frame task, the frame term's own from
 * cfg.frameLoss, with pos-bce's positive weight from the training frames' label frequency.
 */
export function lossOptions(cfg: RunConfig, train: ClipSet, record: DatasetRecord, frameTask: { rate: number } | null, log: (m: string) => void): LossOptions {
  const classes = record.classNames.length
  const clipPositives = new Array<number>(classes).fill(0)
  for (const ls of train.labels) for (const c of ls) clipPositives[c]++
  const make = (kind: LossOptions['kind'], positives: number[], total: number): LossOptions => {
    const opts: LossOptions = { kind, labelSmoothing: cfg.labelSmoothing ?? 0 }
    if (kind === 'focal') Object.assign(opts, { focalGamma: cfg.focalGamma, focalAlpha: cfg.focalAlpha })
    if (kind === 'weighted-bce') opts.classWeights = inverseFrequencyWeights(positives)
    if (kind === 'pos-bce') opts.posWeights = positiveWeights(positives, total)
    return opts
  }
  const opts = make(cfg.loss, clipPositives, train.n)
  if (frameTask && cfg.frameLoss) {
    const positives = new Array<number>(classes).fill(0)
    let frames = 0
    const byFile = new Map(record.files.map((f) => [f.path, f.durationS]))
    for (const file of train.files) {
      const n = clipFrameCount(byFile.get(file) ?? 0, frameTask.rate)
      const t = frameTargets(record, file, frameTask.rate, n)
      for (let i = 0; i < t.length; i++) if (t[i] >= 0.5) positives[i % classes]++
      frames += n
    }
    opts.frame = make(cfg.frameLoss, positives, frames)
    const share = positives.map((p) => (frames > 0 ? p / frames : 0))
    log(`Frame task: ${frames} training frames at ${frameTask.rate.toFixed(2)}/s, positive share ${share.map((v) => `${(v * 100).toFixed(2)}%`).join(', ')}; frame loss ${cfg.frameLoss}${opts.frame.posWeights ? ` (positive weight ${Array.from(opts.frame.posWeights, (w) => w.toFixed(1)).join(', ')})` : ''}`)
  }
  return opts
}
