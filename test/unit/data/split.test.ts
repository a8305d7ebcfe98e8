import { describe, expect, it } from 'vitest'
import { makeRng } from '../../../src/main/engine/util/rng'
import {
  apportion,
  classQuotas,
  applyTestFold,
  completeSplits,
  foldSplit,
  iterativeStratification,
  stratifiedAssign,
  stratifiedSplit,
  type SplitItem
} from '../../../src/main/engine/data/split'
import type { DatasetFile, SplitName } from '../../../src/shared/types'

/** A multi-label set like FSD50K's: a few frequent classes, a long tail, 1 to 3 labels per clip. */
function multiLabelData(n: number, nClasses: number, seed: number): number[][] {
  const rng = makeRng(seed)
  const weights = Array.from({ length: nClasses }, (_, c) => 1 / (c + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const draw = (): number => {
    let u = rng.next() * total
    for (let c = 0; c < nClasses; c++) if ((u -= weights[c]) < 0) return c
    return nClasses - 1
  }
  return Array.from({ length: n }, () => {
    const k = 1 + rng.int(3)
    return [...new Set(Array.from({ length: k }, draw))]
  })
}

/** Largest |clips of class c in subset j - share of class c wanted there|, over classes and subsets. */
function worstClassDeviation(labels: number[][], subset: number[], ratios: number[], nClasses: number): number {
  let worst = 0
  for (let c = 0; c < nClasses; c++) {
    const idx = labels.map((ls, i) => (ls.includes(c) ? i : -1)).filter((i) => i >= 0)
    ratios.forEach((r, j) => {
      const got = idx.filter((i) => subset[i] === j).length
      worst = Math.max(worst, Math.abs(got - idx.length * r))
    })
  }
  return worst
}

describe('apportion', () => {
  it('rounds by largest remainder and sums exactly', () => {
    expect(apportion(10, [0.8, 0.1, 0.1])).toEqual([8, 1, 1])
    expect(apportion(7, [1, 1, 1])).toEqual([3, 2, 2])
    expect(apportion(5, [0.45, 0.45, 0.1])).toEqual([2, 2, 1])
    for (const n of [0, 1, 13, 999]) expect(apportion(n, [0.7, 0.2, 0.1]).reduce((a, b) => a + b, 0)).toBe(n)
  })
})

describe('classQuotas', () => {
  it('keeps every class within one clip of its share and every subset total exact', () => {
    const sizes = [60, 80, 80, 80, 80, 7, 1, 2]
    const ratios = [330, 50]
    const q = classQuotas(sizes, ratios)
    q.forEach((row, c) => {
      expect(row.reduce((a, b) => a + b, 0)).toBe(sizes[c])
      row.forEach((n, j) => expect(Math.abs(n - (sizes[c] * ratios[j]) / 380)).toBeLessThan(1))
    })
    expect([0, 1].map((j) => q.reduce((a, row) => a + row[j], 0))).toEqual(apportion(390, ratios))
  })
})

describe('stratifiedSplit (single-label)', () => {
  it('cuts every class by the ratios and is seeded', () => {
    const classOf = [...Array(50).fill(0), ...Array(30).fill(1), ...Array(7).fill(2)]
    const sub = stratifiedSplit(classOf, [0.8, 0.1, 0.1], makeRng(3))
    const count = (c: number, j: number): number => classOf.filter((k, i) => k === c && sub[i] === j).length
    expect([count(0, 0), count(0, 1), count(0, 2)]).toEqual([40, 5, 5])
    expect([count(1, 0), count(1, 1), count(1, 2)]).toEqual([24, 3, 3])
    ;[5.6, 0.7, 0.7].forEach((x, j) => expect(Math.abs(count(2, j) - x)).toBeLessThan(1))
    expect([0, 1, 2].map((j) => sub.filter((s) => s === j).length)).toEqual(apportion(87, [0.8, 0.1, 0.1]))
    expect(stratifiedSplit(classOf, [0.8, 0.1, 0.1], makeRng(3))).toEqual(sub)
    expect(stratifiedSplit(classOf, [0.8, 0.1, 0.1], makeRng(4))).not.toEqual(sub)
  })
})

describe('iterativeStratification (Sechidis et al. 2011)', () => {
  const ratios = [0.8, 0.1, 0.1]
  const nClasses = 20
  const labels = multiLabelData(2000, nClasses, 11)

  it('gives every class close to its share in every subset, far closer than a random split', () => {
    const sub = iterativeStratification(labels, ratios, makeRng(1))
    expect(sub.every((j) => j >= 0 && j < 3)).toBe(true)
    const worst = worstClassDeviation(labels, sub, ratios, nClasses)
    // A random split of the same data, for scale: its per-class errors grow like sqrt(n).
    const rng = makeRng(1)
    const random = labels.map(() => {
      const u = rng.next()
      return u < 0.8 ? 0 : u < 0.9 ? 1 : 2
    })
    const worstRandom = worstClassDeviation(labels, random, ratios, nClasses)
    expect(worst).toBeLessThan(1)
    expect(worst).toBeLessThan(worstRandom / 4)
    // Subset sizes follow the ratios too.
    const sizes = [0, 1, 2].map((j) => sub.filter((s) => s === j).length)
    sizes.forEach((s, j) => expect(Math.abs(s - labels.length * ratios[j])).toBeLessThanOrEqual(0.02 * labels.length))
  })

  it('puts a class with as many clips as subsets into each subset', () => {
    const small = [...multiLabelData(100, 5, 2), [7], [7], [7]]
    const sub = iterativeStratification(small, [0.5, 0.25, 0.25], makeRng(5))
    expect(new Set(small.map((ls, i) => (ls.includes(7) ? sub[i] : -1)).filter((j) => j >= 0))).toEqual(new Set([0, 1, 2]))
  })

  it('is reproducible for a seed and places unlabelled items by size', () => {
    const withEmpty = [...labels.slice(0, 200), [], [], [], []]
    const a = iterativeStratification(withEmpty, ratios, makeRng(9))
    expect(iterativeStratification(withEmpty, ratios, makeRng(9))).toEqual(a)
    expect(iterativeStratification(withEmpty, ratios, makeRng(10))).not.toEqual(a)
    expect(a.slice(200).every((j) => j >= 0)).toBe(true)
  })

  it('weighs group items by their clip counts', () => {
    // 40 groups of 1..4 clips, all of class 0 (repeated once per clip): the split follows clips, not groups.
    const rng = makeRng(2)
    const sizes = Array.from({ length: 40 }, () => 1 + rng.int(4))
    const sub = iterativeStratification(sizes.map((s) => Array(s).fill(0)), [0.5, 0.5], makeRng(3), sizes)
    const clips = [0, 1].map((j) => sizes.reduce((a, s, i) => a + (sub[i] === j ? s : 0), 0))
    expect(Math.abs(clips[0] - clips[1])).toBeLessThanOrEqual(4)
  })
})

describe('stratifiedAssign with groups', () => {
  it('keeps each group in one subset', () => {
    const rng = makeRng(4)
    const items: SplitItem[] = Array.from({ length: 300 }, () => ({ classes: [rng.int(5)], group: `spk${rng.int(40)}` }))
    const sub = stratifiedAssign(items, [0.8, 0.2], makeRng(1))
    const where = new Map<string, Set<number>>()
    items.forEach((it, i) => where.set(it.group!, new Set([...(where.get(it.group!) ?? []), sub[i]])))
    for (const s of where.values()) expect(s.size).toBe(1)
    const share = sub.filter((j) => j === 1).length / items.length
    expect(share).toBeGreaterThan(0.12)
    expect(share).toBeLessThan(0.28)
  })
})

describe('completeSplits', () => {
  it('draws 80/10/10 when no split is given', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ classes: [i % 4] }) as SplitItem & { split?: SplitName })
    const notes = completeSplits(items)
    const n = (s: SplitName): number => items.filter((it) => it.split === s).length
    expect([n('train'), n('val'), n('test')]).toEqual([160, 20, 20])
    expect(notes.join(' ')).toMatch(/No official split/)
  })

  it('carves a missing val split out of train only, stratified, and says so', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ classes: [i % 5], split: (i % 5 === 0 && i < 100) || i >= 400 ? 'test' : 'train' }) as SplitItem & { split?: SplitName })
    const testBefore = items.map((it) => it.split === 'test')
    const notes = completeSplits(items, 7)
    expect(items.map((it) => it.split === 'test')).toEqual(testBefore)
    const val = items.filter((it) => it.split === 'val')
    expect(val.length).toBe(50)
    for (let c = 0; c < 5; c++) {
      const trainC = items.filter((it) => it.classes[0] === c && it.split !== 'test').length
      const valC = val.filter((it) => it.classes[0] === c).length
      expect(Math.abs(valC - (trainC * 50) / items.filter((it) => it.split !== 'test').length)).toBeLessThanOrEqual(1)
    }
    expect(notes.join(' ')).toMatch(/No official val split: moved 50 of/)
  })
})

describe('ESC-50 folds', () => {
  it('test = fold k, val = fold (k mod 5) + 1, train = rest', () => {
    expect([1, 2, 3, 4, 5].map((f) => foldSplit(f, 1))).toEqual(['test', 'val', 'train', 'train', 'train'])
    expect([1, 2, 3, 4, 5].map((f) => foldSplit(f, 5))).toEqual(['val', 'train', 'train', 'train', 'test'])
    const files: DatasetFile[] = [1, 2, 3, 4, 5].map((fold) => ({ path: `${fold}.wav`, labels: ['a'], split: 'train', fold, durationS: 5, sampleRate: 44100 }))
    expect(applyTestFold(files, 3).map((f) => f.split)).toEqual(['train', 'train', 'test', 'val', 'train'])
    expect(() => applyTestFold(files, 6)).toThrow(/Test fold/)
  })
})
