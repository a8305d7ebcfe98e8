// Ensembles: the mean of several models' clip scores (runs, or averaged checkpoints of runs), on the
// validation and test clips they share, with its metrics beside each member's. Kept under
// dataDir()/ensembles/<id>/ (combined.json, members.json, predictions/, and model.onnx once it is tagged
// with or exported as "ensemble:<id>": see infer/onnxEnsemble).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { CombinedModel, PredictionSplit } from '../../../shared/types'
import { readJsonSync, writeJsonAtomicSync } from '../io/fsutil'
import { dataDir } from '../platform/paths'
import { readPredictionDir, readRunConfig, readRunState, runDir, writePredictionDir, type Predictions } from '../runs/store'
import { COMBINED_FILE } from './average'
import { scoreOf } from './evaluate'

export const ensemblesDir = (): string => path.join(dataDir(), 'ensembles')

interface Member {
  ref: string
  name: string
  dataset: string
  classes: string[]
  predictionsDir: string
}

/** A member: a run id, or an averaged model's folder (runs/<id>/averaged/last-<n>). */
function memberOf(ref: string): Member {
  const r = ref.trim()
  if (fs.existsSync(path.join(r, COMBINED_FILE))) {
    const c = readJsonSync<CombinedModel>(path.join(r, COMBINED_FILE))
    return { ref: r, name: c.name, dataset: c.dataset, classes: c.classes, predictionsDir: path.join(r, 'predictions') }
  }
  let dir: string
  try {
    dir = runDir(r)
  } catch {
    throw new Error(`${ref}: not a run id nor an averaged model folder`)
  }
  if (!fs.existsSync(path.join(dir, 'run.json'))) throw new Error(`${ref}: no such run or averaged model folder`)
  const state = readRunState(r)
  return { ref: r, name: state.name, dataset: readRunConfig(r).dataset, classes: state.classNames, predictionsDir: path.join(dir, 'predictions') }
}

/** The mean of the members' scores over the clips all of them scored, in the first member's order. */
export function averageScores(preds: Predictions[]): Predictions {
  const C = preds[0].nClasses
  const shared = preds[0].files.filter((f) => preds.every((p) => p.files.includes(f)))
  const rows = preds.map((p) => new Map(p.files.map((f, i) => [f, i])))
  const scores = new Float32Array(shared.length * C)
  const targets = new Float32Array(shared.length * C)
  shared.forEach((f, k) => {
    for (let c = 0; c < C; c++) {
      let s = 0
      for (let m = 0; m < preds.length; m++) s += preds[m].scores[rows[m].get(f)! * C + c]
      scores[k * C + c] = s / preds.length
      targets[k * C + c] = preds[0].targets[rows[0].get(f)! * C + c]
    }
  })
  return { scores, targets, nClips: shared.length, nClasses: C, files: shared }
}

