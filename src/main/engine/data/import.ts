// Importing a folder as a dataset: detect (or take) the layout, walk the audio, read the layout's
// tables, attach strong labels, probe every clip (bounded concurrency, with progress and
// cancellation), complete the splits, compute statistics and a fingerprint, and save the record.
// Bad rows and files become ImportProblems in the record; the import goes on with the rest.
import fs from 'node:fs'
import path from 'node:path'
import type { DatasetFile, DatasetImportRequest, DatasetLayout, DatasetRecord, ImportProblem, StrongEvent } from '../../../shared/types'
import { progressTracker, type ProgressSink } from '../control/progress'
import { makeFileIndex } from './files'
import { datasetFingerprint } from './fingerprint'
import { DEFAULT_FRAME_RATE } from './frames'
import { BACKGROUND_NOISE, detectLayout, scanLayout } from './layouts'
import { audioBaseDirs } from './layouts/csv'
import { findStrongTables, readStrongLabels } from './layouts/strong'
import { findFrameLabelDir, labelRate, lengthMismatch, matrixClipLabels, matrixEvents, readFrameLabels, type FrameMatrix, type LabelRate } from './layouts/frameLabels'
import type { ScanContext } from './layouts/types'
import { probeFiles } from './probe'
import { yieldToLoop } from './breathe'
import { completeSplits } from './split'
import { computeStats } from './stats'
import { newDatasetId, saveDataset, uniqueName } from './store'
import { walkAudio } from './walk'

export interface ImportOptions {
  onProgress?: ProgressSink
  signal?: AbortSignal
  /** Probes in flight at once. */
  concurrency?: number
}

