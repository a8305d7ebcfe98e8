// lrAt against torch's own schedulers (fixture) and the closed forms.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { lrAt, type ScheduleConfig } from '../../../src/main/engine/train/schedule'

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/schedule.json'), 'utf8')) as {
  multiStep: { lr: number; start: number; gamma: number; perEpoch: number[] }
  cosine: { lr: number; tMax: number; etaMin: number; perStep: number[] }
}

describe('lrAt', () => {
  it("'step' reproduces AST's MultiStepLR(range(5, ...), 0.85) stepped per epoch", () => {
    const cfg: ScheduleConfig = { lr: fx.multiStep.lr, schedule: 'step', warmupSteps: 0, epochs: 25, stepStart: fx.multiStep.start, stepGamma: fx.multiStep.gamma }
    const spe = 7
    fx.multiStep.perEpoch.forEach((want, epoch) => {
      // Every step of the epoch sees the same rate.
      for (const s of [0, 3, 6]) expect(lrAt(epoch * spe + s, spe, cfg)).toBeCloseTo(want, 15)
    })
    // First five epochs untouched, decay from the sixth (0-based epoch 5).
    expect(lrAt(4 * spe, spe, cfg)).toBe(fx.multiStep.lr)
    expect(lrAt(5 * spe, spe, cfg)).toBeCloseTo(fx.multiStep.lr * 0.85, 15)
  })

  it("'cosine' after warm-up follows torch CosineAnnealingLR(T_max, eta_min)", () => {
    const warmup = 10
    const spe = 20
    // total steps = 5·20 = 100, cosine span = 90 = T_max
    const cfg: ScheduleConfig = { lr: fx.cosine.lr, schedule: 'cosine', warmupSteps: warmup, epochs: 5, minLr: fx.cosine.etaMin }
    fx.cosine.perStep.forEach((want, k) => expect(Math.abs(lrAt(warmup + k, spe, cfg) - want)).toBeLessThan(1e-15))
    expect(lrAt(1000, spe, cfg)).toBeCloseTo(fx.cosine.etaMin, 15)
  })

  it('linear warm-up multiplies the schedule and ends at the full rate', () => {
    const cfg: ScheduleConfig = { lr: 1e-3, schedule: 'constant', warmupSteps: 4, epochs: 1 }
    expect([0, 1, 2, 3, 4, 50].map((s) => lrAt(s, 10, cfg))).toEqual([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3])
    const step: ScheduleConfig = { lr: 1, schedule: 'step', warmupSteps: 30, epochs: 10, stepStart: 1, stepGamma: 0.5 }
    // step 15 is in epoch 1 (10 steps/epoch): scheduled 0.5, warm-up factor 16/30
    expect(lrAt(15, 10, step)).toBeCloseTo((0.5 * 16) / 30, 15)
  })

  it('cosine to zero hits 0 at the last step and lr/2 half way', () => {
    const cfg: ScheduleConfig = { lr: 2, schedule: 'cosine', warmupSteps: 0, epochs: 2, minLr: 0 }
    expect(lrAt(0, 50, cfg)).toBe(2)
    expect(lrAt(50, 50, cfg)).toBeCloseTo(1, 15)
    expect(lrAt(100, 50, cfg)).toBeCloseTo(0, 15)
  })

  it('bad inputs are clear errors', () => {
    expect(() => lrAt(0, 0, { lr: 1, schedule: 'constant', warmupSteps: 0, epochs: 1 })).toThrow(/stepsPerEpoch/)
    expect(() => lrAt(0, 1, { lr: 1, schedule: 'weird' as 'constant', warmupSteps: 0, epochs: 1 })).toThrow(/schedule: weird/)
  })
})
