// Completing a run config: defaults from the dataset, the preset and the pretrained checkpoint, and
// clear refusals of values that cannot work.
import { describe, expect, it } from 'vitest'
import { completeRunConfig, defaultTargetLength, framesForDuration } from '../../../src/main/engine/train/config'
import { facts } from './datasetFacts'
import { makeAstConfig } from '../../../src/main/engine/models/ast/config'


describe('targetLength from clip durations', () => {
  it("counts Kaldi frames as AST's reference does", () => {
    expect([10, 5, 1, 4].map((s) => framesForDuration(s))).toEqual([998, 498, 98, 398])
  })

  it('takes the 95th-percentile clip, rounded up to whole patches', () => {
    expect(defaultTargetLength([4, 4, 4])).toBe(400)
    expect(defaultTargetLength([10])).toBe(1008)
    // One long outlier among 40 clips is cut, not padded for.
    expect(defaultTargetLength([...new Array(39).fill(1), 30])).toBe(112)
    expect(defaultTargetLength([null, null])).toBe(1024)
    expect(defaultTargetLength([60])).toBe(1024)
  })
})

describe('completeRunConfig', () => {
  it('fills every field: CE for single-label data, BCE for multi-label, AST mask sizes', () => {
    const single = completeRunConfig({ dataset: 'd', specAugment: true }, facts({ multiLabel: false }), null)
    expect(single).toMatchObject({ loss: 'ce', model: 'ast', size: 'tiny', depth: 12, melBins: 128, targetLength: 400, freqm: 24, timem: 75, gradAccum: 1, clipNorm: 0 })
    expect(single.name).toBe('ast-tiny s16 scratch')
    expect(completeRunConfig({ dataset: 'd' }, facts(), null).loss).toBe('bce')
    expect(completeRunConfig({ dataset: 'd', specAugment: false }, facts(), null)).toMatchObject({ freqm: 0, timem: 0 })
    expect(completeRunConfig({ dataset: 'd', schedule: 'step' }, facts(), null)).toMatchObject({ stepStart: 5, stepGamma: 0.85 })
  })

  it('engine ort: AST and HTS-AT train on ONNX Runtime; for the CRNN the missing gradient rules are named', () => {
    expect(completeRunConfig({ dataset: 'd', model: 'htsat', melBins: 64, engine: 'ort' }, facts(), null).engine).toBe('ort')
    expect(completeRunConfig({ dataset: 'd', engine: 'ort' }, facts(), null).engine).toBe('ort')
    expect(() => completeRunConfig({ dataset: 'd', model: 'crnn', engine: 'ort' }, facts({ hasStrongLabels: true }), null)).toThrow(/ort.*cannot train.*(crnn|CRNN).*GRU.*; use engine tfjs or auto/)
  })

  it('applies a preset under the fields given explicitly', () => {
    const c = completeRunConfig({ dataset: 'd', preset: 'quick', epochs: 2 }, facts(), null)
    expect(c).toMatchObject({ depth: 4, fstride: 16, targetLength: 400, optimizer: 'adam', lr: 2.5e-4, epochs: 2, preset: 'quick' })
    expect(() => completeRunConfig({ dataset: 'd', preset: 'nope' }, facts(), null)).toThrow(/Unknown preset 'nope'/)
    // The preset's 4 s is an upper bound: 1 s clips keep their length (rounded up to whole patches),
    // 10 s clips are cut to 4 s, and a length given explicitly wins.
    const short = facts({ files: Array.from({ length: 20 }, () => ({ durationS: 1 })) })
    expect(completeRunConfig({ dataset: 'd', preset: 'quick' }, short, null).targetLength).toBe(112)
    expect(completeRunConfig({ dataset: 'd', preset: 'quick' }, facts({ files: [{ durationS: 10 }] }), null).targetLength).toBe(400)
    expect(completeRunConfig({ dataset: 'd', preset: 'quick', targetLength: 400 }, short, null).targetLength).toBe(400)
  })

  it('takes mel bins and depth from a pretrained checkpoint and refuses a mismatch', () => {
    const pre = makeAstConfig({ depth: 4, melBins: 64, targetLength: 200, numClasses: 5 })
    const c = completeRunConfig({ dataset: 'd', pretrained: { kind: 'audioset', path: '/x' } }, facts(), pre)
    expect(c).toMatchObject({ melBins: 64, depth: 4 })
    expect(() => completeRunConfig({ dataset: 'd', melBins: 128, pretrained: { kind: 'audioset', path: '/x' } }, facts(), pre)).toThrow(/expects 64 mel bins/)
    expect(() => completeRunConfig({ dataset: 'd', depth: 6, pretrained: { kind: 'audioset', path: '/x' } }, facts(), pre)).toThrow(/has 4 blocks/)
    expect(() => completeRunConfig({ dataset: 'd', pretrained: { kind: 'imagenet', path: '' } }, facts(), null)).toThrow(/needs a path/)
  })

  it('defaults the test fold of a dataset with folds and refuses one without', () => {
    expect(completeRunConfig({ dataset: 'd' }, facts({ folds: [1, 2, 3, 4, 5] }), null).fold).toBe(5)
    expect(() => completeRunConfig({ dataset: 'd', fold: 7 }, facts({ folds: [1, 2, 3, 4, 5] }), null)).toThrow(/fold 7/)
    expect(() => completeRunConfig({ dataset: 'd', fold: 1 }, facts(), null)).toThrow(/has no folds/)
  })

  it('names the field of a bad value', () => {
    expect(() => completeRunConfig({ dataset: 'd', lr: 0 }, facts(), null)).toThrow(/lr must be positive/)
    expect(() => completeRunConfig({ dataset: 'd', batchSize: 1.5 }, facts(), null)).toThrow(/batchSize/)
    expect(() => completeRunConfig({ dataset: 'd', fstride: 20 }, facts(), null)).toThrow(/fstride/)
    expect(() => completeRunConfig({ dataset: 'd', mixup: 2 }, facts(), null)).toThrow(/mixup/)
    expect(() => completeRunConfig({ dataset: 'd', frameHead: true }, facts(), null)).toThrow(/strong labels/)
    expect(() => completeRunConfig({ dataset: 'd', dropout: 1 }, facts(), null)).toThrow(/dropout is a probability in \[0, 1\), got 1/)
    expect(() => completeRunConfig({ dataset: 'd', dropPath: -0.1 }, facts(), null)).toThrow(/dropPath is a probability/)
    expect(() => completeRunConfig({ dataset: 'd', specAugment: true, melBins: 64, freqm: 65 }, facts(), null)).toThrow(/freqm must be a whole number of mel bins from 0 to 64, got 65/)
    expect(() => completeRunConfig({ dataset: 'd', specAugment: true, timem: 2.5 }, facts(), null)).toThrow(/timem must be a whole number of frames/)
    expect(() => completeRunConfig({ dataset: 'd', loss: 'focal', focalAlpha: 1.5 }, facts(), null)).toThrow(/focalAlpha must be in \[0, 1\]/)
    // SpecAugment off: the mask widths are 0 whatever was given.
    expect(completeRunConfig({ dataset: 'd', specAugment: false, freqm: 999 }, facts(), null)).toMatchObject({ freqm: 0, timem: 0 })
  })
})

