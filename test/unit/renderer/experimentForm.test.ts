import { describe, expect, it } from 'vitest'
import { axisText, configOf, gridSize, hardwareDefaults, newDraft, parseAxis, parseSeeds } from '../../../src/renderer/src/lib/experimentForm'
import { metricCurve } from '../../../src/renderer/src/lib/curves'
import type { MetricEntry } from '../../../src/shared/api'

describe('experiment form', () => {
  it('seeds from lists and ranges, refusing nonsense', () => {
    expect(parseSeeds('0')).toEqual([0])
    expect(parseSeeds('0, 1, 2, 1')).toEqual([0, 1, 2])
    expect(parseSeeds('3-6')).toEqual([3, 4, 5, 6])
    expect(() => parseSeeds('a')).toThrow(/"a" is not a whole-number seed/)
    expect(() => parseSeeds(' ')).toThrow(/at least one seed/)
    expect(() => parseSeeds('5-1')).toThrow(/must go up/)
  })
  it('typed axis values: numbers, booleans, choices and the chosen pretraining', () => {
    const chosen = { kind: 'imagenet' as const, path: '/w/deit.pth' }
    expect(parseAxis({ key: 'stride', values: '16, 10' }, chosen)).toEqual({ key: 'stride', values: [16, 10] })
    expect(parseAxis({ key: 'frozen', values: 'true,false' }, chosen)).toEqual({ key: 'frozen', values: [true, false] })
    expect(parseAxis({ key: 'size', values: 'tiny, small' }, chosen).values).toEqual(['tiny', 'small'])
    expect(parseAxis({ key: 'pretrained', values: 'none, chosen' }, chosen).values).toEqual([{ kind: 'none' }, chosen])
    expect(() => parseAxis({ key: 'pretrained', values: 'none, chosen' }, { kind: 'none' })).toThrow(/choose a pretraining/)
    expect(() => parseAxis({ key: 'size', values: 'huge' }, chosen)).toThrow(/not one of tiny, small, base/)
    expect(() => parseAxis({ key: 'lr', values: '1e-4, x' }, chosen)).toThrow(/"x" is not a number/)
    expect(() => parseAxis({ key: 'stride', values: '16, 16' }, chosen)).toThrow(/repeats a value/)
    expect(axisText(parseAxis({ key: 'pretrained', values: 'none, chosen' }, chosen))).toBe('none, chosen')
  })
  it('the training engine: auto is left to the engine, ort and tfjs are recorded, and a grid can vary it', () => {
    const d = { ...newDraft(null), dataset: 'tones' }
    expect(d.engine).toBe('auto')
    expect('engine' in configOf(d, 0)).toBe(false)
    expect(configOf({ ...d, engine: 'ort' }, 0).engine).toBe('ort')
    expect(configOf({ ...d, engine: undefined }, 0).engine).toBeUndefined()
    expect(parseAxis({ key: 'engine', values: 'ort, tfjs' }, { kind: 'none' }).values).toEqual(['ort', 'tfjs'])
    expect(() => parseAxis({ key: 'engine', values: 'torch' }, { kind: 'none' })).toThrow(/not one of auto, ort, tfjs/)
  })
  it('grid size is the product of the axes times the seeds', () => {
    expect(gridSize([{ key: 'stride', values: [16, 10] }, { key: 'frozen', values: [true, false] }], 3)).toBe(12)
    expect(gridSize([], 1)).toBe(1)
  })
  it('the run config leaves the loss to the engine when automatic, and keeps depth for AST only', () => {
    const d = { ...newDraft(null), dataset: 'tones', depth: 1 }
    const c = configOf(d, 7)
    expect(c.seed).toBe(7)
    expect(c.depth).toBe(1)
    expect('loss' in c).toBe(false)
    expect('targetLength' in c).toBe(false)
    expect(configOf({ ...d, model: 'htsat' }, 0).depth).toBeUndefined()
    expect(configOf({ ...d, loss: 'focal', targetLength: 400 }, 0)).toMatchObject({ loss: 'focal', targetLength: 400 })
  })
  it('more training options: given ones reach the config, empty ones leave the engine default', () => {
    const d = { ...newDraft(null), dataset: 'tones' }
    const plain = configOf(d, 0)
    for (const k of ['dropout', 'dropPath', 'freqm', 'timem', 'labelSmoothing', 'focalGamma', 'focalAlpha', 'balancedSampling', 'gradAccum', 'clipNorm', 'earlyStopPatience', 'checkpointEverySteps']) expect(k in plain).toBe(false)
    const more = { ...d, dropout: 0.1, dropPath: 0.2, freqm: 12, timem: 40, labelSmoothing: 0.05, balancedSampling: true, gradAccum: 2, clipNorm: 5, earlyStopPatience: 3, checkpointEverySteps: 50 }
    expect(configOf(more, 0)).toMatchObject({ dropout: 0.1, dropPath: 0.2, freqm: 12, timem: 40, labelSmoothing: 0.05, balancedSampling: true, gradAccum: 2, clipNorm: 5, earlyStopPatience: 3, checkpointEverySteps: 50 })
    // A field the user cleared holds '' (v-model.number): the default again.
    expect('dropout' in configOf({ ...more, dropout: '' as unknown as null }, 0)).toBe(false)
    // Mask widths only with SpecAugment on; focal parameters only with the focal loss.
    expect(configOf({ ...more, specAugment: false }, 0)).not.toHaveProperty('freqm')
    expect(configOf({ ...more, focalGamma: 1, focalAlpha: 0.5 }, 0)).not.toHaveProperty('focalGamma')
    expect(configOf({ ...more, loss: 'focal', focalGamma: 1, focalAlpha: 0.5 }, 0)).toMatchObject({ focalGamma: 1, focalAlpha: 0.5 })
    expect(parseAxis({ key: 'dropout', values: '0, 0.1' }, { kind: 'none' }).values).toEqual([0, 0.1])
  })
  it('defaults follow the hardware', () => {
    const cuda = { backend: { chosen: 'cuda' } } as never
    const wasm = { backend: { chosen: 'wasm' } } as never
    expect(hardwareDefaults(cuda).batchSize).toBeGreaterThan(hardwareDefaults(wasm).batchSize)
    expect(hardwareDefaults(cuda).depth).toBe(12)
  })
})

describe('metric curves', () => {
  const e = (kind: MetricEntry['kind'], step: number, epoch: number, x: Partial<MetricEntry>): MetricEntry => ({ kind, step, epoch, time: '', ...x })
  const entries = [e('step', 1, 0, { loss: 1 }), e('step', 2, 0, { loss: 0.8 }), e('epoch', 2, 1, { mAP: 0.4, valLoss: 0.9 }), e('step', 3, 1, { loss: 0.7 }), e('step', 2, 1, { loss: 0.75 }), e('epoch', 4, 2, { mAP: null }), e('test', 4, 2, { mAP: 0.5 })]
  it('per-step metrics against the step, a repeated step replaced by the later entry', () => {
    expect(metricCurve(entries, 'loss')).toEqual({ x: [1, 2, 3], y: [1, 0.75, 0.7] })
  })
  it('per-epoch metrics against the epoch, null kept as a gap, test entries left out', () => {
    expect(metricCurve(entries, 'mAP')).toEqual({ x: [1, 2], y: [0.4, null] })
  })
})
