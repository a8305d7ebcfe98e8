// The run-config field table drives resolution, checks and validation: requests resolve exactly as
// they did before the table (configBefore.ts is train/config.ts of commit 785ce97), a bad value is
// refused naming its field, and the API schema, grid axes and the stored-config reader follow the table.
import { describe, expect, it } from 'vitest'
import { completeRunConfig, type DatasetFacts } from '../../../src/main/engine/train/config'
import { facts } from './datasetFacts'
import { completeRunConfigBefore } from './configBefore'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'
import { FIELDS, RUN_CONFIG_FIELDS, fieldOf, staticDefault } from '../../../src/shared/runConfigFields'
import { MODEL_KINDS, modelChoices } from '../../../src/main/engine/models/registry'
import { AXIS_KEYS, partialRunConfigSchema, runConfigFields } from '../../../src/shared/apiSchema'
import { resolveStoredConfig } from '../../../src/main/engine/runs/storedConfig'
import type { RunConfigRequest } from '../../../src/shared/types'
import { RECIPE_FIELDS } from '../../../src/shared/recipe'

const single = facts({ multiLabel: false })
const esc = facts({ multiLabel: false, folds: [1, 2, 3, 4, 5], files: [{ durationS: 5 }] })
const songs = facts({ multiLabel: false, hasStrongLabels: true, frameRate: 30, files: Array.from({ length: 20 }, () => ({ durationS: 45 })) })

describe('the field table resolves requests as train/config did before it', () => {
  const pre = makeAstConfig({ depth: 4, melBins: 64, targetLength: 200, numClasses: 5 })
  const cases: [string, Omit<RunConfigRequest, 'dataset'>, DatasetFacts, typeof pre | null][] = [
    ['nothing given, multi-label', {}, facts(), null],
    ['nothing given, single-label', {}, single, null],
    ['a fold dataset', { fold: 2 }, esc, null],
    ['fold defaulted', {}, esc, null],
    ['HTS-AT', { model: 'htsat', size: 'small' }, facts(), null],
    ['CRNN', { model: 'crnn' }, facts(), null],
    ['CRNN with its lr given', { model: 'crnn', lr: 3e-4 }, facts(), null],
    ['the quick preset', { preset: 'quick' }, facts(), null],
    ['the quick preset, flags over it', { preset: 'quick', epochs: 2, lr: 1e-3, schedule: 'step' }, single, null],
    ['focal loss', { loss: 'focal', focalGamma: 1 }, facts(), null],
    ['step schedule', { schedule: 'step', stepGamma: 0.5 }, facts(), null],
    ['SpecAugment off', { specAugment: false, freqm: 10 }, facts(), null],
    ['stride 10 with masks given', { fstride: 10, tstride: 12, freqm: 20, timem: 40, melBins: 96 }, facts(), null],
    ['every option given', { dropout: 0.1, dropPath: 0.2, labelSmoothing: 0.1, balancedSampling: true, gradAccum: 2, clipNorm: 1, earlyStopPatience: 3, checkpointEverySteps: 50, keepCheckpoints: 2, threads: 2, engine: 'tfjs', optimizer: 'adamw', weightDecay: 0.05 }, facts(), null],
    ['a frame task', { frameHead: true }, songs, null],
    ['a frame task on AST', { frameHead: true, model: 'ast', frameLoss: 'focal', eventRatio: 0, windowHopS: 5 }, songs, null],
    ['a frame task on HTS-AT', { frameHead: true, model: 'htsat', frameRate: 50 }, songs, null],
    ['a frame task with its warm-up and length', { frameHead: true, targetLength: 512, warmupSteps: 50, frameSmoothing: 2 }, songs, null],
    ['a pretrained start', { pretrained: { kind: 'audioset', path: '/x' } }, facts(), pre],
    ['a pretrained start, fewer blocks', { pretrained: { kind: 'audioset', path: '/x' }, depth: 2, frozen: true }, facts(), pre],
    ['a named run', { name: 'mine', seed: 3 }, facts(), null]
  ]
  // The fields of commit 785ce97: a field added to the table since resolves to something new by design.
  const KEYS_BEFORE = new Set(
    ('name dataset model size depth pretrained fstride tstride targetLength melBins frozen specAugment freqm timem mixup loss focalGamma focalAlpha labelSmoothing balancedSampling ' +
      'optimizer lr weightDecay warmupSteps schedule stepStart stepGamma epochs batchSize gradAccum clipNorm earlyStopPatience checkpointEverySteps keepCheckpoints dropout ' +
      'dropPath seed fold frameHead windowHopS eventRatio frameRate frameLoss frameSmoothing threads engine preset').split(' ')
  )
  // The recipe's fields, and the mask widths that follow specAugment, come from the dataset-size-aware
  // rules since issue 16 (recipe.ts; recipe.test.ts and config.test.ts hold them): compared here, the rest.
  const RECIPE_OWNED = new Set<string>([...RECIPE_FIELDS, 'freqm', 'timem'])
  const known = (c: object) => Object.fromEntries(Object.entries(c).filter(([k]) => KEYS_BEFORE.has(k) && !RECIPE_OWNED.has(k)))
  for (const [what, req, ds, ckpt] of cases)
    it(what, () => {
      expect(known(completeRunConfig({ dataset: 'd', ...req }, ds, ckpt))).toStrictEqual(known(JSON.parse(JSON.stringify(completeRunConfigBefore({ dataset: 'd', ...req }, ds, ckpt)))))
    })

  it('lets a resolver supply defaults above the table, checked like given values', () => {
    const c = completeRunConfig({ dataset: 'd' }, facts(), null, (key) => (key === 'epochs' ? 30 : key === 'warmupSteps' ? 20 : undefined))
    expect(c).toMatchObject({ epochs: 30, warmupSteps: 20, batchSize: 8 })
    expect(completeRunConfig({ dataset: 'd', epochs: 4 }, facts(), null, (key) => (key === 'epochs' ? 30 : undefined)).epochs).toBe(4)
    expect(() => completeRunConfig({ dataset: 'd' }, facts(), null, (key) => (key === 'mixup' ? 3 : undefined))).toThrow(/Run config: mixup is a probability from 0 to 1, got 3/)
  })
})

