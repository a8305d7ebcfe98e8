// Training hooks (train/steps/hooks.ts): the runner's order and error semantics, then a tiny run
// seen through a hook (events in order, the same entries as metrics.jsonl), and a hook that throws:
// the run fails naming it, and resumes from the checkpoint written before the hook ran.
import { describe, expect, it } from 'vitest'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun, type TrainHook } from '../../../src/main/engine/train/trainer'
import { hookRunner } from '../../../src/main/engine/train/steps/hooks'
import { CANCELLED } from '../../../src/main/engine/control/cancel'
import { loadRun, readMetrics } from '../../../src/main/engine/runs/store'
import type { MetricEntry } from '../../../src/shared/types'
import { tinyDatasetFixture, tinyRun } from './helpers'

const entry = (step: number): MetricEntry => ({ kind: 'step', step, epoch: 1, time: 't', loss: 1 })

describe('hook runner', () => {
  it("calls the run's own hooks, then the given ones in order, each awaited", async () => {
    const seen: string[] = []
    const hook = (name: string, delay: number): TrainHook => ({
      name,
      async onBatchEnd(e) {
        await new Promise((r) => setTimeout(r, delay))
        seen.push(`${name}:${e.step}`)
      }
    })
    const hooks = hookRunner([hook('own', 5)], [hook('a', 10), { name: 'silent' }, hook('b', 0)])
    await hooks.call('onBatchEnd', entry(1))
    await hooks.call('onBatchEnd', entry(2))
    expect(seen).toEqual(['own:1', 'a:1', 'b:1', 'own:2', 'a:2', 'b:2'])
  })

  it('gives a hook a copy: what it changes is not what the run records', async () => {
    const recorded: MetricEntry[] = []
    const hooks = hookRunner(
      [{ name: 'own', onBatchEnd: (e) => void recorded.push(e) }],
      [
        {
          name: 'meddler',
          onBatchEnd: (e) => {
            e.loss = 99
          }
        }
      ]
    )
    const e = entry(1)
    await hooks.call('onBatchEnd', e)
    expect(e.loss).toBe(1)
    expect(recorded[0].loss).toBe(1)
  })

  it("names a failing hook and its event, passes a cancel through, and leaves the run's own errors as they are", async () => {
    const throwing = (message: string): TrainHook => ({
      name: 'uploader',
      onEpochBegin: () => {
        throw new Error(message)
      }
    })
    await expect(hookRunner([], [throwing('no network')]).call('onEpochBegin', { epoch: 1, step: 0 })).rejects.toThrow(/^Training hook "uploader" failed in onEpochBegin: no network$/)
    const cancel = hookRunner([], [throwing(CANCELLED)], (err) => (err as Error).message === CANCELLED)
    await expect(cancel.call('onEpochBegin', { epoch: 1, step: 0 })).rejects.toThrow(new RegExp(`^${CANCELLED}$`))
    await expect(hookRunner([throwing('disk full')]).call('onEpochBegin', { epoch: 1, step: 0 })).rejects.toThrow(/^disk full$/)
  })
})

describe('hooks in a training run', () => {
  const fx = tinyDatasetFixture('hooks')

  it('sees every event in order, with the entries metrics.jsonl holds', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 2 }))
    const events: string[] = []
    const steps: MetricEntry[] = []
    const epochs: MetricEntry[] = []
    let test: MetricEntry | null = null
    const recorder: TrainHook = {
      name: 'recorder',
      onTrainBegin: (i) => void events.push(`trainBegin ${i.startStep}/${i.totalSteps} ${i.engine}`),
      onEpochBegin: (i) => void events.push(`epochBegin ${i.epoch}`),
      onBatchBegin: (i) => void events.push(`batchBegin ${i.step}`),
      onBatchEnd: (e) => {
        events.push(`batchEnd ${e.step}`)
        steps.push(e)
      },
      onEpochEnd: (i) => {
        events.push(`epochEnd ${i.entry.epoch}${i.finished ? ' finished' : ''}`)
        epochs.push(i.entry)
      },
      onTestBegin: (i) => void events.push(`testBegin ${i.progress.total} ${i.progress.unit}`),
      onTestEnd: (e) => {
        events.push(`testEnd ${e.epoch}`)
        test = e
      },
      onTrainEnd: (r) => void events.push(`trainEnd ${r.epochsDone}`)
    }
    const result = await trainRun(runId, { hooks: [recorder] })
    // 21 training clips in batches of 4: 6 steps per epoch; 6 val + 3 test clips.
    const epochEvents = (e: number) => [`epochBegin ${e}`, ...Array.from({ length: 6 }, (_, k) => [`batchBegin ${(e - 1) * 6 + k + 1}`, `batchEnd ${(e - 1) * 6 + k + 1}`]).flat(), `epochEnd ${e}${e === 2 ? ' finished' : ''}`]
    expect(events).toEqual(['trainBegin 0/12 tfjs', ...epochEvents(1), ...epochEvents(2), 'testBegin 9 clips', `testEnd ${result.bestEpoch}`, 'trainEnd 2'])
    const metrics = readMetrics(runId)
    expect(steps).toEqual(metrics.filter((e) => e.kind === 'step'))
    expect(epochs).toEqual(metrics.filter((e) => e.kind === 'epoch'))
    expect(test).toEqual(metrics.find((e) => e.kind === 'test'))
    expect(loadRun(runId).status).toBe('done')
  })

  it('a hook that throws fails the run with its name; the run resumes from the checkpoint before it', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 2 }))
    const failing: TrainHook = {
      name: 'dashboard',
      onEpochEnd: () => {
        throw new Error('dashboard unreachable')
      }
    }
    await expect(trainRun(runId, { hooks: [failing] })).rejects.toThrow('Training hook "dashboard" failed in onEpochEnd: dashboard unreachable')
    const failed = loadRun(runId)
    expect(failed.status).toBe('failed')
    expect(failed.log.some((l) => l.includes('Failed: Training hook "dashboard" failed in onEpochEnd: dashboard unreachable'))).toBe(true)
    // The epoch was checkpointed and recorded before the hooks ran: the resume starts at epoch 2.
    expect(readMetrics(runId).filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1])
    await resumeRun(runId)
    const run = loadRun(runId)
    expect(run.status).toBe('done')
    expect(run.log.some((l) => /Resuming from step 6 \(epoch 1 done\)/.test(l))).toBe(true)
    const metrics = readMetrics(runId)
    expect(metrics.filter((e) => e.kind === 'step').map((e) => e.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(metrics.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1, 2])
  })
})
