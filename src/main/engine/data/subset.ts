// Subsets of a dataset: pick classes, keep the clips that fit ('within': all their labels are picked;
// 'single': exactly one label is picked, and the clip keeps only that one), cap or balance the clips
// per class, and keep the parent's splits or draw new ones. A subset remembers its parent and recipe,
// so it can be rebuilt from them; the same recipe and seed give the same subset.
import crypto from 'node:crypto'
import type { DatasetFile, DatasetRecord, SubsetRecipe } from '../../../shared/types'
import { makeRng } from '../util/rng'
import { datasetFingerprint } from './fingerprint'
import { SPLITS, stratifiedAssign } from './split'
import { computeStats } from './stats'
import { DEFAULT_FRAME_RATE } from './frames'
import { loadDataset, newDatasetId, saveDataset, uniqueName } from './store'

/** The clips of `files` that fit the picked classes, with their labels reduced as the mode says. */
export function selectClips(files: DatasetFile[], picked: Set<string>, mode: SubsetRecipe['mode']): DatasetFile[] {
  const out: DatasetFile[] = []
  for (const f of files) {
    const inside = f.labels.filter((l) => picked.has(l))
    if (mode === 'within' ? inside.length > 0 && inside.length === f.labels.length : inside.length === 1) out.push({ ...f, labels: inside })
  }
  return out
}

/**
 * At most `cap` clips per class, chosen in a seeded random order. A multi-label clip is kept only
 * while every one of its classes is still under the cap, so no class ever exceeds it.
 */
export function capPerClass(files: DatasetFile[], cap: number, seed: number): DatasetFile[] {
  const count = new Map<string, number>()
  const order = makeRng(seed).shuffle(files.map((_, i) => i))
  const keep = new Set<number>()
  for (const i of order) {
    if (files[i].labels.every((l) => (count.get(l) ?? 0) < cap)) {
      keep.add(i)
      for (const l of files[i].labels) count.set(l, (count.get(l) ?? 0) + 1)
    }
  }
  return files.filter((_, i) => keep.has(i))
}

export function buildSubset(parent: DatasetRecord, recipe: SubsetRecipe, name: string, id = newDatasetId(name)): DatasetRecord {
  const unknown = recipe.classes.filter((c) => !parent.classNames.includes(c))
  if (unknown.length > 0) throw new Error(`Dataset "${parent.name}" has no class ${unknown.map((c) => `"${c}"`).join(', ')} (it has ${parent.classNames.join(', ')})`)
  if (recipe.classes.length === 0) throw new Error('A subset needs at least one class')
  if (recipe.perClass !== undefined && !(Number.isInteger(recipe.perClass) && recipe.perClass > 0)) throw new Error(`perClass must be a positive integer, got ${recipe.perClass}`)
  const picked = new Set(recipe.classes)
  const classNames = parent.classNames.filter((c) => picked.has(c))
  let files = selectClips(parent.files, picked, recipe.mode)
  if (files.length === 0) throw new Error(`No clip of "${parent.name}" fits classes ${recipe.classes.join(', ')} in mode "${recipe.mode}"`)
  const counts = classNames.map((c) => files.filter((f) => f.labels.includes(c)).length)
  const present = counts.filter((n) => n > 0)
  const cap = Math.min(recipe.perClass ?? Infinity, recipe.balance ? Math.min(...present) : Infinity)
  if (Number.isFinite(cap)) files = capPerClass(files, cap, recipe.seed)

  const notes = [`Subset of "${parent.name}": classes ${classNames.join(', ')}, mode ${recipe.mode}${Number.isFinite(cap) ? `, at most ${cap} clips per class` : ''}, seed ${recipe.seed}.`]
  const empty = classNames.filter((c, i) => counts[i] === 0)
  if (empty.length > 0) notes.push(`No clips for ${empty.join(', ')}.`)
  if (recipe.splitRatios) {
    const r = recipe.splitRatios
    if (![r.train, r.val, r.test].every((x) => x >= 0) || r.train + r.val + r.test <= 0) throw new Error(`Bad split ratios ${JSON.stringify(r)}`)
    const classIndex = new Map(classNames.map((c, i) => [c, i]))
    // A different stream from the capping draw, so changing the cap does not reshuffle the split.
    const sub = stratifiedAssign(files.map((f) => ({ classes: f.labels.map((l) => classIndex.get(l)!) })), [r.train, r.val, r.test], makeRng(recipe.seed ^ 0x5bd1e995))
    files = files.map((f, i) => ({ ...f, split: SPLITS[sub[i]] }))
    notes.push(`Splits re-drawn ${r.train}/${r.val}/${r.test}.`)
  } else notes.push(`Splits kept from "${parent.name}".`)

  const keptFiles = new Set(files.map((f) => f.path))
  const events = parent.events?.filter((e) => keptFiles.has(e.file) && picked.has(e.label))
  const frameRate = parent.frameRate ?? DEFAULT_FRAME_RATE
  const stats = computeStats(files, classNames, events, frameRate)
  const record: DatasetRecord = {
    id,
    name,
    root: parent.root,
    layout: parent.layout,
    clips: files.length,
    classes: classNames.length,
    multiLabel: files.some((f) => f.labels.length > 1),
    splits: stats.splitSizes,
    folds: parent.folds,
    hasStrongLabels: (events?.length ?? 0) > 0,
    problems: 0,
    createdAt: new Date().toISOString(),
    parent: parent.id,
    notes,
    classNames,
    files,
    problemList: [],
    stats,
    recipe,
    // The parent's fingerprint already covers sizes and mtimes; add what the recipe changed.
    fingerprint: datasetFingerprint(files, null, events, `subset of ${parent.fingerprint} ${crypto.createHash('sha256').update(JSON.stringify(recipe)).digest('hex')}`)
  }
  if (events && events.length > 0) {
    record.events = events
    record.frameRate = frameRate
  }
  return record
}

/** Builds a subset of a stored dataset and saves it under a unique name. */
export async function createSubset(parentIdOrName: string, recipe: SubsetRecipe, name: string): Promise<DatasetRecord> {
  const parent = loadDataset(parentIdOrName)
  const record = buildSubset(parent, recipe, uniqueName(name.trim() || `${parent.name}-subset`))
  await saveDataset(record)
  return record
}

/** The subset made again from its stored parent and recipe, under its own id, name and date. */
export function rebuildSubset(subset: DatasetRecord): DatasetRecord {
  if (!subset.parent || !subset.recipe) throw new Error(`Dataset "${subset.name}" is not a subset (it has no parent and recipe)`)
  const again = buildSubset(loadDataset(subset.parent), subset.recipe, subset.name, subset.id)
  again.createdAt = subset.createdAt
  return again
}
