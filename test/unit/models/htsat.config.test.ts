// HTS-AT geometry and config checks: the paper's model derives the shapes RetroCirce's htsat.py uses
// (window clamped in the last stage, (2, 3) token-semantic kernel, 32 steps over 1024 frames), small
// CPU variants derive theirs, and impossible configs fail with a message that says why.
import { describe, expect, it } from 'vitest'
import { htsatGeometry, makeHtsatConfig } from '../../../src/main/engine/models/htsat/config'
import { frameOutput } from '../../../src/main/engine/models/frameHead'
import { bicubicResizeMatrix } from '../../../src/main/engine/models/htsat/image'

describe('HTS-AT geometry', () => {
  it('the paper model: 256×256 image from 1024×64, stages 64→8, last window clamped, 768 × (2, 32) map', () => {
    const c = makeHtsatConfig({ numClasses: 527 })
    const g = htsatGeometry(c)
    expect(g.freqRatio).toBe(4)
    expect(g.imageFrames).toBe(1024)
    expect(g.grid).toBe(64)
    expect(g.stages.map((s) => [s.dim, s.heads, s.depth, s.res, s.window, s.shift])).toEqual([
      [96, 4, 2, 64, 8, 4],
      [192, 8, 2, 32, 8, 4],
      [384, 16, 6, 16, 8, 4],
      [768, 32, 2, 8, 8, 0]
    ])
    expect([g.numFeatures, g.finalRes, g.tscamHeight, g.outFrames]).toEqual([768, 8, 2, 32])
    // 32 steps over 1024 frames of 10 ms: one step per 320 ms.
    expect(frameOutput(c)).toEqual({ frames: 32, frameRate: 3.125 })
    expect(frameOutput({ ...c, frameHead: { frameRate: 10 } })).toEqual({ frames: 102, frameRate: (102 * 100) / 1024 })
  })

  it('the small CPU variant of the brief: spec 64, 32 bins, 128 frames, depths [1, 1], window 4', () => {
    const g = htsatGeometry(makeHtsatConfig({ specSize: 64, melBins: 32, targetLength: 128, embedDim: 24, depths: [1, 1], heads: [2, 4], window: 4 }))
    expect(g.stages.map((s) => [s.res, s.window, s.shift])).toEqual([
      [16, 4, 2],
      [8, 4, 2]
    ])
    expect([g.freqRatio, g.tscamHeight, g.outFrames]).toEqual([2, 4, 16])
  })

  it('rejects configs the reference cannot run, naming the problem', () => {
    expect(() => makeHtsatConfig({ melBins: 48 })).toThrow(/specSize 256 must be a multiple of melBins 48/)
    expect(() => makeHtsatConfig({ targetLength: 2048 })).toThrow(/targetLength 2048 exceeds the 1024 frames/)
    expect(() => makeHtsatConfig({ heads: [4, 8, 16, 20] })).toThrow(/stage 3 width 768 is not divisible by 20 heads/)
    expect(() => makeHtsatConfig({ depths: [2, 2, 6] })).toThrow(/equal length/)
    expect(() => makeHtsatConfig({ window: 12 })).toThrow(/does not split into 12×12 windows/)
    expect(() => makeHtsatConfig({ specSize: 64, melBins: 32, targetLength: 128, depths: [1, 1, 1, 1, 1], heads: [1, 2, 4, 8, 16], window: 4 })).toThrow(/final 1×1 map does not regroup into 2 time chunks/)
    expect(() => makeHtsatConfig({ specSize: 96, melBins: 32, targetLength: 288, depths: [1, 1, 1, 1, 1], heads: [1, 2, 4, 8, 16], window: 3 })).toThrow(/24×24 patch grid cannot be halved 4 times/)
    expect(() => makeHtsatConfig({ labels: ['a', 'b'], numClasses: 3 })).toThrow(/2 labels for 3 classes/)
  })
})

describe('bicubic time resize (align_corners=True)', () => {
  it('keeps the end samples, is the identity at equal length, and its rows sum to 1', () => {
    const m = bicubicResizeMatrix(1024, 998)
    expect(m[0]).toBeCloseTo(1, 6)
    expect(m[1023 * 998 + 997]).toBeCloseTo(1, 6)
    for (let r = 0; r < 1024; r += 97) expect(m.subarray(r * 998, (r + 1) * 998).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    const id = bicubicResizeMatrix(5, 5)
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(id[r * 5 + c]).toBeCloseTo(r === c ? 1 : 0, 7)
  })
})
