// Dataset records on disk: datasetsDir()/<id>/dataset.json (the full record) and summary.json (what
// the list needs, so listing does not parse every file list). Both are written atomically; the full
// record first, so a crash between the two leaves a record that listing can still read.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { DatasetRecord, DatasetSummary } from '../../../shared/types'
import { fsyncDir, pidAlive, readJsonSync, removeLeftovers, writeFileAtomic, writeJsonAtomic } from '../io/fsutil'
import { datasetsDir } from '../platform/paths'

const RECORD_FILE = 'dataset.json'
const SUMMARY_FILE = 'summary.json'
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/

const datasetFolder = (id: string): string => path.join(datasetsDir(), id)

export function summaryOf(r: DatasetRecord): DatasetSummary {
  const s: DatasetSummary = {
    id: r.id,
    name: r.name,
    root: r.root,
    layout: r.layout,
    clips: r.clips,
    classes: r.classes,
    multiLabel: r.multiLabel,
    splits: r.splits,
    folds: r.folds,
    hasStrongLabels: r.hasStrongLabels,
    problems: r.problems,
    createdAt: r.createdAt
  }
  if (r.parent !== undefined) s.parent = r.parent
  if (r.notes !== undefined) s.notes = r.notes
  return s
}

/** The record without its file list and events: what `dataset show` and `import --json` print. */
export function describeDataset(r: DatasetRecord): Omit<DatasetRecord, 'files' | 'events'> {
  const { files: _files, events: _events, ...rest } = r
  return rest
}

/**
 * Save a record. A new dataset is built in a hidden sibling folder and renamed into place in one
 * step, so a failure (a full disk) or a kill leaves no half dataset that lists: either the whole
 * dataset (record and summary) or nothing. An existing one has both files replaced atomically.
 */
export async function saveDataset(record: DatasetRecord): Promise<void> {
  if (!ID_PATTERN.test(record.id)) throw new Error(`Invalid dataset id "${record.id}"`)
  const dir = datasetFolder(record.id)
  const write = async (into: string) => {
    // Compact: with 50,000 files the record runs to megabytes, and nobody reads it by eye.
    await writeFileAtomic(path.join(into, RECORD_FILE), JSON.stringify(record))
    await writeJsonAtomic(path.join(into, SUMMARY_FILE), summaryOf(record))
  }
  if (fs.existsSync(dir)) return write(dir)
  removeDeadBuilds()
  const building = path.join(datasetsDir(), `.building-${record.id}-${process.pid}`)
  try {
    await write(building)
    fs.renameSync(building, dir)
    fsyncDir(datasetsDir())
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true })
    throw err
  }
}

/** Hidden build folders of imports whose process is gone (killed mid-save). */
function removeDeadBuilds(): void {
  removeLeftovers(datasetsDir(), (name) => {
    const pid = Number(/^\.building-.+-(\d+)$/.exec(name)?.[1])
    return !!pid && pid !== process.pid && !pidAlive(pid)
  })
}

/** Every readable dataset, oldest first. An unreadable one is reported on stderr and left out. */
export function listDatasets(): DatasetSummary[] {
  const dir = datasetsDir()
  if (!fs.existsSync(dir)) return []
  const out: DatasetSummary[] = []
  for (const id of fs.readdirSync(dir).filter((n) => ID_PATTERN.test(n))) {
    // An empty folder (left by an import of an older version that failed) holds nothing to list or warn about.
    if (isEmptyDir(path.join(dir, id))) continue
    const summaryFile = path.join(dir, id, SUMMARY_FILE)
    try {
      out.push(fs.existsSync(summaryFile) ? readJsonSync<DatasetSummary>(summaryFile) : summaryOf(readRecord(id)))
    } catch (err) {
      console.warn(`tagbench: skipping dataset ${id}: ${(err as Error).message}`)
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
}

function isEmptyDir(p: string): boolean {
  try {
    return fs.readdirSync(p).length === 0
  } catch {
    return false
  }
}

function readRecord(id: string): DatasetRecord {
  const file = path.join(datasetFolder(id), RECORD_FILE)
  const r = readJsonSync<DatasetRecord>(file)
  if (!r || typeof r !== 'object' || r.id !== id || !Array.isArray(r.files) || !Array.isArray(r.classNames)) throw new Error(`${file} is not a Tagbench dataset record`)
  return r
}

/** Finds a dataset by id, or else by name. */
function findDataset(idOrName: string): DatasetSummary | null {
  const all = listDatasets()
  return all.find((d) => d.id === idOrName) ?? all.find((d) => d.name === idOrName) ?? null
}

export function loadDataset(idOrName: string): DatasetRecord {
  const hit = findDataset(idOrName)
  if (!hit) throw new Error(`No dataset "${idOrName}" in ${datasetsDir()} (see \`tagbench dataset list\`)`)
  return readRecord(hit.id)
}

export function deleteDataset(idOrName: string): DatasetSummary {
  const hit = findDataset(idOrName)
  if (!hit) throw new Error(`No dataset "${idOrName}" in ${datasetsDir()}`)
  fs.rmSync(datasetFolder(hit.id), { recursive: true, force: true })
  return hit
}

/** The name itself when free, else name-2, name-3, ... */
export function uniqueName(name: string): string {
  const taken = new Set(listDatasets().map((d) => d.name))
  if (!taken.has(name)) return name
  for (let k = 2; ; k++) if (!taken.has(`${name}-${k}`)) return `${name}-${k}`
}

/** A folder-safe id: the name's slug plus random hex, so re-imports never collide. */
export function newDatasetId(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'dataset'
  return `${slug}-${crypto.randomBytes(4).toString('hex')}`
}