describe("a model kind's defaults are the registry's, over the table's", () => {
  for (const k of MODEL_KINDS)
    it(k.kind, () => {
      // Without the recipe's resolver (recipe.ts sets lr by its own rules): the kind's and the table's defaults.
      const c = completeRunConfig({ dataset: 'd', model: k.kind }, facts(), null, () => undefined)
      const own = (k.defaults ?? {}) as Record<string, unknown>
      for (const key of ['lr', 'dropPath', 'melBins'] as const) expect(c[key], key).toBe(own[key] ?? fieldOf(key).default)
      // What the form shows for an empty field: the kind's default that model.choices serves.
      const served = modelChoices().find((m) => m.model === k.kind)!.defaults
      for (const key of ['lr', 'dropPath'] as const) expect(staticDefault(fieldOf(key), served), key).toBe(c[key])
    })

  it('takes any model id through the schema and refuses one the registry lacks, naming the kinds', () => {
    expect(partialRunConfigSchema.parse({ model: 'resnet' }, 'config')).toEqual({ model: 'resnet' })
    expect(() => completeRunConfig({ dataset: 'd', model: 'resnet' }, facts(), null)).toThrow(`Run config: unknown model 'resnet' (${MODEL_KINDS.map((k) => k.kind).join(', ')})`)
  })
})

