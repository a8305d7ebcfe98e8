// The experiment form, its grid axes and the runs table's columns come from the run-config field table.
import { describe, expect, it } from 'vitest'
import { AXIS_KEYS, FORM_FIELDS, configOf, fieldApplies, newDraft, parseAxis, type Draft } from '../../../src/renderer/src/lib/experimentForm'
import { STANDARD_COLUMNS, configKeys, flattenConfig } from '../../../src/renderer/src/lib/runConfig'
import { FIELDS, staticDefault } from '../../../src/shared/runConfigFields'

// Fields the form does not draw from the table on purpose: the run name, dataset, start and preset
// have controls of their own, seeds come from the seed list, and the rest are left to the engine.
const NOT_IN_FORM = ['name', 'dataset', 'pretrained', 'melBins', 'stepStart', 'stepGamma', 'seed', 'threads', 'preset']

describe('the experiment form from the field table', () => {
  it('has a draft slot for every field but the few it handles apart', () => {
    const d = newDraft(null)
    expect(FIELDS.filter((f) => !f.form).map((f) => f.key)).toEqual(NOT_IN_FORM)
    for (const f of FORM_FIELDS) expect(f.key in d, f.key).toBe(true)
  })

  it("starts from the table's defaults (null where the engine decides)", () => {
    const d = newDraft(null) as unknown as Record<string, unknown>
    expect(d).toMatchObject({ model: 'ast', size: 'tiny', fstride: 16, tstride: 16, lr: 1e-4, weightDecay: 5e-7, warmupSteps: 100, schedule: 'cosine', frameLoss: 'pos-bce', dropout: null, frameHead: false })
    for (const f of FORM_FIELDS) if (!f.form!.optional && !f.form!.autoLabel && !['depth', 'epochs', 'batchSize'].includes(f.key)) expect(d[f.key], f.key).toEqual(staticDefault(f))
  })

  it('sends every field given in the form, under its condition', () => {
    // A draft with every optional field set, the frame head, SpecAugment and a focal loss on.
    const d = { ...newDraft(null), dataset: 'tones', frameHead: true, loss: 'focal', balancedSampling: true, fold: 2, targetLength: 400 } as Draft
    const values: Record<string, number> = {}
    for (const f of FORM_FIELDS) if (f.form!.optional && d[f.key as keyof Draft] === null) values[f.key] = f.key === 'eventRatio' ? 0.3 : 1
    const c = configOf({ ...d, ...values } as Draft, 0) as Record<string, unknown>
    for (const f of FORM_FIELDS) if (f.key !== 'engine') expect(c[f.key], f.key).toBeDefined()
    // Off their condition, left out: frame fields without the frame head, masks without SpecAugment.
    const off = { ...d, ...values, frameHead: false, specAugment: false } as Draft
    for (const f of FORM_FIELDS.filter((x) => x.when === 'frameHead' || x.when === 'specAugment')) {
      expect(fieldApplies(off, f), f.key).toBe(false)
      expect(f.key in configOf(off, 0), f.key).toBe(false)
    }
  })

  it('offers every axis field of the table, with its hint, typed by the table', () => {
    expect(AXIS_KEYS[0].key).toBe('stride')
    expect(AXIS_KEYS.slice(1).map((a) => a.key)).toEqual(FIELDS.filter((f) => f.axis).map((f) => f.key))
    expect(() => parseAxis({ key: 'frameLoss', values: 'pos-bce, ce' }, { kind: 'none' })).toThrow(/"ce" is not one of bce, focal, weighted-bce, pos-bce/)
    expect(parseAxis({ key: 'eventRatio', values: '0, 0.5' }, { kind: 'none' }).values).toEqual([0, 0.5])
  })
})

describe('runs table columns from the field table', () => {
  it('shows the standard columns and orders the usual keys first', () => {
    expect(STANDARD_COLUMNS).toEqual(['model', 'size', 'depth', 'pretrained', 'frozen', 'fstride', 'tstride', 'specAugment', 'epochs', 'batchSize', 'seed'])
    const flat = flattenConfig({ seed: 1, zeta: 1, lr: 1e-4, dataset: 'd', dropout: 0, model: 'ast' } as never)
    expect(configKeys([flat])).toEqual(['dataset', 'model', 'lr', 'seed', 'dropout', 'zeta'])
  })
})
