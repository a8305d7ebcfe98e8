// The selection step (train/steps/select.ts): the best epoch, and the one place that stops early.
import { describe, expect, it } from 'vitest'
import { patienceRule, selectAfterEpoch } from '../../../src/main/engine/train/steps/select'
import type { TrainerState } from '../../../src/main/engine/train/state'
import type { DatasetRecord, MetricEntry } from '../../../src/shared/types'

function run(scores: (number | null)[], patience: number, epochs = 10) {
  const state: TrainerState = { version: 1, step: 0, epoch: 0, augRng: 0, epochLoss: { sum: 0, samples: 0 }, best: null, sinceBest: 0, finished: false }
  const log: string[] = []
  const ctx = { runId: 'r', record: { multiLabel: true } as DatasetRecord, state, io: { log: (m: string) => log.push(m) } as never, cfg: { epochs, earlyStopPatience: patience } }
  const improved: boolean[] = []
  for (const score of scores) {
    if (state.finished) break
    state.epoch++
    const entry: MetricEntry = { kind: 'epoch', step: state.epoch, epoch: state.epoch, time: 't', ...(score !== null ? { mAP: score } : {}) }
    improved.push(selectAfterEpoch(ctx, { entry, score }).improved)
  }
  return { state, log, improved }
}

describe('selection after each epoch', () => {
  it('keeps the first epoch of the highest score as the best and stops after `patience` epochs without a better one', () => {
    const r = run([0.5, 0.6, 0.6, 0.58, 0.9], 2)
    expect(r.improved).toEqual([true, true, false, false])
    expect(r.state.best).toMatchObject({ epoch: 2, score: 0.6, mAP: 0.6 })
    expect(r.state.finished).toBe(true)
    expect(r.log).toEqual(['Early stop after epoch 4: no better validation score for 2 epochs (best: epoch 2)'])
  })

  it('never stops early with patience 0; the last epoch finishes without a log line', () => {
    const r = run([0.5, 0.4, 0.3], 0, 3)
    expect(r.improved).toEqual([true, false, false])
    expect(r.state.finished).toBe(true)
    expect(r.log).toEqual([])
  })

  it('without a validation split every epoch is the best', () => {
    const r = run([null, null, null], 1, 3)
    expect(r.improved).toEqual([true, true, true])
    expect(r.state.best?.epoch).toBe(3)
  })

  it('the patience rule alone', () => {
    const best = { epoch: 1, score: 1, mAP: 1 }
    const i = { epoch: 3, epochs: 9, patience: 2, best, score: 0.5, scores: () => [] }
    expect(patienceRule({ ...i, sinceBest: 1 }).stop).toBe(false)
    expect(patienceRule({ ...i, sinceBest: 2 })).toEqual({ stop: true, reason: 'no better validation score for 2 epochs' })
    expect(patienceRule({ ...i, patience: 0, sinceBest: 5 }).stop).toBe(false)
  })
})
