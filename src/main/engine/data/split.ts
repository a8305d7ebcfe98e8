// Train/val/test splits. Official splits are kept where a layout has them; otherwise they are drawn
// here, seeded: per-class for single-label data, and by iterative stratification (Sechidis,
// Tsoumakas & Vlahavas 2011) for multi-label data, so that every class gets close to the same share
// of its clips in each split.
import type { DatasetFile, SplitName } from '../../../shared/types'
import { makeRng, type Rng } from '../util/rng'

export const SPLITS: SplitName[] = ['train', 'val', 'test']
export const ESC50_FOLDS = [1, 2, 3, 4, 5]
/** ESC-50's default test fold when none is chosen (cross-validation runs pick each in turn). */
export const DEFAULT_TEST_FOLD = 5
const DEFAULT_RATIOS = { train: 0.8, val: 0.1, test: 0.1 }
/** Share of all clips moved from train when a layout lacks a validation (or test) split. */
const CARVE_FRACTION = 0.1
const SPLIT_SEED = 0

/** ESC-50 cross-validation: test = fold k, val = fold (k mod 5) + 1, train = the other three. */
export function foldSplit(fold: number, testFold: number): SplitName {
  if (fold === testFold) return 'test'
  return fold === (testFold % ESC50_FOLDS.length) + 1 ? 'val' : 'train'
}

/** The files with their splits re-drawn for another ESC-50 test fold (files without a fold keep theirs). */
export function applyTestFold(files: DatasetFile[], testFold: number): DatasetFile[] {
  if (!ESC50_FOLDS.includes(testFold)) throw new Error(`Test fold must be one of ${ESC50_FOLDS.join(', ')}, got ${testFold}`)
  return files.map((f) => (f.fold === undefined ? f : { ...f, split: foldSplit(f.fold, testFold) }))
}

/** Largest-remainder rounding of n * ratios, so the parts sum to exactly n. */
export function apportion(n: number, ratios: number[]): number[] {
  const sum = ratios.reduce((a, b) => a + b, 0)
  const exact = ratios.map((r) => (n * r) / sum)
  const parts = exact.map(Math.floor)
  const order = exact.map((x, i) => [x - Math.floor(x), i]).sort((a, b) => b[0] - a[0])
  const left = n - parts.reduce((a, b) => a + b, 0)
  for (let k = 0; k < left; k++) parts[order[k][1]]++
  return parts
}

/**
 * Clips per class and subset: each class within one clip of its exact share, and each subset's total
 * exactly its share of all clips. Rounding every class on its own would let totals drift by up to one
 * clip per class; here the extra clips left after flooring go to the cells with the largest
 * remainders, as long as both their class and their subset still need one.
 */
export function classQuotas(classSizes: number[], ratios: number[]): number[][] {
  const sum = ratios.reduce((a, b) => a + b, 0)
  const exact = classSizes.map((n) => ratios.map((r) => (n * r) / sum))
  const quotas = exact.map((row) => row.map(Math.floor))
  const rowNeed = classSizes.map((n, c) => n - quotas[c].reduce((a, b) => a + b, 0))
  const target = apportion(classSizes.reduce((a, b) => a + b, 0), ratios)
  const colNeed = target.map((t, j) => t - quotas.reduce((a, row) => a + row[j], 0))
  const cells = exact.flatMap((row, c) => row.map((x, j) => ({ c, j, rem: x - Math.floor(x) }))).sort((a, b) => b.rem - a.rem || a.c - b.c || a.j - b.j)
  const taken = new Set<number>()
  for (const strict of [true, false]) {
    for (const { c, j } of cells) {
      const key = c * ratios.length + j
      if (rowNeed[c] === 0 || taken.has(key) || (strict && colNeed[j] <= 0)) continue
      quotas[c][j]++
      rowNeed[c]--
      colNeed[j]--
      taken.add(key)
    }
  }
  return quotas
}

/** Single-label: each class's items shuffled and cut by classQuotas. Returns a subset index per item. */
export function stratifiedSplit(classOf: number[], ratios: number[], rng: Rng): number[] {
  const byClass = new Map<number, number[]>()
  classOf.forEach((c, i) => {
    const list = byClass.get(c)
    if (list) list.push(i)
    else byClass.set(c, [i])
  })
  const classes = [...byClass.keys()].sort((a, b) => a - b)
  const quotas = classQuotas(
    classes.map((c) => byClass.get(c)!.length),
    ratios
  )
  const out = new Array<number>(classOf.length)
  classes.forEach((c, ci) => {
    const items = rng.shuffle(byClass.get(c)!)
    let k = 0
    quotas[ci].forEach((count, subset) => {
      for (let j = 0; j < count; j++) out[items[k++]] = subset
    })
  })
  return out
}

/**
 * Iterative stratification (Sechidis et al. 2011, Algorithm 1). `labels[i]` are item i's class
 * indices; an item that stands for a group of clips may repeat a class once per clip, and then
 * `sizes[i]` is its clip count. Returns a subset index per item.
 *
 * Take the label with the fewest items still unassigned; give each of its items to the subset that
 * most lacks that label (ties: the subset that most lacks items, then chance); repeat.
 */
