// The trainer's data-parallel path end to end: a run with threads 2 (main thread + one worker) trains
// on the same batches as a threads-1 run and follows it step for step (same losses up to float
// round-off: summed shard gradients differ from the whole-batch gradient only in the last bits),
// says in its log that it ran on 2 threads, and leaves no tensor behind in this thread.
import { describe, expect, it } from 'vitest'
import { tf } from '../../../src/main/engine/platform/backend'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { loadRun, readMetrics } from '../../../src/main/engine/runs/store'
import type { MetricEntry } from '../../../src/shared/api'
import { tinyDatasetFixture, tinyRun } from './helpers'


const stepLosses = (entries: MetricEntry[]) => entries.filter((e) => e.kind === 'step').map((e) => e.loss!)

describe('trainer, data-parallel', () => {
  const fx = tinyDatasetFixture('parallel')

  it('follows the single-thread run step for step on 2 threads, with SpecAugment, accumulation and clipping', async () => {
    // Uneven micro-batches (21 clips, batch 4 as 2 + 2 with accumulation) exercise the shard shares.
    const over = { epochs: 2, gradAccum: 2, clipNorm: 1 }
    const single = createTrainingRun(tinyRun(fx.datasetId, { ...over, threads: 1 })).runId
    const parallel = createTrainingRun(tinyRun(fx.datasetId, { ...over, threads: 2 })).runId
    await trainRun(single)
    const before = tf.memory().numTensors
    await trainRun(parallel)
    expect(tf.memory().numTensors).toBe(before)

    const want = stepLosses(readMetrics(single))
    const got = stepLosses(readMetrics(parallel))
    expect(got).toHaveLength(want.length)
    expect(want.length).toBeGreaterThan(4)
    got.forEach((l, i) => expect(Math.abs(l - want[i])).toBeLessThan(1e-4))
    // Training moved the loss, so agreement is not trivial.
    expect(Math.abs(want[want.length - 1] - want[0])).toBeGreaterThan(1e-3)
    expect(loadRun(parallel).log.join('\n')).toMatch(/data-parallel on 2 threads/)
    expect(loadRun(single).log.join('\n')).not.toMatch(/data-parallel/)
    expect(loadRun(parallel).status).toBe('done')
  })
})