describe('frame tasks', () => {
  const songs = facts({ multiLabel: false, hasStrongLabels: true, frameRate: 30, files: Array.from({ length: 20 }, () => ({ durationS: 45 })) })
  it('default to windows of whole label frames, one-window hop, event ratio 0.5, pos-bce frames, BCE clips, 64 mel, no time masks', () => {
    const c = completeRunConfig({ dataset: 'd', frameHead: true }, songs, null)
    // 1024 frames rounded down to a multiple of 10 (30 label frames/s × 10 ms): 306 label frames per window.
    // No model named: the CRNN, at its own learning rate; AST when asked for.
    expect(c).toMatchObject({ model: 'crnn', lr: 1e-3 })
    expect(completeRunConfig({ dataset: 'd', frameHead: true, model: 'ast' }, songs, null)).toMatchObject({ model: 'ast', lr: 1e-4, depth: 12, targetLength: 1020 })
    expect(completeRunConfig({ dataset: 'd' }, songs, null).model).toBe('ast')
    expect(c).toMatchObject({ targetLength: 1020, frameRate: 30, windowHopS: 10.2, eventRatio: 0.5, frameLoss: 'pos-bce', frameSmoothing: 0, loss: 'bce', melBins: 64, timem: 0, warmupSteps: 10 })
    expect(completeRunConfig({ dataset: 'd', frameHead: true, targetLength: 512, warmupSteps: 50 }, songs, null)).toMatchObject({ targetLength: 512, warmupSteps: 50 })
  })

  it('refuses frame settings without a frame head, and bad values with their names', () => {
    expect(() => completeRunConfig({ dataset: 'd', eventRatio: 0.5 }, songs, null)).toThrow(/eventRatio applies to frame tasks only/)
    expect(() => completeRunConfig({ dataset: 'd', frameHead: true, eventRatio: 0.95 }, songs, null)).toThrow(/eventRatio is a share of windows from 0 to 0.9/)
    expect(() => completeRunConfig({ dataset: 'd', frameHead: true, windowHopS: 20 }, songs, null)).toThrow(/windowHopS must be positive and at most the window \(10.2 s\)/)
    expect(() => completeRunConfig({ dataset: 'd', frameHead: true, frameSmoothing: 1.5 }, songs, null)).toThrow(/frameSmoothing/)
    expect(() => completeRunConfig({ dataset: 'd', frameHead: true, frameRate: 200 }, songs, null)).toThrow(/frameRate must be between 0 and 100/)
  })
})
