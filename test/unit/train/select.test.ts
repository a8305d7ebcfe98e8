// The selection step (train/steps/select.ts): the best epoch, and the one place that stops early.
import { describe, expect, it, vi } from 'vitest'
import { selectAfterEpoch } from '../../../src/main/engine/train/steps/select'
import type { TrainerState } from '../../../src/main/engine/train/state'
import type { DatasetRecord, MetricEntry } from '../../../src/shared/types'

// The stop rule reads the earlier epochs' scores from metrics.jsonl: here, from the entries run() wrote.
const written: MetricEntry[] = []
vi.mock('../../../src/main/engine/runs/store', () => ({ readMetrics: () => written }))

function run(scores: (number | null)[], patience: number, epochs = 10) {
  const state: TrainerState = { version: 1, step: 0, epoch: 0, augRng: 0, epochLoss: { sum: 0, samples: 0 }, best: null, sinceBest: 0, finished: false }
  const log: string[] = []
  const ctx = { runId: 'r', record: { multiLabel: true } as DatasetRecord, state, io: { log: (m: string) => log.push(m) } as never, cfg: { epochs, earlyStopPatience: patience } }
  const improved: boolean[] = []
  written.length = 0
  for (const score of scores) {
    if (state.finished) break
    state.epoch++
    const entry: MetricEntry = { kind: 'epoch', step: state.epoch, epoch: state.epoch, time: 't', ...(score !== null ? { mAP: score } : {}) }
    improved.push(selectAfterEpoch(ctx, { entry, score }).improved)
    written.push(entry)
  }
  return { state, log, improved }
}

describe('selection after each epoch', () => {
  it('keeps the first epoch of the highest score as the best, and stops a run whose smoothed score has stopped rising (train/earlyStop.ts)', () => {
    const r = run([0.5, 0.6, 0.6, 0.58, 0.57, 0.56, 0.55, 0.54, 0.53, 0.52], 2)
    expect(r.improved.slice(0, 4)).toEqual([true, true, false, false])
    expect(r.state.best).toMatchObject({ epoch: 2, score: 0.6, mAP: 0.6 })
    expect(r.state.finished).toBe(true)
    expect(r.improved.length).toBeLessThan(10)
    expect(r.log).toHaveLength(1)
    expect(r.log[0]).toMatch(new RegExp(`^Early stop after epoch ${r.improved.length}: the smoothed validation score has not risen .* \\(best: epoch 2\\)$`))
  })

  it('does not stop a noisy run that is still rising, even with its best a few epochs back', () => {
    const r = run([0.5, 0.56, 0.54, 0.6, 0.58, 0.57, 0.63, 0.61, 0.6, 0.66], 2)
    expect(r.state.finished).toBe(true)
    expect(r.improved).toHaveLength(10)
    expect(r.log).toEqual([])
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
})