export function iterativeStratification(labels: number[][], ratios: number[], rng: Rng, sizes?: number[]): number[] {
  const n = labels.length
  const size = (i: number): number => sizes?.[i] ?? 1
  const sum = ratios.reduce((a, b) => a + b, 0)
  const total = labels.reduce((a, _, i) => a + size(i), 0)
  const wantItems = ratios.map((r) => (total * r) / sum)
  const counts = labels.map((ls) => {
    const m = new Map<number, number>()
    for (const l of ls) m.set(l, (m.get(l) ?? 0) + 1)
    return m
  })
  const itemsOf = new Map<number, number[]>()
  const remaining = new Map<number, number>()
  counts.forEach((m, i) => {
    for (const [l, k] of m) {
      const list = itemsOf.get(l)
      if (list) list.push(i)
      else itemsOf.set(l, [i])
      remaining.set(l, (remaining.get(l) ?? 0) + k)
    }
  })
  const wantLabel = new Map([...remaining].map(([l, k]) => [l, ratios.map((r) => (k * r) / sum)]))
  const out = new Array<number>(n).fill(-1)

  const pick = (scores: (j: number) => number[]): number => {
    let best: number[] = []
    let bestKey: number[] | null = null
    for (let j = 0; j < ratios.length; j++) {
      const key = scores(j)
      const cmp = bestKey ? compareDesc(key, bestKey) : -1
      if (cmp < 0) {
        best = [j]
        bestKey = key
      } else if (cmp === 0) best.push(j)
    }
    return best.length === 1 ? best[0] : best[rng.int(best.length)]
  }
  const assign = (i: number, j: number): void => {
    out[i] = j
    wantItems[j] -= size(i)
    for (const [l, k] of counts[i]) {
      wantLabel.get(l)![j] -= k
      remaining.set(l, remaining.get(l)! - k)
    }
  }

  for (;;) {
    // The rarest label still to place; ties broken by chance so no class is always served first.
    let rarest: number[] = []
    let fewest = Infinity
    for (const [l, k] of remaining) {
      if (k <= 0) continue
      if (k < fewest) {
        fewest = k
        rarest = [l]
      } else if (k === fewest) rarest.push(l)
    }
    if (rarest.length === 0) break
    rarest.sort((a, b) => a - b)
    const label = rarest[rng.int(rarest.length)]
    for (const i of rng.shuffle(itemsOf.get(label)!.filter((i) => out[i] < 0))) {
      assign(i, pick((j) => [wantLabel.get(label)![j], wantItems[j]]))
    }
  }
  // Items without labels fill whichever subset is furthest below its size.
  for (let i = 0; i < n; i++) if (out[i] < 0) assign(i, pick((j) => [wantItems[j]]))
  return out
}

/** Negative when a ranks before b (lexicographically larger). */
function compareDesc(a: number[], b: number[]): number {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] > b[k] ? -1 : 1
  return 0
}

/** A clip as the split functions see it: its class indices and an optional group that stays together. */
export interface SplitItem {
  classes: number[]
  group?: string
}

/**
 * Seeded stratified assignment of items to subsets by ratios. Items sharing a group move together
 * (stratified over groups); single-label items without groups use the plain per-class split.
 */
export function stratifiedAssign(items: SplitItem[], ratios: number[], rng: Rng): number[] {
  const grouped = items.some((it) => it.group !== undefined)
  if (!grouped && items.every((it) => it.classes.length === 1)) return stratifiedSplit(items.map((it) => it.classes[0]), ratios, rng)
  if (!grouped) return iterativeStratification(items.map((it) => it.classes), ratios, rng)
  const units = new Map<string, number[]>()
  items.forEach((it, i) => {
    const key = it.group ?? `\u0000${i}`
    const list = units.get(key)
    if (list) list.push(i)
    else units.set(key, [i])
  })
  const members = [...units.values()]
  const unitOf = iterativeStratification(
    members.map((m) => m.flatMap((i) => items[i].classes)),
    ratios,
    rng,
    members.map((m) => m.length)
  )
  const out = new Array<number>(items.length)
  members.forEach((m, u) => m.forEach((i) => (out[i] = unitOf[u])))
  return out
}

/**
 * Gives every item a split: draws all three when none is given, and carves a missing val (or test)
 * split out of train when only some are. Returns sentences saying what was drawn.
 */
export function completeSplits(items: (SplitItem & { split?: SplitName })[], seed = SPLIT_SEED): string[] {
  const rng = makeRng(seed)
  const notes: string[] = []
  const grouped = items.some((it) => it.group !== undefined)
  const method = grouped
    ? 'iterative stratification over groups (each speaker in one split)'
    : items.some((it) => it.classes.length !== 1)
      ? 'iterative stratification'
      : 'per-class stratification'
  if (items.length > 0 && items.every((it) => it.split === undefined)) {
    const r = DEFAULT_RATIOS
    const sub = stratifiedAssign(items, [r.train, r.val, r.test], rng)
    items.forEach((it, i) => (it.split = SPLITS[sub[i]]))
    notes.push(`No official split: drew train/val/test ${r.train}/${r.val}/${r.test} by ${method} (seed ${seed}).`)
    return notes
  }
  for (const it of items) it.split ??= 'train'
  for (const missing of ['val', 'test'] as const) {
    if (items.some((it) => it.split === missing)) continue
    const train = items.filter((it) => it.split === 'train')
    const want = Math.round(items.length * CARVE_FRACTION)
    if (want === 0 || train.length <= want) {
      notes.push(`No ${missing} split, and too few train clips to draw one.`)
      continue
    }
    const sub = stratifiedAssign(train, [train.length - want, want], rng)
    train.forEach((it, i) => {
      if (sub[i] === 1) it.split = missing
    })
    const got = sub.filter((s) => s === 1).length
    notes.push(`No official ${missing} split: moved ${got} of ${train.length} train clips (${Math.round(CARVE_FRACTION * 100)}% of all) to ${missing} by ${method} (seed ${seed}).`)
  }
  return notes
}