export function listEnsembles(): CombinedModel[] {
  let names: string[]
  try {
    names = fs.readdirSync(ensemblesDir())
  } catch {
    return []
  }
  return names
    .filter((n) => !n.startsWith('.') && fs.existsSync(path.join(ensemblesDir(), n, COMBINED_FILE)))
    .map((n) => readJsonSync<CombinedModel>(path.join(ensemblesDir(), n, COMBINED_FILE)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
}

/** The folder of an ensemble and its members' references (run ids, averaged model folders). */
export function ensembleMembers(id: string): { dir: string; members: string[] } {
  loadEnsemble(id)
  const dir = path.join(ensemblesDir(), id)
  return { dir, members: readJsonSync<string[]>(path.join(dir, 'members.json')) }
}

export function loadEnsemble(id: string): CombinedModel {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new Error(`Invalid ensemble id: ${JSON.stringify(id)}`)
  const file = path.join(ensemblesDir(), id, COMBINED_FILE)
  if (!fs.existsSync(file)) throw new Error(`No ensemble ${id} in ${ensemblesDir()}`)
  return readJsonSync<CombinedModel>(file)
}

/** Ensemble the members' stored predictions; refuses members of other datasets or classes. */
export function createEnsemble(refs: string[], name?: string): CombinedModel {
  const unique = [...new Set(refs.map((r) => r.trim()).filter(Boolean))]
  if (unique.length < 2) throw new Error(`An ensemble needs at least 2 different models, got ${unique.length}`)
  const members = unique.map(memberOf)
  for (const m of members.slice(1)) {
    if (m.dataset !== members[0].dataset) throw new Error(`${m.name} was trained on another dataset (${m.dataset}) than ${members[0].name} (${members[0].dataset})`)
    if (m.classes.join('\n') !== members[0].classes.join('\n')) throw new Error(`${m.name} scores other classes than ${members[0].name}`)
  }
  const splits: Record<PredictionSplit, Predictions | null> = { val: null, test: null }
  const partPreds = members.map((m) => ({ val: readPredictionDir(m.predictionsDir, 'val'), test: readPredictionDir(m.predictionsDir, 'test') }))
  partPreds.forEach((p, i) => {
    if (!p.test) throw new Error(`${members[i].name} (${members[i].ref}) has no test predictions: only finished runs can be ensembled`)
  })
  for (const split of ['val', 'test'] as const) {
    const all = partPreds.map((p) => p[split])
    if (all.every((p): p is Predictions => p !== null)) splits[split] = averageScores(all)
  }
  if (!splits.test || splits.test.nClips === 0) throw new Error('The members share no test clip')
  const createdAt = new Date()
  const id = `${createdAt.toISOString().slice(0, 19).replace(/:/g, '-')}-${crypto.randomBytes(2).toString('hex')}`
  const dir = path.join(ensemblesDir(), id)
  const tmp = path.join(ensemblesDir(), `.${id}-tmp-${process.pid}`)
  // Each member's metrics on the clips the ensemble scores (the shared ones), so the numbers compare.
  const onShared = (p: Predictions | null, shared: Predictions | null): Predictions | null => (p && shared ? subset(p, shared.files) : null)
  const combined: CombinedModel = {
    kind: 'ensemble',
    id,
    name: name?.trim() || `Ensemble of ${members.map((m) => m.name).join(' + ')}`,
    model: `ensemble:${id}`,
    dataset: members[0].dataset,
    classes: members[0].classes,
    createdAt: createdAt.toISOString(),
    val: scoreOf(splits.val),
    test: scoreOf(splits.test),
    parts: members.map((m, i) => ({ name: m.name, ref: m.ref, val: scoreOf(onShared(partPreds[i].val, splits.val)), test: scoreOf(onShared(partPreds[i].test, splits.test)) }))
  }
  fs.mkdirSync(tmp, { recursive: true })
  for (const split of ['val', 'test'] as const) if (splits[split]) writePredictionsTo(tmp, split, splits[split]!)
  writeJsonAtomicSync(path.join(tmp, 'members.json'), members.map((m) => m.ref))
  writeJsonAtomicSync(path.join(tmp, COMBINED_FILE), combined)
  fs.renameSync(tmp, dir)
  return combined
}

/** The rows of `files`, in that order. */
function subset(p: Predictions, files: string[]): Predictions {
  const C = p.nClasses
  const at = new Map(p.files.map((f, i) => [f, i]))
  const scores = new Float32Array(files.length * C)
  const targets = new Float32Array(files.length * C)
  files.forEach((f, k) => {
    const i = at.get(f)!
    scores.set(p.scores.subarray(i * C, (i + 1) * C), k * C)
    targets.set(p.targets.subarray(i * C, (i + 1) * C), k * C)
  })
  return { scores, targets, nClips: files.length, nClasses: C, files }
}

const writePredictionsTo = (dir: string, split: string, p: Predictions) => writePredictionDir(path.join(dir, 'predictions'), split, p)
