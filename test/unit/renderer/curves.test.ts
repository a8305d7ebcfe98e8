import { describe, expect, it } from 'vitest'
import fixtures from '../../fixtures/renderer/renderer.json'
import { aggregateCurves, groupRuns, interpolate } from '../../../src/renderer/src/lib/grouping'
import { configKeys, differingKeys, flattenConfig } from '../../../src/renderer/src/lib/runConfig'
import { confusionMatrix, isSingleLabel } from '../../../src/renderer/src/lib/confusion'
import { validationWarning, valPositives } from '../../../src/renderer/src/lib/validation'
import type { PartialRunConfig as RunConfig } from '../../../src/shared/api'

interface Fixtures {
  pr: { scores: number[][]; targets: number[][]; perClass: { ap: number; precision: number[]; recall: number[] }[]; microAp: number }
  confusion: { scores: number[][]; targets: number[][]; matrix: number[][] }
  band: { curves: number[][]; mean: number[]; std: number[]; min: number[]; max: number[] }
}
const fx = fixtures as unknown as Fixtures

describe('confusion matrix against sklearn', () => {
  it('counts true × argmax-predicted for single-label data', () => {
    const { scores, targets, matrix } = fx.confusion
    expect(isSingleLabel(targets)).toBe(true)
    expect(isSingleLabel(fx.pr.targets)).toBe(false)
    expect(confusionMatrix(scores, targets, 5)).toEqual(matrix)
  })
})

describe('mean curve with a band', () => {
  it('mean, sample std, min and max across seeds equal numpy', () => {
    const { curves, mean, std, min, max } = fx.band
    const band = aggregateCurves(curves.map((y) => ({ x: y.map((_, i) => i + 1), y })))
    expect(band.x).toEqual([1, 2, 3, 4, 5, 6])
    band.mean.forEach((m, i) => expect(m).toBeCloseTo(mean[i], 12))
    band.std.forEach((s, i) => expect(s).toBeCloseTo(std[i], 12))
    expect(band.min).toEqual(min)
    expect(band.max).toEqual(max)
    expect(band.n).toEqual([3, 3, 3, 3, 3, 3])
  })
  it('interpolates curves logged at other steps, and adds nothing outside a curve', () => {
    const a = { x: [0, 10, 20], y: [0, 1, 2] }
    const b = { x: [5, 15], y: [10, 30] }
    expect(interpolate(a, 15)).toBeCloseTo(1.5, 12)
    expect(interpolate(b, 0)).toBeNull()
    const band = aggregateCurves([a, b])
    expect(band.x).toEqual([0, 5, 10, 15, 20])
    expect(band.n).toEqual([1, 2, 2, 2, 1])
    expect(band.mean[2]).toBeCloseTo((1 + 20) / 2, 12)
  })
})

const base: RunConfig = {
  dataset: 'tones', model: 'ast', size: 'tiny', pretrained: { kind: 'none' }, fstride: 16, tstride: 16, frozen: false, specAugment: true, mixup: 0,
  loss: 'bce', optimizer: 'adam', lr: 1e-4, weightDecay: 5e-7, warmupSteps: 0, schedule: 'cosine', epochs: 1, batchSize: 8, seed: 0
}

describe('run configs: diff and groups', () => {
  const runs = [
    { id: 'a', flat: flattenConfig({ ...base, name: 'a', seed: 0 }) },
    { id: 'b', flat: flattenConfig({ ...base, name: 'b', seed: 1 }) },
    { id: 'c', flat: flattenConfig({ ...base, name: 'c', fstride: 10, tstride: 10, seed: 0 }) },
    { id: 'd', flat: flattenConfig({ ...base, name: 'd', fstride: 10, tstride: 10, seed: 1, pretrained: { kind: 'imagenet', path: '/w/deit_tiny.pth' } }) }
  ]
  it('only the keys that differ, never the name', () => {
    expect(differingKeys(runs.map((r) => r.flat))).toEqual(['fstride', 'pretrained', 'seed', 'tstride'])
    expect(differingKeys([runs[0].flat])).toEqual([])
    expect(runs[3].flat.pretrained).toBe('ImageNet DeiT (deit_tiny.pth)')
    expect(configKeys(runs.map((r) => r.flat)).slice(0, 3)).toEqual(['dataset', 'model', 'size'])
  })
  it('groups by chosen keys', () => {
    const g = groupRuns(runs, { mode: 'keys', keys: ['fstride'] }, (r) => r.id)
    expect(g.map((x) => [x.label, x.members.map((m) => m.id)])).toEqual([['fstride=16', ['a', 'b']], ['fstride=10', ['c', 'd']]])
  })
  it('groups by all but the seed, labelled by what differs between groups', () => {
    const g = groupRuns(runs, { mode: 'all-but-seed' }, (r) => r.id)
    expect(g.map((x) => [x.label, x.members.map((m) => m.id)])).toEqual([
      ['fstride=16 · pretrained=none · tstride=16', ['a', 'b']],
      ['fstride=10 · pretrained=none · tstride=10', ['c']],
      ['fstride=10 · pretrained=ImageNet DeiT (deit_tiny.pth) · tstride=10', ['d']]
    ])
  })
  it('no grouping: one group per run', () => {
    expect(groupRuns(runs, { mode: 'none' }, (r) => `run ${r.id}`).map((x) => x.label)).toEqual(['run a', 'run b', 'run c', 'run d'])
  })
})

describe('validation split warning', () => {
  const files = [
    ...Array.from({ length: 30 }, (_, i) => ({ path: `a${i}`, labels: ['a'], split: 'val' as const, durationS: 1, sampleRate: 16000 })),
    ...Array.from({ length: 3 }, (_, i) => ({ path: `b${i}`, labels: ['b'], split: 'val' as const, durationS: 1, sampleRate: 16000 })),
    { path: 'c0', labels: ['c'], split: 'train' as const, durationS: 1, sampleRate: 16000 }
  ]
  it('counts validation positives per class', () => {
    expect(valPositives(files, ['a', 'b', 'c'])).toEqual({ a: 30, b: 3, c: 0 })
  })
  it('warns under 50 clips, and when many classes have under 5 positives', () => {
    expect(validationWarning(33, valPositives(files, ['a', 'b', 'c']))).toMatch(/only 33 validation clips.*2 of 3 classes have fewer than 5/)
    expect(validationWarning(500, { a: 40, b: 12, c: 9, d: 3 })).toBeNull()
    expect(validationWarning(500, { a: 40, b: 2, c: 9, d: 3 })).toMatch(/2 of 4 classes/)
    expect(validationWarning(49)).toMatch(/only 49/)
  })
})
