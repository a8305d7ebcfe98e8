// The selection step, after each validated epoch: is it the new best (ckpt/best, the epoch the test
// uses), and does training stop here (its last epoch, or early stopping). The one place that decides
// to stop early is `selectAfterEpoch`, through the rule function it calls (`trendRule`, train/earlyStop.ts:
// smoothed score and trend, so a noisy but rising run goes on); changing the rule is swapping that call.
import type { RunConfig } from '../../../../shared/api'
import { readMetrics } from '../../runs/store'
import type { BestSoFar } from '../state'
import type { TrainContext } from './context'
import type { Validated } from './evaluate'
import { selectionScore } from './metrics'
import { trendRule } from '../earlyStop'

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
  /** The selection scores of every epoch so far, this one last (read from metrics.jsonl when asked). */
  scores(): number[]
}

export interface StopDecision {
  stop: boolean
  /** Why, for the run's log ("Early stop after epoch N: <reason> (best: epoch B)"). */
  reason: string
}

/**
 * Updates the best-so-far and the stop flag in the state (both go into the epoch's checkpoint) and
 * says whether this epoch improved. Without a validation score (no val split) the latest epoch counts
 * as the best.
 */
export function selectAfterEpoch(ctx: Pick<TrainContext, 'runId' | 'record' | 'state' | 'io'> & { cfg: Pick<RunConfig, 'epochs' | 'earlyStopPatience'> }, v: Pick<Validated, 'entry' | 'score'>): { improved: boolean } {
  const { state, cfg } = ctx
  const { entry, score } = v
  const improved = score === null || state.best === null || score > state.best.score
  if (improved) {
    state.best = { epoch: state.epoch, score: score ?? 0, mAP: entry.mAP ?? null, ...(entry.accuracy !== undefined ? { accuracy: entry.accuracy } : {}) }
    state.sinceBest = 0
  } else state.sinceBest++
  const best = state.best!
  if (state.epoch >= cfg.epochs) state.finished = true
  else {
    const input: StopInput = {
      epoch: state.epoch,
      epochs: cfg.epochs,
      patience: cfg.earlyStopPatience ?? 0,
      sinceBest: state.sinceBest,
      best,
      score,
      scores: () => [
        ...readMetrics(ctx.runId).flatMap((m) => (m.kind === 'epoch' && m.epoch < state.epoch ? [selectionScore(ctx.record, m)] : [])),
        score
      ].filter((x): x is number => x !== null)
    }
    // The early-stopping rule: the one call to swap to change it.
    const decision = trendRule(input)
    if (decision.stop) {
      state.finished = true
      ctx.io.log(`Early stop after epoch ${state.epoch}: ${decision.reason} (best: epoch ${best.epoch})`)
    }
  }
  return { improved }
}
