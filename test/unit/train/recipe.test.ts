// Dataset-size-aware defaults: each rule on a table of datasets and starts, the precedence user >
// preset > rule in a complete config, and the dataset summary the rules read.
import { describe, expect, it } from 'vitest'
import { recipeDefaults, recipeLines, recipeResolver, recipeStart, summarizeDataset, type DataSummary, type RecipeStart } from '../../../src/main/engine/train/recipe'
import { completeRunConfigWithRecipe, type DatasetFacts } from '../../../src/main/engine/train/config'
import type { ModelKind } from '../../../src/shared/types'

const data = (over: Partial<DataSummary> = {}): DataSummary => ({ multiLabel: true, trainClips: 420, clipSeconds: 4, classes: 10, balance: 0.8, frameTask: false, ...over })

describe('recipe rules', () => {
  // [case, data, start, model, expected values, expected rule ids]
  const cases: [string, DataSummary, RecipeStart, ModelKind, Record<string, unknown>, Record<string, string>][] = [
    [
      'the practice set from scratch: 24 epochs of batch 8 (1,272 steps), no masks, early stopping',
      data(),
      'scratch',
      'ast',
      { batchSize: 8, epochs: 24, lr: 2.5e-4, schedule: 'cosine', warmupSteps: 100, specAugment: false, mixup: 0, balancedSampling: false, earlyStopPatience: 6 },
      { batchSize: 'batch-small-set', epochs: 'epochs-steps', lr: 'lr-scratch', specAugment: 'specaug-off-small', mixup: 'mixup-off', earlyStopPatience: 'patience-long-run' }
    ],
    [
      'the same set, fine-tuned: half the steps (12 epochs, 636), so no early stopping',
      data(),
      'finetune',
      'ast',
      { lr: 2.5e-4, epochs: 12, specAugment: false, warmupSteps: 51, earlyStopPatience: 0 },
      { lr: 'lr-finetune', epochs: 'epochs-steps-finetune', earlyStopPatience: 'patience-off-short' }
    ],
    // The start-specific step counts were measured on AST clip tagging only: other models keep scratch's.
    ['HTS-AT fine-tuned: the scratch step count', data(), 'finetune', 'htsat', { epochs: 24 }, { epochs: 'epochs-steps' }],
    ['the same set, frozen backbone: a linear probe at 3e-3, as many steps as scratch', data(), 'frozen', 'ast', { lr: 3e-3, epochs: 24, earlyStopPatience: 6 }, { lr: 'lr-frozen', epochs: 'epochs-steps-frozen' }],
    [
      '60 clips: 30 epochs (capped), no masks, early stopping',
      data({ trainClips: 60 }),
      'scratch',
      'ast',
      { batchSize: 8, epochs: 30, specAugment: false, earlyStopPatience: 8, warmupSteps: 19 },
      { epochs: 'epochs-steps', specAugment: 'specaug-off-small', earlyStopPatience: 'patience-long-run' }
    ],
    [
      '20,000 multi-label clips: batch 16, 5 epochs, mixup and masks',
      data({ trainClips: 20000 }),
      'scratch',
      'ast',
      { batchSize: 16, epochs: 5, specAugment: true, mixup: 0.5, warmupSteps: 100 },
      { batchSize: 'batch-default', mixup: 'mixup-large', warmupSteps: 'warmup-share' }
    ],
    ['20,000 single-label clips: no mixup', data({ trainClips: 20000, multiLabel: false }), 'scratch', 'ast', { mixup: 0 }, { mixup: 'mixup-off' }],
    ['10 s clips: batch 8', data({ trainClips: 5000, clipSeconds: 10 }), 'scratch', 'ast', { batchSize: 8 }, { batchSize: 'batch-long-clips' }],
    ['a rare class in a large set: balanced sampling', data({ trainClips: 5000, balance: 0.02 }), 'scratch', 'ast', { balancedSampling: true }, { balancedSampling: 'balanced-rare' }],
    ['a rare class in a small set: plain shuffling', data({ balance: 0.02 }), 'scratch', 'ast', { balancedSampling: false }, { balancedSampling: 'balanced-off' }],
    ['CRNN: 1e-3', data(), 'scratch', 'crnn', { lr: 1e-3 }, { lr: 'lr-crnn' }],
    ['HTS-AT: 1e-4', data(), 'scratch', 'htsat', { lr: 1e-4 }, { lr: 'lr-htsat' }],
    [
      'frame task: batch 8, 10 warm-up steps, frequency masks, no mixup',
      data({ frameTask: true, trainClips: 40, clipSeconds: 45 }),
      'scratch',
      'ast',
      { batchSize: 8, warmupSteps: 10, specAugment: true, mixup: 0, lr: 1e-4 },
      { batchSize: 'batch-frames', warmupSteps: 'warmup-frames', specAugment: 'specaug-frames', lr: 'lr-frames' }
    ]
  ]
  it.each(cases)('%s', (_name, d, start, model, values, rules) => {
    const r = recipeDefaults(d, start, model)
    for (const [k, v] of Object.entries(values)) expect([k, r[k as keyof typeof r].value]).toEqual([k, v])
    for (const [k, id] of Object.entries(rules)) expect([k, r[k as keyof typeof r].rule]).toEqual([k, id])
    // Every value has a reason a person can read.
    for (const rule of Object.values(r)) expect(rule.reason.length).toBeGreaterThan(10)
  })

  it('epochs follow the optimizer steps: fewer clips, more epochs', () => {
    const epochs = [100, 200, 420, 800, 2000].map((n) => recipeDefaults(data({ trainClips: n }), 'scratch', 'ast').epochs.value as number)
    expect(epochs).toEqual([...epochs].sort((a, b) => b - a))
    expect(epochs[0]).toBeGreaterThan(epochs[4])
  })

  it('reads the start from the config', () => {
    expect(recipeStart({})).toBe('scratch')
    expect(recipeStart({ pretrained: { kind: 'none' }, frozen: true })).toBe('scratch')
    expect(recipeStart({ pretrained: { kind: 'audioset', path: '/x' } })).toBe('finetune')
    expect(recipeStart({ pretrained: { kind: 'run', runId: 'r' }, frozen: true })).toBe('frozen')
  })

  it('summarises the training split: clips, median length, balance', () => {
    const files = [
      ...Array.from({ length: 8 }, (_, i) => ({ durationS: 4, split: 'train', labels: i < 6 ? ['a'] : ['a', 'b'] })),
      { durationS: 10, split: 'train', labels: ['b'] },
      { durationS: 1, split: 'val', labels: ['a'] }
    ]
    expect(summarizeDataset({ multiLabel: true, files }, false)).toEqual({ multiLabel: true, trainClips: 9, clipSeconds: 4, classes: 2, balance: 3 / 8, frameTask: false })
    // No split: every file counts; no duration known: null.
    expect(summarizeDataset({ multiLabel: false, files: [{ durationS: null }] }, true)).toMatchObject({ trainClips: 1, clipSeconds: null, balance: 1, frameTask: true })
  })
})

