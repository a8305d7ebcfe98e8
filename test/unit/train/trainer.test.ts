// The trainer in this process on a tiny generated dataset: what a run leaves behind (metrics,
// checkpoints, predictions, thresholds), tensor discipline, gradient accumulation, early stopping,
// unreadable files, and a frozen start from an earlier run's checkpoint.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { tf } from '../../../src/main/engine/platform/backend'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { loadTrainingCheckpoint } from '../../../src/main/engine/train/state'
import { checkpointDir, loadPredictions, loadRun, readMetrics, readRunConfig } from '../../../src/main/engine/runs/store'
import { clipMetrics } from '../../../src/main/engine/eval/metrics'
import { readSafetensors } from '../../../src/main/engine/models/safetensors'
import type { ApiEvent, JobProgress } from '../../../src/shared/api'
import { tempDir } from '../data/helpers'
import { importTinyDataset, tinyDatasetFixture, tinyRun, writeTinyDataset, writeTinyFolders } from './helpers'

let firstRun: string

describe('trainer', () => {
  const fx = tinyDatasetFixture('trainer')

  it('trains, evaluates every epoch, tests the best checkpoint, and leaks no tensors', async () => {
    const { runId, config } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 4, clipNorm: 1, balancedSampling: true }))
    firstRun = runId
    // The complete config is what the run folder holds, every optional field filled in.
    expect(readRunConfig(runId)).toEqual(config)
    expect(config).toMatchObject({ loss: 'bce', gradAccum: 1, clipNorm: 1, balancedSampling: true, earlyStopPatience: 0, checkpointEverySteps: 0, dropout: 0 })
    const before = tf.memory().numTensors
    const counts: number[] = []
    const events: ApiEvent[] = []
    const progress: Pick<JobProgress, 'done' | 'total' | 'unit'>[] = []
    const result = await trainRun(runId, {
      emit: (e) => {
        events.push(e)
        if (e.type === 'run.metrics' && e.entries[0].kind === 'step') counts.push(tf.memory().numTensors)
      },
      onProgress: (p) => progress.push(p)
    })
    expect(tf.memory().numTensors).toBe(before)
    // Every step leaves the same tensors alive (weights, optimizer moments, constants).
    expect(new Set(counts).size).toBe(1)

    const entries = readMetrics(runId)
    const steps = entries.filter((e) => e.kind === 'step')
    // 21 training clips in batches of 4: 6 steps per epoch.
    expect(steps.map((e) => e.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
    for (const s of steps) {
      expect(s.loss).toBeGreaterThan(0)
      expect(s.samplesPerS).toBeGreaterThan(0)
    }
    // Warm-up over 3 steps, then a cosine decay towards 0.
    expect(steps.slice(0, 4).map((s) => s.lr)).toEqual([1e-3 / 3, 2e-3 / 3, 1e-3, 1e-3])
    expect(steps[23].lr!).toBeLessThan(1e-4)
    const epochs = entries.filter((e) => e.kind === 'epoch')
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4])
    for (const e of epochs) {
      expect(e.ap).toHaveLength(3)
      expect(e).toHaveProperty('auc')
      expect(e).toHaveProperty('microF1')
      expect(e.valLoss).toBeGreaterThan(0)
    }
    // It learns: the mean training loss falls and the best val mAP is far above the label prior.
    expect(epochs[3].loss!).toBeLessThan(epochs[0].loss!)
    expect(Math.max(...epochs.map((e) => e.mAP!))).toBeGreaterThan(0.8)

    // Test: the stored predictions are the best checkpoint's, and the reported metrics are theirs.
    const run = loadRun(runId)
    expect(run.status).toBe('done')
    expect(run.best?.epoch).toBe(result.bestEpoch)
    const pred = loadPredictions(runId, 'test')!
    expect(pred.files).toEqual(run.testPredictions!.files)
    const m = clipMetrics(pred.scores, pred.targets, pred.nClips, pred.nClasses)
    expect(run.test!.mAP).toBeCloseTo(m.mAP!, 12)
    expect(entries.filter((e) => e.kind === 'test')).toEqual([expect.objectContaining({ kind: 'test', mAP: m.mAP, epoch: result.bestEpoch })])
    expect(run.thresholds!.methods.map((t) => t.method)).toEqual(['default', 'search', 'sgl'])
    expect(run.test).toHaveProperty('microF1_sgl')

    // Checkpoints: best and last, each with the trainer state; last holds the optimizer too.
    const last = loadTrainingCheckpoint(runId, 'last')!
    expect(last.state).toMatchObject({ step: 24, epoch: 4, finished: true })
    expect(last.optimizer!.step).toBe(24)
    expect(loadTrainingCheckpoint(runId, 'best')!.state.epoch).toBe(result.bestEpoch)
    expect(fs.existsSync(path.join(checkpointDir(runId, 'best'), 'model.safetensors'))).toBe(true)

    // Events: a run.metrics per entry, progress in steps up to the total.
    expect(events.filter((e) => e.type === 'run.metrics')).toHaveLength(entries.length)
    const stepProgress = progress.filter((p) => p.unit === 'steps')
    expect(stepProgress[stepProgress.length - 1]).toMatchObject({ done: 24, total: 24 })
  })

  it('gradient accumulation over two half batches trains like one whole batch', async () => {
    const common = { epochs: 1, specAugment: false, schedule: 'constant' as const, warmupSteps: 0 }
    const whole = createTrainingRun(tinyRun(fx.datasetId, { ...common, batchSize: 4 })).runId
    const halves = createTrainingRun(tinyRun(fx.datasetId, { ...common, batchSize: 2, gradAccum: 2 })).runId
    await trainRun(whole)
    await trainRun(halves)
    const loss = (id: string) => readMetrics(id).filter((e) => e.kind === 'step').map((e) => e.loss!)
    expect(loss(halves)).toHaveLength(6)
    loss(halves).forEach((l, i) => expect(l).toBeCloseTo(loss(whole)[i], 5))
    const a = readSafetensors(path.join(checkpointDir(whole, 'last'), 'model.safetensors'))
    const b = readSafetensors(path.join(checkpointDir(halves, 'last'), 'model.safetensors'))
    const D = 192
    for (const [name, t] of a) {
      const u = b.get(name)!
      let worst = 0
      // The key bias (qkv.bias[D, 2D)) cannot change attention (softmax ignores a constant per row),
      // so its gradient is pure float round-off, which Adam scales up to full-size steps: skip it.
      const noise = (i: number) => name.endsWith('attn.qkv.bias') && i >= D && i < 2 * D
      for (let i = 0; i < t.data.length; i++) if (!noise(i)) worst = Math.max(worst, Math.abs(t.data[i] - u.data[i]))
      expect(worst, name).toBeLessThan(1e-5)
    }
  })

  it('stops early when validation stops improving, and tests the best epoch', async () => {
    // A learning rate too small to change anything: the val mAP of epoch 1 is never beaten.
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 5, lr: 1e-12, earlyStopPatience: 2 }))
    const result = await trainRun(runId)
    expect(result.epochsDone).toBe(3)
    expect(result.bestEpoch).toBe(1)
    const run = loadRun(runId)
    expect(run.log.some((l) => /Early stop after epoch 3/.test(l))).toBe(true)
    expect(readMetrics(runId).find((e) => e.kind === 'test')?.epoch).toBe(1)
  })

  it('skips an unreadable clip, names it in the log, and trains on the rest', async () => {
    const copy = tempDir('trainer-bad')
    try {
      fs.cpSync(fx.audioDir, copy.dir, { recursive: true })
      const record = await importTinyDataset(copy.dir, 'tiny-bad')
      fs.writeFileSync(path.join(copy.dir, 'audio', 'clip0.wav'), 'not audio at all')
      const { runId } = createTrainingRun(tinyRun(record.id, { epochs: 1 }))
      await trainRun(runId)
      const run = loadRun(runId)
      expect(run.status).toBe('done')
      expect(run.log.some((l) => l.includes('Skipping') && l.includes('clip0.wav'))).toBe(true)
      expect(run.log.some((l) => /Clips: 20 train/.test(l))).toBe(true)
    } finally {
      copy.cleanup()
    }
  })

  it('trains a frame head on strong labels and reports frame and event F1', async () => {
    const strong = tempDir('trainer-strong')
    try {
      writeTinyDataset(strong.dir, 30, 1.0, 1, true)
      const record = await importTinyDataset(strong.dir, 'tiny-strong')
      expect(record.hasStrongLabels).toBe(true)
      const { runId } = createTrainingRun(tinyRun(record.id, { frameHead: true, targetLength: 96, epochs: 12, lr: 2e-3, schedule: 'constant', specAugment: false }))
      await trainRun(runId)
      const epochs = readMetrics(runId).filter((e) => e.kind === 'epoch')
      // Tones sound over part of each clip only: the frame head learns where.
      expect(Math.max(...epochs.map((e) => e.frameF1!))).toBeGreaterThan(0.8)
      expect(Math.max(...epochs.map((e) => e.eventF1!))).toBeGreaterThan(0.8)
      expect(loadRun(runId).test).toHaveProperty('eventF1')
    } finally {
      strong.cleanup()
    }
  })

  it('single-label data: CE loss, softmax scores, accuracy picks the best epoch and is tested', async () => {
    const folders = tempDir('trainer-single')
    try {
      writeTinyFolders(folders.dir, 10, 0.5)
      const record = await importTinyDataset(folders.dir, 'tiny-single', 'folders')
      expect(record.multiLabel).toBe(false)
      const { runId, config } = createTrainingRun(tinyRun(record.id, { epochs: 3 }))
      expect(config.loss).toBe('ce')
      const result = await trainRun(runId)
      const epochs = readMetrics(runId).filter((e) => e.kind === 'epoch')
      for (const e of epochs) expect(e.accuracy).toBeGreaterThanOrEqual(0)
      // The best epoch is the first with the highest accuracy (ties keep the earlier one).
      const best = epochs.reduce((b, e) => (e.accuracy! > b.accuracy! ? e : b))
      expect(result.bestEpoch).toBe(best.epoch)
      const pred = loadPredictions(runId, 'test')!
      // Softmax rows sum to 1.
      for (let i = 0; i < pred.nClips; i++) expect(pred.scores.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      expect(loadRun(runId).test!.accuracy).toBe(clipMetrics(pred.scores, pred.targets, pred.nClips, 3).accuracy)
    } finally {
      folders.cleanup()
    }
  })

  it('starts from an earlier run with a frozen backbone: only the new head changes', async () => {
    const { runId, config } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 1, pretrained: { kind: 'run', runId: firstRun }, frozen: true, depth: undefined, melBins: undefined }))
    // Depth and mel bins come from the checkpoint it starts from.
    expect(config).toMatchObject({ depth: 1, melBins: 32 })
    await trainRun(runId)
    const before = readSafetensors(path.join(checkpointDir(firstRun, 'best'), 'model.safetensors'))
    const after = readSafetensors(path.join(checkpointDir(runId, 'last'), 'model.safetensors'))
    for (const [name, t] of before) {
      const same = t.data.every((v, i) => v === after.get(name)!.data[i])
      expect(same, name).toBe(!name.startsWith('mlp_head.'))
    }
    expect(loadRun(runId).status).toBe('done')
  })
})
