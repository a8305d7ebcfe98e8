// The trainer on a CRNN frame task: a tiny generated dataset with strong labels (tones over part of
// each clip), `model: 'crnn'` with the frame head, trained on windows through the frame-task path.
// Its training loss falls, it ends far above chance in frame AP, and its best checkpoint loads back
// into a CRNN with the same config.
import { describe, expect, it } from 'vitest'
import path from 'node:path'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { checkpointDir, readMetrics } from '../../../src/main/engine/runs/store'
import { readCheckpointConfig } from '../../../src/main/engine/models/checkpoint'
import { readSafetensors } from '../../../src/main/engine/models/safetensors'
import { tempDir } from '../data/helpers'
import { importTinyDataset, tinyRun, writeTinyDataset } from './helpers'

describe('trainer with a CRNN', () => {
  it('trains a frame task: the loss falls and frame AP rises; the best checkpoint is a CRNN', async () => {
    const strong = tempDir('trainer-crnn')
    try {
      writeTinyDataset(strong.dir, 30, 1.0, 1, true)
      const record = await importTinyDataset(strong.dir, 'tiny-crnn')
      const { runId, config } = createTrainingRun(
        tinyRun(record.id, { model: 'crnn', depth: undefined, fstride: undefined, tstride: undefined, frameHead: true, targetLength: 96, epochs: 6, lr: undefined, schedule: 'constant', specAugment: false })
      )
      // The CRNN's own learning-rate default (Adam's 1e-3), not AST's.
      expect(config).toMatchObject({ model: 'crnn', lr: 1e-3, frameHead: true })
      await trainRun(runId)
      const metrics = readMetrics(runId)
      const steps = metrics.filter((e) => e.kind === 'step').map((e) => e.loss!)
      const epochs = metrics.filter((e) => e.kind === 'epoch')
      expect(epochs).toHaveLength(6)
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
      expect(mean(steps.slice(-5))).toBeLessThan(0.7 * mean(steps.slice(0, 5)))
      // Three tone classes over ~40% of each clip: chance frame AP is about 0.2.
      expect(Math.max(...epochs.map((e) => e.frameAP!))).toBeGreaterThan(0.6)
      const dir = checkpointDir(runId, 'best')
      const saved = readCheckpointConfig(dir)
      expect(saved).toMatchObject({ kind: 'crnn', labels: ['high', 'low', 'mid'].sort(), frameHead: { frameRate: config.frameRate } })
      const names = [...readSafetensors(path.join(dir, 'model.safetensors')).keys()]
      expect(names).toContain('rnn.weight_hh_l1_reverse')
      expect(names).toContain('cnn.0.bn.running_var')
    } finally {
      strong.cleanup()
    }
  })
})
