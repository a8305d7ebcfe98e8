// A training checkpoint is MODELS' checkpoint folder (model.safetensors, config.json, extra.json) plus
// what a resumed run needs to continue exactly: the optimizer's moments (optimizer.safetensors) and
// the trainer's counters, RNG state, best-so-far and early-stopping count (trainer.json). The whole
// folder is swapped in at once by the run store, so a kill at any moment leaves a complete checkpoint.
import fs from 'node:fs'
import path from 'node:path'
import type { MetricEntry } from '../../../shared/types'
import { writeFileAtomicSync, writeJsonAtomic, readJsonSync } from '../io/fsutil'
import { saveCheckpoint } from '../models/checkpoint'
import { readSafetensors, writeSafetensors } from '../models/safetensors'
import type { HostTensor, TagModel } from '../models/types'
import { checkpointDir, readMetrics, runDir, writeCheckpoint, type CheckpointSlot } from '../runs/store'
import type { OptimizerState } from './optimizer'

const TRAINER_FILE = 'trainer.json'
const OPTIMIZER_FILE = 'optimizer.safetensors'

export interface BestSoFar {
  /** 1-based epoch. */
  epoch: number
  /** What early stopping and ckpt/best compare: val mAP, or accuracy for single-label data. */
  score: number
  mAP: number | null
  accuracy?: number
}

export interface TrainerState {
  version: 1
  /** Optimizer steps done; the next step's index. */
  step: number
  /** Epochs completed. The sampler position is step − epoch · stepsPerEpoch. */
  epoch: number
  /** State of the augmentation Rng (SpecAugment masks, mixup partners and λ). */
  augRng: number
  /** The current epoch's training loss so far, for its epoch entry. */
  epochLoss: { sum: number; samples: number }
  best: BestSoFar | null
  /** Epochs since the best one, for early stopping. */
  sinceBest: number
  /** Set when the epochs are over (or early stopping hit): only the test remains. */
  finished: boolean
}

export async function saveTrainingCheckpoint(runId: string, slot: CheckpointSlot, model: TagModel, state: TrainerState, optimizer: OptimizerState | null, extra: Record<string, unknown>): Promise<void> {
  await writeCheckpoint(runId, slot, async (dir) => {
    await saveCheckpoint(dir, model, extra)
    if (optimizer) {
      const tensors = new Map<string, HostTensor>()
      optimizer.m.forEach((t, i) => tensors.set(`m.${i}`, t))
      optimizer.v.forEach((t, i) => tensors.set(`v.${i}`, t))
      writeSafetensors(path.join(dir, OPTIMIZER_FILE), tensors, { step: String(optimizer.step) })
    }
    // Last: a trainer.json in a folder means the rest of the folder was written before it.
    await writeJsonAtomic(path.join(dir, TRAINER_FILE), { ...state, optimizerStep: optimizer?.step ?? null })
  })
}

export interface LoadedCheckpoint {
  dir: string
  state: TrainerState
  optimizer: OptimizerState | null
}

/** The run's checkpoint in `slot` with its trainer state, or null when there is none. */
export function loadTrainingCheckpoint(runId: string, slot: CheckpointSlot = 'last'): LoadedCheckpoint | null {
  const dir = checkpointDir(runId, slot)
  const stateFile = path.join(dir, TRAINER_FILE)
  if (!fs.existsSync(stateFile)) return null
  const saved = readJsonSync<TrainerState & { optimizerStep: number | null }>(stateFile)
  if (saved.version !== 1) throw new Error(`${stateFile}: trainer state version ${saved.version} is not supported`)
  const { optimizerStep, ...state } = saved
  let optimizer: OptimizerState | null = null
  const optFile = path.join(dir, OPTIMIZER_FILE)
  if (optimizerStep !== null && fs.existsSync(optFile)) {
    const tensors = readSafetensors(optFile)
    const take = (prefix: 'm' | 'v') => {
      const out: HostTensor[] = []
      for (let i = 0; tensors.has(`${prefix}.${i}`); i++) {
        const t = tensors.get(`${prefix}.${i}`)!
        out.push({ shape: t.shape, data: t.data })
      }
      return out
    }
    optimizer = { step: optimizerStep, m: take('m'), v: take('v') }
  }
  return { dir, state, optimizer }
}

/**
 * Cut the metrics history back to what a checkpoint has seen: steps after `state.step` and epochs
 * after `state.epoch` were done by a process that died before its next checkpoint, and will be done
 * again. Without this a resumed run would list those steps twice. Rewritten atomically.
 */
export function rewindMetrics(runId: string, state: Pick<TrainerState, 'step' | 'epoch'>, onUnreadable?: (message: string) => void): number {
  let unreadable = 0
  const entries = readMetrics(runId, 0, (message, count) => {
    unreadable = count
    onUnreadable?.(`${message}; they are dropped when the file is rewritten`)
  })
  const keep = entries.filter((e: MetricEntry) => (e.kind === 'step' && e.step <= state.step) || (e.kind === 'epoch' && e.epoch <= state.epoch))
  if (keep.length !== entries.length || unreadable > 0) {
    writeFileAtomicSync(path.join(runDir(runId), 'metrics.jsonl'), keep.map((e) => JSON.stringify(e) + '\n').join(''))
  }
  return entries.length - keep.length
}
