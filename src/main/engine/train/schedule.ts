// Learning rate as a pure function of the optimizer step, so a resumed run recomputes it exactly.
// Steps and epochs are 0-based: step s falls in epoch floor(s / stepsPerEpoch).
//   warm-up: the rate ramps linearly, lr·(s + 1)/warmupSteps, over the first warmupSteps steps
//            (AST ramps in 50-step stairs; a straight line reaches the same rate at the same step);
//   'cosine': after warm-up, minLr + (lr − minLr)·(1 + cos(π·k/K))/2 with k steps since warm-up and
//             K = epochs·stepsPerEpoch − warmupSteps (torch CosineAnnealingLR with T_max = K);
//   'step':   AST's MultiStepLR(milestones = stepStart, stepStart + 1, …, gamma) stepped at the end of
//             each epoch: epoch e trains at lr·γ^max(0, e − stepStart + 1);
//   'constant': lr.
// During warm-up the ramp multiplies the scheduled rate.
import type { RunConfig } from '../../../shared/types'

export type ScheduleConfig = Pick<RunConfig, 'lr' | 'schedule' | 'warmupSteps' | 'epochs' | 'stepStart' | 'stepGamma'> & {
  /** Floor of the cosine schedule (default 0). */
  minLr?: number
}

export function lrAt(step: number, stepsPerEpoch: number, cfg: ScheduleConfig): number {
  if (!(stepsPerEpoch > 0)) throw new Error(`lrAt: stepsPerEpoch must be positive, got ${stepsPerEpoch}`)
  const warmup = Math.max(0, cfg.warmupSteps)
  let lr: number
  switch (cfg.schedule) {
    case 'constant':
      lr = cfg.lr
      break
    case 'step': {
      const epoch = Math.floor(step / stepsPerEpoch)
      const start = cfg.stepStart ?? 5
      const gamma = cfg.stepGamma ?? 0.85
      lr = cfg.lr * gamma ** Math.max(0, epoch - start + 1)
      break
    }
    case 'cosine': {
      const minLr = cfg.minLr ?? 0
      const span = Math.max(1, cfg.epochs * stepsPerEpoch - warmup)
      const k = Math.min(Math.max(0, step - warmup), span)
      lr = minLr + ((cfg.lr - minLr) * (1 + Math.cos((Math.PI * k) / span))) / 2
      break
    }
    default:
      throw new Error(`unknown learning-rate schedule: ${String(cfg.schedule)}`)
  }
  return step < warmup ? (lr * (step + 1)) / warmup : lr
}
