import { afterAll, describe, expect, it } from 'vitest'
import { useTempDataDir } from './helpers'
import type { DatasetFile, DatasetRecord, SplitName, StrongEvent } from '../../../src/shared/types'

const data = useTempDataDir()
const { buildSubset, createSubset, rebuildSubset, saveDataset, loadDataset } = await import('../../../src/main/engine/data/record')
const { capPerClass, selectClips } = await import('../../../src/main/engine/data/subset')
const { computeStats } = await import('../../../src/main/engine/data/stats')
const { makeRng } = await import('../../../src/main/engine/util/rng')
afterAll(data.cleanup)

const CLASSES = ['a', 'b', 'c', 'd']

/** A stored multi-label parent with strong labels; subsets never touch audio, so no files are needed. */
function parentRecord(): DatasetRecord {
  const rng = makeRng(21)
  const splits: SplitName[] = ['train', 'train', 'train', 'val', 'test']
  const files: DatasetFile[] = Array.from({ length: 400 }, (_, i) => {
    const labels = CLASSES.filter(() => rng.next() < 0.35)
    return { path: `audio/${i}.wav`, labels: labels.length ? labels : [CLASSES[rng.int(4)]], split: splits[i % 5], durationS: 2, sampleRate: 16000 }
  })
  const events: StrongEvent[] = files.flatMap((f) => f.labels.map((label) => ({ file: f.path, onset: 0.5, offset: 1.5, label })))
  const stats = computeStats(files, CLASSES, events, 10)
  return {
    id: 'parent-00000001',
    name: 'parent',
    root: '/nowhere',
    layout: 'csv',
    clips: files.length,
    classes: CLASSES.length,
    multiLabel: true,
    splits: stats.splitSizes,
    folds: null,
    hasStrongLabels: true,
    problems: 0,
    createdAt: new Date().toISOString(),
    classNames: CLASSES,
    files,
    problemList: [],
    stats,
    events,
    frameRate: 10,
    fingerprint: 'f'.repeat(64)
  }
}

const parent = parentRecord()
await saveDataset(parent)
const countOf = (files: DatasetFile[], c: string): number => files.filter((f) => f.labels.includes(c)).length

describe('selecting clips', () => {
  it("'within' keeps clips whose labels are all picked; 'single' keeps clips with exactly one picked label, reduced to it", () => {
    const picked = new Set(['a', 'b'])
    const within = selectClips(parent.files, picked, 'within')
    const single = selectClips(parent.files, picked, 'single')
    expect(within.length).toBe(parent.files.filter((f) => f.labels.every((l) => picked.has(l))).length)
    for (const f of within) expect(f.labels.every((l) => picked.has(l))).toBe(true)
    expect(single.length).toBe(parent.files.filter((f) => f.labels.filter((l) => picked.has(l)).length === 1).length)
    for (const f of single) {
      expect(f.labels.length).toBe(1)
      expect(parent.files.find((p) => p.path === f.path)!.labels).toContain(f.labels[0])
    }
  })

  it('caps every class, never exceeding the cap, seeded', () => {
    const pool = selectClips(parent.files, new Set(CLASSES), 'within')
    const capped = capPerClass(pool, 30, 5)
    for (const c of CLASSES) expect(countOf(capped, c)).toBeLessThanOrEqual(30)
    expect(capPerClass(pool, 30, 5)).toEqual(capped)
    expect(capPerClass(pool, 30, 6)).not.toEqual(capped)
    // Single-label pools reach the cap exactly.
    const single = selectClips(parent.files, new Set(['a', 'c']), 'single')
    const cap = Math.min(countOf(single, 'a'), countOf(single, 'c')) - 3
    const exact = capPerClass(single, cap, 1)
    expect([countOf(exact, 'a'), countOf(exact, 'c')]).toEqual([cap, cap])
  })
})

describe('buildSubset', () => {
  it('balances single-label subsets, keeps parent splits and filters strong labels', () => {
    const sub = buildSubset(parent, { classes: ['c', 'a'], mode: 'single', balance: true, seed: 3 }, 'ac')
    const pool = selectClips(parent.files, new Set(['a', 'c']), 'single')
    const rarest = Math.min(countOf(pool, 'a'), countOf(pool, 'c'))
    expect(sub.classNames).toEqual(['a', 'c'])
    expect(sub.stats.clipsPerClass).toEqual({ a: rarest, c: rarest })
    expect(sub.stats.imbalanceRatio).toBe(1)
    expect(sub.multiLabel).toBe(false)
    for (const f of sub.files) expect(f.split).toBe(parent.files.find((p) => p.path === f.path)!.split)
    expect(sub.parent).toBe(parent.id)
    expect(sub.recipe).toEqual({ classes: ['c', 'a'], mode: 'single', balance: true, seed: 3 })
    const kept = new Set(sub.files.map((f) => f.path))
    expect(sub.events!.every((e) => kept.has(e.file) && (e.label === 'a' || e.label === 'c'))).toBe(true)
    // Strong labels of dropped classes leave with them: 'single' keeps b/d events out.
    expect(sub.events!.length).toBe(parent.events!.filter((e) => kept.has(e.file) && (e.label === 'a' || e.label === 'c')).length)
    expect(sub.stats.frameSparsity).toBeGreaterThan(0)
  })

  it('re-draws splits by the given ratios, stratified', () => {
    const sub = buildSubset(parent, { classes: ['a', 'b', 'c'], mode: 'within', perClass: 80, seed: 1, splitRatios: { train: 0.6, val: 0.2, test: 0.2 } }, 'abc')
    expect(sub.multiLabel).toBe(true)
    for (const c of ['a', 'b', 'c']) {
      const n = countOf(sub.files, c)
      expect(n).toBeLessThanOrEqual(80)
      const inTest = sub.files.filter((f) => f.split === 'test' && f.labels.includes(c)).length
      expect(Math.abs(inTest - 0.2 * n)).toBeLessThan(1.5)
    }
    expect(Math.abs(sub.splits.train - 0.6 * sub.clips)).toBeLessThanOrEqual(3)
  })

  it('refuses unknown classes and empty results with a clear message', () => {
    expect(() => buildSubset(parent, { classes: ['a', 'zebra'], mode: 'within', seed: 0 }, 'x')).toThrow(/has no class "zebra"/)
    expect(() => buildSubset(parent, { classes: ['a'], mode: 'within', perClass: 0, seed: 0 }, 'x')).toThrow(/perClass/)
  })
})

describe('stored subsets', () => {
  it('are saved, reload unchanged and rebuild identically from parent and recipe', async () => {
    const recipe = { classes: ['a', 'b', 'd'], mode: 'within' as const, perClass: 40, seed: 9 }
    const sub = await createSubset('parent', recipe, 'abd')
    const reread = loadDataset('abd')
    expect(reread).toEqual(sub)
    const rebuilt = rebuildSubset(reread)
    expect(rebuilt.files).toEqual(sub.files)
    expect(rebuilt.fingerprint).toBe(sub.fingerprint)
    expect(rebuilt.id).toBe(sub.id)
    const other = buildSubset(parent, { ...recipe, seed: 10 }, 'abd-10')
    expect(other.fingerprint).not.toBe(sub.fingerprint)
    expect(() => rebuildSubset(parent)).toThrow(/not a subset/)
    expect((await createSubset('parent', recipe, 'abd')).name).toBe('abd-2')
  })
})