/** The dataset folder's real path; an Error naming it when it cannot be opened or is not a folder. */
export async function datasetRoot(folder: string): Promise<string> {
  let st: fs.Stats
  try {
    st = await fs.promises.stat(folder)
  } catch (err) {
    throw new Error(`Cannot open dataset folder ${folder}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (!st.isDirectory()) throw new Error(`${folder} is not a folder`)
  return fs.promises.realpath(folder)
}

export async function importDataset(req: DatasetImportRequest, opts: ImportOptions = {}): Promise<DatasetRecord> {
  const { signal } = opts
  const root = await datasetRoot(req.folder)
  const layout: DatasetLayout = req.layout && req.layout !== 'auto' ? req.layout : await detectLayout(root)
  const name = uniqueName(req.name?.trim() || path.basename(root))
  let frameRate = req.frameRate ?? DEFAULT_FRAME_RATE
  if (!(frameRate > 0)) throw new Error(`Frame rate must be positive, got ${req.frameRate}`)
  const tracker = progressTracker(`Importing ${name}`, 0, 'files', opts.onProgress ?? (() => {}))
  tracker.update(0, 0, true)

  const walk = await walkAudio(root, { signal, skipDir: layout === 'speechcommands' ? (rel) => rel === BACKGROUND_NOISE : undefined })
  const ctx: ScanContext = { root, files: walk.files, index: makeFileIndex(walk.files), problems: [...walk.problems], signal }
  const scan = await scanLayout(layout, ctx, walk)
  const strongTables = await findStrongTables(root)
  let events: StrongEvent[] | undefined
  if (strongTables.length > 0) {
    events = await readStrongLabels(ctx, strongTables, new Set(scan.clips.map((c) => c.path)), scan.classNames, audioBaseDirs(walk.files))
    scan.notes.push(`Strong labels from ${strongTables.join(', ')}: ${events.length} events.`)
  }
  // Per-frame label files: each clip's matrix, its weak labels from it; clips without one are left out.
  const frameDir = await findFrameLabelDir(root)
  let matrices: Map<string, FrameMatrix> | null = null
  if (frameDir !== null) {
    matrices = await readFrameLabels(root, frameDir, scan.clips.map((c) => c.path), scan.classNames.length > 0 ? scan.classNames.length : null, ctx.problems, signal)
    if (scan.classNames.length === 0) {
      const cols = matrices.values().next().value?.cols ?? 1
      scan.classNames = cols === 1 ? ['event'] : Array.from({ length: cols }, (_, i) => `class${i + 1}`)
      scan.notes.push(cols === 1 ? 'One label column: the class is called "event".' : `No vocabulary.csv: the ${cols} label columns are called class1..class${cols}.`)
    }
    const m = matrices
    scan.clips = scan.clips.filter((c) => m.has(c.path))
    for (const c of scan.clips) c.labels = [...new Set([...c.labels, ...matrixClipLabels(m.get(c.path)!, scan.classNames)])]
  }
  if (scan.clips.length === 0) throw new Error(`No usable clips in ${root} (${layout} layout). ${describeProblems(ctx.problems)}`)

  tracker.update(0, scan.clips.length, true)
  const probed = await probeFiles(
    root,
    scan.clips.map((c) => c.path),
    { concurrency: opts.concurrency, signal, onDone: (done) => tracker.update(done) }
  )
  ctx.problems.push(...probed.problems)
  let clips = scan.clips.filter((c) => probed.ok.has(c.path))
  let rate: LabelRate | null = null
  if (matrices && frameDir !== null) {
    // The label rate, then each clip's frame count against its audio: a mismatch leaves that clip out.
    const m = matrices
    rate = labelRate(clips.map((c) => ({ rows: m.get(c.path)!.rows, durationS: probed.ok.get(c.path)!.durationS })), req.frameRate)
    const r = rate.rate
    scan.notes.push(rate.from === 'given' ? `Label rate ${r} frames/s, as given.` : `Label rate ${r} frames/s, estimated from frame rows ÷ audio duration (give --label-rate to set it).`)
    clips = clips.filter((c) => {
      const why = lengthMismatch(m.get(c.path)!.rows, probed.ok.get(c.path)!.durationS, r)
      if (why) ctx.problems.push({ where: m.get(c.path)!.where, kind: 'malformed-row', message: `${why}; clip ${c.path} skipped` })
      return why === null
    })
    const frameEvents = clips.flatMap((c) => matrixEvents(c.path, m.get(c.path)!, scan.classNames, r))
    events = [...(events ?? []), ...frameEvents]
    scan.notes.push(`Per-frame labels: ${frameEvents.length} events in ${clips.length} clips.`)
  }
  if (clips.length === 0) throw new Error(`No readable audio in ${root}. ${describeProblems(ctx.problems)}`)
  if (rate) frameRate = rate.rate
  const kept = new Set(clips.map((c) => c.path))
  events = events?.filter((e) => kept.has(e.file))

  const classIndex = new Map(scan.classNames.map((c, i) => [c, i]))
  const items = clips.map((c) => ({ classes: c.labels.map((l) => classIndex.get(l)!), group: c.group, split: c.split }))
  await yieldToLoop()
  const notes = [...scan.notes, ...completeSplits(items)]
  await yieldToLoop()
  const files: DatasetFile[] = clips.map((c, i) => {
    const p = probed.ok.get(c.path)!
    const f: DatasetFile = { path: c.path, labels: c.labels, split: items[i].split!, durationS: p.durationS, sampleRate: p.sampleRate }
    if (c.fold !== undefined) f.fold = c.fold
    return f
  })
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const stats = computeStats(files, scan.classNames, events, frameRate)
  await yieldToLoop()
  const record: DatasetRecord = {
    id: newDatasetId(name),
    name,
    root,
    layout,
    clips: files.length,
    classes: scan.classNames.length,
    multiLabel: files.some((f) => f.labels.length > 1),
    splits: stats.splitSizes,
    folds: scan.folds,
    hasStrongLabels: (events?.length ?? 0) > 0,
    problems: ctx.problems.length,
    createdAt: new Date().toISOString(),
    notes,
    classNames: scan.classNames,
    files,
    problemList: ctx.problems,
    stats,
    fingerprint: datasetFingerprint(files, probed.ok, events)
  }
  if (events && events.length > 0) {
    record.events = events
    record.frameRate = frameRate
  }
  if (rate && frameDir !== null) record.frameLabels = { dir: frameDir, rateFrom: rate.from }
  signal?.throwIfAborted()
  await saveDataset(record)
  tracker.update(files.length, files.length, true)
  return record
}

/** A short account of the problems for an error message: counts per kind and the first one. */
function describeProblems(problems: ImportProblem[]): string {
  if (problems.length === 0) return 'No audio files were found.'
  const kinds = new Map<string, number>()
  for (const p of problems) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1)
  const first = problems[0]
  return `Problems: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}; first: ${first.where}: ${first.message}`
}