describe('recipe in a complete config', () => {
  const facts: DatasetFacts = {
    name: 'd',
    multiLabel: true,
    folds: null,
    hasStrongLabels: false,
    files: Array.from({ length: 600 }, (_, i) => ({ durationS: 4, split: i < 420 ? 'train' : i < 510 ? 'val' : 'test', labels: [`c${i % 10}`] }))
  }

  it('fills what nobody set from the rules; the preset and the user win, and each value says who set it', () => {
    const { config, recipe } = completeRunConfigWithRecipe({ dataset: 'd', preset: 'quick', lr: 1e-4 }, facts, null)
    expect(config).toMatchObject({ batchSize: 8, epochs: 24, lr: 1e-4, specAugment: false, freqm: 0, timem: 0, earlyStopPatience: 6, optimizer: 'adam', depth: 4 })
    const by = Object.fromEntries(recipe.map((c) => [c.field, c]))
    expect(by.lr).toMatchObject({ source: 'user', value: 1e-4, reason: 'set by you' })
    expect(by.epochs).toMatchObject({ source: 'rule', value: 24, rule: 'epochs-steps' })
    expect(by.epochs.reason).toMatch(/420 clips at batch 8 make 53 per epoch/)
    expect(recipeLines(recipe).find((l) => l.startsWith('epochs 24:'))).toMatch(/\[epochs-steps\]$/)
    // A preset that sets a recipe field: its value, said to be the preset's.
    const aug = completeRunConfigWithRecipe({ dataset: 'd', preset: 'augmentation' }, facts, null)
    expect(aug.recipe.find((c) => c.field === 'specAugment')).toMatchObject({ source: 'rule' })
  })
})

describe('recipe rules that follow the batch and epochs the user chose', () => {
  it('warm-up, masks and early stopping read the given epochs and batch', () => {
    const r = recipeDefaults(data(), 'scratch', 'ast', { epochs: 40, batchSize: 16 })
    // 27 steps per epoch × 40 epochs = 1080 steps: 8% is 86 warm-up steps; 40 epochs: patience 10.
    expect([r.warmupSteps.value, r.earlyStopPatience.value]).toEqual([86, 10])
    const short = recipeDefaults(data({ trainClips: 60 }), 'scratch', 'ast', { epochs: 3 })
    expect([short.warmupSteps.value, short.earlyStopPatience.value]).toEqual([2, 0])
  })
})

describe('the recipe as a field-by-field resolver', () => {
  it('answers for recipe fields only, reading what the caller fixed', () => {
    const dataset = { multiLabel: true, files: Array.from({ length: 600 }, (_, i) => ({ durationS: 4, split: i < 420 ? 'train' : 'val', labels: ['a'] })) }
    expect(recipeResolver('epochs', { model: 'ast', given: {}, dataset })).toBe(24)
    expect(recipeResolver('lr', { model: 'ast', given: { pretrained: { kind: 'audioset', path: '/x' }, frozen: true }, dataset })).toBe(3e-3)
    expect(recipeResolver('epochs', { model: 'ast', given: { pretrained: { kind: 'audioset', path: '/x' } }, dataset })).toBe(12)
    expect(recipeResolver('earlyStopPatience', { model: 'ast', given: { epochs: 12 }, dataset })).toBe(0)
    expect(recipeResolver('depth', { model: 'ast', given: {}, dataset })).toBeUndefined()
  })
})
