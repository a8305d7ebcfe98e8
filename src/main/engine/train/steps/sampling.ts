// What an epoch trains on, as a pure function of (seed, epoch) so that a resume mid-epoch sees the
// same order: whole clips in a seeded (optionally label-balanced) order, or, for frame tasks, windows
// of whole recordings (train/windows.ts). Both give the epoch's sample order and a batch maker; the
// epoch step does not know which one it runs.
import type { DatasetRecord, RunConfig } from '../../../../shared/api'
import { buildBatch, FEATURE_FRAME_RATE, type Augmentation, type Batch, type ClipSet, type FeatureSource, type InputSpec } from '../data'
import { epochOrder, labelFrequencyWeights } from '../sampler'
import { epochSize, epochWindows, type WindowPlanInput } from '../windows'

export interface EpochSamples {
  /** Sample indices in training order; steps take consecutive slices of it. */
  order: Int32Array
  makeBatch(indices: Int32Array): Promise<Batch>
}

export interface EpochBatches {
  /** Samples per epoch (the same every epoch). */
  size: number
  forEpoch(epoch: number): EpochSamples
}

export interface SamplingInputs {
  cfg: RunConfig
  record: DatasetRecord
  train: ClipSet
  source: FeatureSource
  spec: InputSpec
  aug: Augmentation
  log: (message: string) => void
}

/** Whole clips, shuffled per epoch; with balanced sampling drawn by inverse label frequency. */
export function clipSampling({ cfg, record, train, source, spec, aug }: SamplingInputs): EpochBatches {
  const weights = cfg.balancedSampling ? labelFrequencyWeights(train.labels, record.classNames.length) : undefined
  return {
    size: train.n,
    forEpoch: (e) => ({
      order: epochOrder(train.n, e, cfg.seed, weights),
      makeBatch: (idx) => buildBatch(train, idx, source, spec, record, aug)
    })
  }
}

/** Event spans of each training recording in fbank frames, for event-favouring window sampling. */
function eventSpans(record: DatasetRecord, files: string[]): [number, number][][] {
  const byFile = new Map<string, [number, number][]>()
  for (const e of record.events ?? []) {
    if ((e.value ?? 1) < 0.5) continue
    const list = byFile.get(e.file) ?? []
    list.push([Math.floor(e.onset * FEATURE_FRAME_RATE), Math.ceil(e.offset * FEATURE_FRAME_RATE)])
    byFile.set(e.file, list)
  }
  return files.map((f) => byFile.get(f) ?? [])
}

/** Windows of T frames over every training recording (`frames`: each one's fbank frames), plus extra ones around events. */
export function windowSampling({ cfg, record, train, source, spec, aug, log }: SamplingInputs, frames: number[]): EpochBatches {
  const T = spec.targetLength
  const plan: WindowPlanInput = {
    frames,
    events: eventSpans(record, train.files),
    windowFrames: T,
    hopFrames: Math.max(1, Math.round((cfg.windowHopS ?? T / FEATURE_FRAME_RATE) * FEATURE_FRAME_RATE)),
    eventRatio: cfg.eventRatio ?? 0
  }
  const planSize = epochSize(plan)
  log(`Training on windows of ${(T / FEATURE_FRAME_RATE).toFixed(2)} s, hop ≤ ${(plan.hopFrames / FEATURE_FRAME_RATE).toFixed(2)} s: ${planSize.grid} windows cover the ${train.n} recordings, plus ${planSize.extra} around events (event ratio ${cfg.eventRatio ?? 0}) per epoch`)
  if (cfg.balancedSampling) log('Balanced sampling does not apply to window training (use the event ratio); ignored')
  if (cfg.mixup > 0) log('Mixup does not apply to window training; ignored')
  return {
    size: planSize.grid + planSize.extra,
    forEpoch: (e) => {
      const windows = epochWindows(plan, e, cfg.seed)
      return {
        order: Int32Array.from({ length: windows.n }, (_, k) => k),
        makeBatch: (idx) =>
          buildBatch(
            train,
            Array.from(idx, (k) => windows.clip[k]),
            source,
            spec,
            record,
            aug,
            Array.from(idx, (k) => windows.start[k])
          )
      }
    }
  }
}
