// The selection step, after each validated epoch: is it the new best (ckpt/best, the epoch the test
// uses), and does training stop here (its last epoch, or early stopping). The one place that decides
// to stop early is `selectAfterEpoch`, through the rule function it calls (`patienceRule`); changing
// the rule is swapping that call.
import type { RunConfigInput } from '../../../../shared/api'
import type { BestSoFar, TrainerState } from '../state'
import type { Validated } from './evaluate'

export interface StopInput {
  /** 1-based epoch just validated, and the run's epochs. */
  epoch: number
  epochs: number
  /** cfg.earlyStopPatience (0: off). */
  patience: number
  /** Epochs since the best one (0 when this epoch is the best). */
  sinceBest: number
  best: BestSoFar
  /** This epoch's selection score (null without a validation split). */
  score: number | null
}

/** Early stopping by patience: stop once `patience` epochs in a row have not beaten the best. Returns why, or null to go on. */
export function patienceRule(i: StopInput): string | null {
  return i.patience > 0 && i.sinceBest >= i.patience ? `no better validation score for ${i.patience} epochs (best: epoch ${i.best.epoch})` : null
}

/**
 * Updates the best-so-far and the stop flag in `state` (both go into the epoch's checkpoint) and says
 * whether this epoch improved. Without a validation score (no val split) the latest epoch counts as the best.
 */
export function selectAfterEpoch(state: TrainerState, cfg: Pick<RunConfigInput, 'epochs' | 'earlyStopPatience'>, v: Pick<Validated, 'entry' | 'score'>, log: (m: string) => void): { improved: boolean } {
  const { entry, score } = v
  const improved = score === null || state.best === null || score > state.best.score
  if (improved) {
    state.best = { epoch: state.epoch, score: score ?? 0, mAP: entry.mAP ?? null, ...(entry.accuracy !== undefined ? { accuracy: entry.accuracy } : {}) }
    state.sinceBest = 0
  } else state.sinceBest++
  const best = state.best!
  if (state.epoch >= cfg.epochs) state.finished = true
  else {
    // The early-stopping rule: the one call to swap to change it.
    const why = patienceRule({ epoch: state.epoch, epochs: cfg.epochs, patience: cfg.earlyStopPatience ?? 0, sinceBest: state.sinceBest, best, score })
    if (why !== null) {
      state.finished = true
      log(`Early stop after epoch ${state.epoch}: ${why}`)
    }
  }
  return { improved }
}