describe('checks come from the table and name the field', () => {
  // One value outside each numeric field's bounds, and one unknown choice per choice field.
  const outside = FIELDS.filter((f) => (f.type === 'int' || f.type === 'number') && f.min !== undefined && !['freqm', 'timem', 'fold'].includes(f.key))
  for (const f of outside)
    it(`${f.key}: ${f.min! - 1} is refused`, () => {
      const req = { dataset: 'd', [f.key]: f.min! - 1, ...(f.when === 'frameHead' ? { frameHead: true } : {}), ...(f.when === 'focal' ? { loss: 'focal' } : {}) } as RunConfigRequest
      expect(() => completeRunConfig(req, songs, null)).toThrow(new RegExp(`^Run config: ${f.key} `))
    })
  for (const f of FIELDS.filter((x) => x.type === 'choice'))
    it(`${f.key}: an unknown choice is refused with the list`, () => {
      const req = { dataset: 'd', [f.key]: 'nonsense', ...(f.when === 'frameHead' ? { frameHead: true } : {}) } as RunConfigRequest
      expect(() => completeRunConfig(req, songs, null)).toThrow(`Run config: unknown ${f.key} 'nonsense' (${f.choices!.slice(0, -1).join(', ')} or ${f.choices!.at(-1)})`)
    })
})

describe('the API schema and grid axes follow the table', () => {
  it('has one schema per table field and nothing else', () => {
    expect(Object.keys(runConfigFields).sort()).toEqual(FIELDS.map((f) => f.key).sort())
  })
  it("applies each field's bounds and choices", () => {
    expect(() => partialRunConfigSchema.parse({ dropout: 1 })).toThrow(/dropout must be a finite number ≥ 0 and < 1, got number 1/)
    expect(() => partialRunConfigSchema.parse({ fstride: 17 })).toThrow(/fstride must be an integer ≥ 1 and ≤ 16/)
    expect(() => partialRunConfigSchema.parse({ optimizer: 'sgd' })).toThrow(/optimizer must be one of "adam", "adamw"/)
    expect(partialRunConfigSchema.parse({ eventRatio: 0.9, frameLoss: 'pos-bce' })).toEqual({ eventRatio: 0.9, frameLoss: 'pos-bce' })
  })
  it('offers every field but the run name, dataset and preset as an axis, plus stride', () => {
    expect(new Set(AXIS_KEYS)).toEqual(new Set([...FIELDS.filter((f) => !['name', 'dataset', 'preset'].includes(f.key)).map((f) => f.key), 'stride']))
  })
  it('has a unique key, a label and help for every field', () => {
    expect(new Set(FIELDS.map((f) => f.key)).size).toBe(RUN_CONFIG_FIELDS.length)
    for (const f of FIELDS) expect(f.label && f.help, f.key).toBeTruthy()
    expect(() => fieldOf('demoTypo')).toThrow(/unknown run-config field 'demoTypo'/)
  })
})

describe('stored configs from before the table', () => {
  it("fill the fields an older Tagbench left out with what leaving them out meant", () => {
    // A config.json of a run made before engines, checkpoint averaging and frame tasks existed.
    const old = { name: 'old', dataset: 'd', model: 'ast', size: 'tiny', depth: 12, pretrained: { kind: 'none' }, fstride: 16, tstride: 16, targetLength: 400, melBins: 128, frozen: false, specAugment: true, freqm: 24, timem: 75, mixup: 0, loss: 'bce', optimizer: 'adam', lr: 1e-4, weightDecay: 5e-7, warmupSteps: 100, schedule: 'cosine', epochs: 10, batchSize: 8, seed: 0 }
    const c = resolveStoredConfig(partialRunConfigSchema.parse(old))
    expect(c).toMatchObject({ ...old, engine: 'tfjs', keepCheckpoints: 0, gradAccum: 1, clipNorm: 0, earlyStopPatience: 0, checkpointEverySteps: 0, dropout: 0, dropPath: 0, labelSmoothing: 0, balancedSampling: false, frameHead: false })
    // A complete config reads back unchanged.
    const now = completeRunConfig({ dataset: 'd' }, facts(), null)
    expect(resolveStoredConfig(now)).toStrictEqual(now)
  })
})
