// The checkpoint step. ckpt/last holds everything a resume needs (weights, optimizer moments, the
// trainer's counters and RNG state) and is written at the end of every epoch, every N steps when
// asked, and when a cancel lands at a step boundary; ckpt/best holds the best epoch's weights;
// epoch-N folders keep the last N epochs' weights for checkpoint averaging.
import type { MetricEntry } from '../../../../shared/api'
import { faultPoint } from '../../control/faults'
import { readCheckpointExtra, saveCheckpoint } from '../../models/checkpoint'
import { appendMetrics, pruneEpochCheckpoints, readMetrics, writeCheckpoint } from '../../runs/store'
import { saveTrainingCheckpoint, type TrainerState } from '../state'
import { liveModel, liveOptimizer, type TrainContext } from './context'

type Ctx = Pick<TrainContext, 'runId' | 'res' | 'state' | 'augRng' | 'marks'>

/** Writes ckpt/last or ckpt/best with the state as it is now (and the augmentation stream at `augState`). */
export async function saveSlot(ctx: Ctx, slot: 'last' | 'best', extra: Record<string, unknown> = {}, augState = ctx.augRng.state()): Promise<void> {
  const { state } = ctx
  state.augRng = augState
  await saveTrainingCheckpoint(ctx.runId, slot, liveModel(ctx), state, slot === 'last' ? liveOptimizer(ctx).state() : null, { step: state.step, epoch: state.epoch, ...extra })
  if (slot === 'last') ctx.marks.lastSaved = state.step
}

/** A cancel at a step boundary: the state is whole there, so it is saved before the run stops. */
export async function stopHere(ctx: Ctx, augState?: number): Promise<void> {
  await saveSlot(ctx, 'last', {}, augState)
  ctx.marks.stoppedAt = ctx.state.step
}

/** Every `checkpointEverySteps` steps, except on an epoch's last step (the epoch's own checkpoint follows). */
export async function maybeStepCheckpoint(ctx: Ctx & Pick<TrainContext, 'cfg' | 'stepsPerEpoch'>, stepInEpoch: number): Promise<void> {
  const every = ctx.cfg.checkpointEverySteps
  if (every && ctx.state.step % every === 0 && stepInEpoch < ctx.stepsPerEpoch - 1) await saveSlot(ctx, 'last')
}

/** The end of an epoch: best (when it improved), last, and the epoch's own weights when kept. */
export async function checkpointEpoch(ctx: Ctx & Pick<TrainContext, 'cfg'>, entry: MetricEntry, improved: boolean): Promise<void> {
  const { state } = ctx
  // Best before last: a crash between the two leaves the previous last, whose state does not yet
  // know this best, and the epoch is redone.
  if (improved) await saveSlot(ctx, 'best', { metrics: entry })
  // The entry is in the checkpoint too: a kill before the append is repaired on resume (restoreEpochEntry).
  await saveSlot(ctx, 'last', { metrics: entry })
  faultPoint('after-checkpoint')
  // The weights of this epoch for checkpoint averaging (the model only; the last N are kept).
  const keep = ctx.cfg.keepCheckpoints
  if (keep > 0) {
    const model = liveModel(ctx)
    await writeCheckpoint(ctx.runId, `epoch-${state.epoch}`, (dir) => saveCheckpoint(dir, model, { epoch: state.epoch, step: state.step, metrics: entry }))
    pruneEpochCheckpoints(ctx.runId, keep)
  }
}

/**
 * The epoch entry a checkpoint holds (saved with it, see checkpointEpoch), appended to metrics.jsonl
 * when the file lacks it: the process died between the checkpoint and the append.
 */
export function restoreEpochEntry(runId: string, dir: string, state: TrainerState): MetricEntry | null {
  const saved = readCheckpointExtra(dir)?.metrics as MetricEntry | undefined
  if (!saved || saved.kind !== 'epoch' || saved.epoch !== state.epoch) return null
  if (readMetrics(runId).some((e) => e.kind === 'epoch' && e.epoch === saved.epoch)) return null
  appendMetrics(runId, [saved])
  return saved
}
