// The run store: one folder per run under runsDir()/<id>/.
//   config.json     the resolved RunConfig, written once at creation
//   run.json        RunState (status, progress, results, provenance), replaced atomically on each update
//   lock.json       { pid, hostname } of the process that set status 'running'; a 'running' run whose
//                   process is gone is reported 'interrupted'
//   metrics.jsonl   MetricEntry per line, append-only; a torn last line (kill -9) is ignored on read and
//                   cut off before the next append
//   log.txt         append-only, one timestamped line per message
//   ckpt/last/, ckpt/best/   checkpoints, swapped in whole (see writeCheckpoint)
//   ckpt/epoch-<n>/          the weights of the last keepCheckpoints epochs (for averaging)
//   averaged/last-<n>/       a checkpoint averaged from the last n epochs, with its predictions and metrics
//   predictions/    <split>.npy (scores), <split>-targets.npy, <split>-files.json
//   thresholds.json ThresholdComparison, when computed
//   slurm.json      SlurmRunInfo of a run trained on a Slurm cluster (written by the app that submitted
//                   and watches it, never by the job); job.sbatch, slurm-<job>.out/.err, slurm-nodes.txt
//                   beside it (executors/slurm)
// A run is created in a hidden temp folder and renamed into place, so listings never see half a run.
// Each file of a run has one writer (its training process); different runs share no file, so
// processes working on different runs cannot interfere.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import crypto from 'node:crypto'
import type { FrameCurves, MetricEntry, RunConfig, RunRecord, RunStatus, RunSummary, SlurmRunInfo, ThresholdComparison, TrainingEngineUsed } from '../../../shared/types'
import { deleteDirAtomically, fsyncDir, pidAlive, readJsonSync, removeLeftovers, writeError, writeJsonAtomicSync } from '../io/fsutil'
import { faultPoint } from '../control/faults'
import { partialRunConfigSchema } from '../../../shared/apiSchema'
import { resolveStoredConfig } from './storedConfig'
import { readNpyFloat32, writeNpy } from '../io/npy'
import { runsDir } from '../platform/paths'
import { codeVersion } from './codeVersion'
import { isActiveState } from '../executors/slurm/state'

export interface RunMeta {
  /** Display name; default config.name, else "<model>-<size>". */
  name?: string
  datasetName: string
  datasetFingerprint: string
  classNames: string[]
  valClips: number
  backend?: string
  device?: string
  experiment?: string
}

type Milestone = RunSummary['best']

/** Everything run.json holds. */
export interface RunState {
  id: string
  name: string
  status: RunStatus
  createdAt: string
  updatedAt: string
  startedAt: string | null
  endedAt: string | null
  datasetName: string
  datasetFingerprint: string
  classNames: string[]
  valClips: number
  experiment?: string
  epochsDone: number
  best: Milestone
  last: Milestone
  test: Record<string, number | null> | null
  backend: string
  device: string
  engine?: TrainingEngineUsed
  samplesPerS: number | null
  codeVersion: string
  failure?: string
}

export type RunStatePatch = Partial<Omit<RunState, 'id' | 'createdAt' | 'updatedAt'>>

interface LockFile {
  pid: number
  hostname: string
  startedAt: string
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const LOG_LINES_IN_RECORD = 500

/** The folder of a run; refuses ids that could point outside the runs folder. */
export function runDir(id: string): string {
  if (!ID_PATTERN.test(id) || id.includes('..')) throw new Error(`Invalid run id: ${JSON.stringify(id)}`)
  return path.join(runsDir(), id)
}

const file = (id: string, name: string) => path.join(runDir(id), name)
const nowIso = () => new Date().toISOString()

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run'
}

/** Ids sort by creation time: "2026-11-23T10-50-01-ast-tiny-ab12" (UTC). */
function makeRunId(config: Pick<RunConfig, 'model' | 'size'>, at: Date = new Date()): string {
  const stamp = at.toISOString().slice(0, 19).replace(/:/g, '-')
  return `${stamp}-${slug(`${config.model}-${config.size}`)}-${crypto.randomBytes(2).toString('hex')}`
}

export function createRun(config: RunConfig, meta: RunMeta, at: Date = new Date()): string {
  fs.mkdirSync(runsDir(), { recursive: true })
  for (let attempt = 0; attempt < 20; attempt++) {
    const id = makeRunId(config, at)
    const staging = path.join(runsDir(), `.creating-${id}-${process.pid}`)
    fs.mkdirSync(staging)
    const created = at.toISOString()
    const state: RunState = {
      id,
      name: meta.name ?? config.name ?? `${config.model}-${config.size}`,
      status: 'queued',
      createdAt: created,
      updatedAt: created,
      startedAt: null,
      endedAt: null,
      datasetName: meta.datasetName,
      datasetFingerprint: meta.datasetFingerprint,
      classNames: meta.classNames,
      valClips: meta.valClips,
      ...(meta.experiment ? { experiment: meta.experiment } : {}),
      epochsDone: 0,
      best: null,
      last: null,
      test: null,
      backend: meta.backend ?? '',
      device: meta.device ?? '',
      samplesPerS: null,
      codeVersion: codeVersion()
    }
    writeJsonAtomicSync(path.join(staging, 'config.json'), config)
    writeJsonAtomicSync(path.join(staging, 'run.json'), state)
    fs.writeFileSync(path.join(staging, 'metrics.jsonl'), '')
    fs.writeFileSync(path.join(staging, 'log.txt'), '')
    try {
      // Renaming onto an existing folder fails (non-empty) or would merge; check first, then rename.
      if (fs.existsSync(path.join(runsDir(), id))) throw Object.assign(new Error('exists'), { code: 'EEXIST' })
      fs.renameSync(staging, path.join(runsDir(), id))
      return id
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true })
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw new Error(`Could not create run folder in ${runsDir()}: ${(err as Error).message}`)
    }
  }
  throw new Error(`Could not find a free run id in ${runsDir()}`)
}

export function readRunState(id: string): RunState {
  return readJsonSync<RunState>(file(id, 'run.json'))
}

/**
 * A run's config.json, checked with the API's run config schema (a hand edit with a typo is named, not
 * ignored); one written by an older Tagbench has the fields added since filled (resolveStoredConfig).
 */
export function readRunConfig(id: string): RunConfig {
  const target = file(id, 'config.json')
  try {
    return resolveStoredConfig(partialRunConfigSchema.parse(readJsonSync<unknown>(target)))
  } catch (err) {
    const message = (err as Error).message
    throw new Error(message.startsWith(target) || message.includes(target) ? message : `${target}: ${message}`)
  }
}


function readLock(id: string): LockFile | null {
  try {
    return JSON.parse(fs.readFileSync(file(id, 'lock.json'), 'utf8')) as LockFile
  } catch {
    return null
  }
}

/** Whether the process `owner` names still exists (one on another host counts as alive: we cannot tell). */
export function ownerAlive(owner: { pid: number; hostname: string }): boolean {
  return owner.hostname !== os.hostname() || pidAlive(owner.pid)
}

/** Whether the process that marked this run 'running' still exists. */
export function runProcessAlive(id: string): boolean {
  const lock = readLock(id)
  return lock !== null && ownerAlive(lock)
}

/**
 * Give up this process's claim on a run without writing run.json (which a full disk refuses):
 * its 'running' status then reads as 'interrupted', so it can be resumed at once.
 */
export function releaseRunLock(id: string): void {
  const lock = readLock(id)
  if (lock && lock.pid === process.pid && lock.hostname === os.hostname()) fs.rmSync(file(id, 'lock.json'), { force: true })
}

/** Status as the user should see it: 'running' with no live process is 'interrupted'. */
function effectiveStatus(id: string, status: RunStatus): RunStatus {
  return status === 'running' && !runProcessAlive(id) ? 'interrupted' : status
}

/**
 * Merge a patch into run.json (atomic replace). Setting status 'running' takes the run's lock for this
 * process; any other status releases it. Terminal statuses stamp endedAt.
 */
export function updateRunStatus(id: string, patch: RunStatePatch): RunState {
  const current = readRunState(id)
  const next: RunState = { ...current, ...patch, id: current.id, createdAt: current.createdAt, updatedAt: nowIso() }
  if (patch.status === 'running') {
    const lock: LockFile = { pid: process.pid, hostname: os.hostname(), startedAt: nowIso() }
    writeJsonAtomicSync(file(id, 'lock.json'), lock)
    next.startedAt = current.startedAt ?? lock.startedAt
    next.endedAt = null
    delete next.failure
  }
  if (patch.status && patch.status !== 'running' && patch.status !== 'queued' && patch.endedAt === undefined) next.endedAt = nowIso()
  writeJsonAtomicSync(file(id, 'run.json'), next)
  if (patch.status && patch.status !== 'running') fs.rmSync(file(id, 'lock.json'), { force: true })
  return next
}

/** The Slurm job record of a run, or null for a run trained here. */
export function readSlurmRecord(id: string): SlurmRunInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file(id, 'slurm.json'), 'utf8')) as SlurmRunInfo
  } catch {
    return null
  }
}

export function writeSlurmRecord(id: string, info: SlurmRunInfo): void {
  writeJsonAtomicSync(file(id, 'slurm.json'), info)
}

/** Whether a run's Slurm job may still run (so the run must not be deleted or submitted again). */
export const slurmJobActive = (info: SlurmRunInfo | null): boolean => !!info && isActiveState(info.state)

function summaryOf(state: RunState, config: RunConfig): RunSummary {
  const slurm = readSlurmRecord(state.id)
  return {
    id: state.id,
    name: state.name,
    status: effectiveStatus(state.id, state.status),
    config,
    datasetName: state.datasetName,
    createdAt: state.createdAt,
    ...(state.experiment ? { experiment: state.experiment } : {}),
    epochsDone: state.epochsDone,
    best: state.best,
    last: state.last,
    test: state.test,
    backend: state.backend,
    device: state.device,
    ...(state.engine ? { engine: state.engine } : {}),
    samplesPerS: state.samplesPerS,
    valClips: state.valClips,
    ...(state.failure ? { failure: state.failure } : {}),
    ...(slurm ? { slurm } : {})
  }
}

/** Remove staging and deletion leftovers of processes that are gone. */
function sweepLeftovers(): void {
  removeLeftovers(runsDir(), (name) => {
    const m = /^\.(creating|deleted)-.*-(\d+)$/.exec(name)
    return !!m && (m[1] === 'deleted' || !pidAlive(Number(m[2])))
  })
}

/** All runs, newest first. A folder whose run.json or config.json cannot be read is skipped and reported. */
export function listRuns(onProblem?: (message: string) => void): RunSummary[] {
  sweepLeftovers()
  let names: string[]
  try {
    names = fs.readdirSync(runsDir())
  } catch {
    return []
  }
  const out: RunSummary[] = []
  for (const name of names.sort().reverse()) {
    if (name.startsWith('.') || !ID_PATTERN.test(name)) continue
    try {
      if (!fs.statSync(path.join(runsDir(), name)).isDirectory()) continue
      out.push(summaryOf(readRunState(name), readRunConfig(name)))
    } catch (err) {
      onProblem?.((err as Error).message)
    }
  }
  return out
}

function readTail(fileName: string, maxLines: number): string[] {
  let text: string
  try {
    text = fs.readFileSync(fileName, 'utf8')
  } catch {
    return []
  }
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.slice(-maxLines)
}

export function loadRun(id: string): RunRecord {
  const state = readRunState(id)
  const config = readRunConfig(id)
  const thresholdsFile = file(id, 'thresholds.json')
  return {
    ...summaryOf(state, config),
    classNames: state.classNames,
    codeVersion: state.codeVersion,
    datasetFingerprint: state.datasetFingerprint,
    log: readTail(file(id, 'log.txt'), LOG_LINES_IN_RECORD),
    frameCurves: loadFrameCurves(id),
    testPredictions: loadPredictionsAsRows(id, 'test'),
    thresholds: fs.existsSync(thresholdsFile) ? readJsonSync<ThresholdComparison>(thresholdsFile) : null,
    keptEpochs: epochCheckpoints(id).map((c) => c.epoch)
  }
}

/**
 * Cut a torn last line (no trailing newline, left by a killed writer) so the next append starts on a
 * fresh line. Reads backwards from the end only as far as the last newline.
 */
function repairTornTail(fileName: string): void {
  let fd: number
  try {
    fd = fs.openSync(fileName, 'r+')
  } catch {
    return
  }
  try {
    const size = fs.fstatSync(fd).size
    if (size === 0) return
    const chunk = Buffer.alloc(64 * 1024)
    let end = size
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const n = fs.readSync(fd, chunk, 0, end - start, start)
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a)
      if (nl >= 0) {
        if (start + nl + 1 !== size) fs.ftruncateSync(fd, start + nl + 1)
        return
      }
      end = start
    }
    fs.ftruncateSync(fd, 0)
  } finally {
    fs.closeSync(fd)
  }
}

/** Append entries as JSON lines, in one write. */
export function appendMetrics(id: string, entries: MetricEntry[]): void {
  if (entries.length === 0) return
  const target = file(id, 'metrics.jsonl')
  try {
    repairTornTail(target)
    fs.appendFileSync(target, entries.map((e) => JSON.stringify(e)).join('\n') + '\n')
  } catch (err) {
    throw writeError(target, err)
  }
}

/**
 * Entries of metrics.jsonl, skipping the first `since` (how many the caller already holds). A torn
 * last line is ignored; so is any unreadable line, rather than failing the whole read, but not
 * without a word: `onUnreadable` hears how many and which (default: a warning on stderr).
 */
export function readMetrics(id: string, since = 0, onUnreadable: (message: string, count: number) => void = warnUnreadable): MetricEntry[] {
  let text: string
  try {
    text = fs.readFileSync(file(id, 'metrics.jsonl'), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!fs.existsSync(runDir(id))) throw new Error(`No run ${id} in ${runsDir()}`)
      return []
    }
    throw new Error(`Cannot read ${file(id, 'metrics.jsonl')}: ${(err as Error).message}`)
  }
  const lines = text.split('\n')
  lines.pop() // the text after the last newline: empty, or a torn line
  const out: MetricEntry[] = []
  const bad: number[] = []
  lines.forEach((line, i) => {
    if (!line) return
    try {
      out.push(JSON.parse(line) as MetricEntry)
    } catch {
      // A damaged line in the middle cannot come from our appends; skip it rather than lose the rest.
      bad.push(i + 1)
    }
  })
  if (bad.length > 0)
    onUnreadable(`${file(id, 'metrics.jsonl')}: ${bad.length} unreadable line${bad.length === 1 ? '' : 's'} skipped (line${bad.length === 1 ? '' : 's'} ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''})`, bad.length)
  return out.slice(since)
}

const warnUnreadable = (message: string): void => {
  process.stderr.write(`tagbench: ${message}\n`)
}

export function appendLog(id: string, message: string): void {
  const lines = message.split('\n').map((l) => `${nowIso()} ${l}`)
  const target = file(id, 'log.txt')
  try {
    fs.appendFileSync(target, lines.join('\n') + '\n')
  } catch (err) {
    throw writeError(target, err)
  }
}

export type CheckpointSlot = 'last' | 'best'

export function checkpointDir(id: string, slot: CheckpointSlot | EpochSlot): string {
  return path.join(runDir(id), 'ckpt', slot)
}

/** The weights of one epoch, kept for checkpoint averaging (config keepCheckpoints). */
export type EpochSlot = `epoch-${number}`

/** The kept epoch checkpoints of a run, oldest first. */
export function epochCheckpoints(id: string): { epoch: number; dir: string }[] {
  let names: string[]
  try {
    names = fs.readdirSync(path.join(runDir(id), 'ckpt'))
  } catch {
    return []
  }
  return names
    .map((n) => /^epoch-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && fs.existsSync(path.join(runDir(id), 'ckpt', m[0], 'config.json')))
    .map((m) => ({ epoch: Number(m[1]), dir: path.join(runDir(id), 'ckpt', m[0]) }))
    .sort((a, b) => a.epoch - b.epoch)
}

/** Delete all but the newest `keep` epoch checkpoints. */
export function pruneEpochCheckpoints(id: string, keep: number): void {
  const all = epochCheckpoints(id)
  for (const c of all.slice(0, Math.max(0, all.length - keep))) deleteDirAtomically(c.dir)
}

/**
 * Write a checkpoint into `ckpt/.<slot>-tmp-<pid>` with `write(dir)` (e.g. MODELS' saveCheckpoint), then
 * swap it in: rename the old one to `.<slot>-old-<pid>`, rename the new one into place, delete the old.
 * A crash at any point leaves either the old or the new checkpoint in place, or the old one under its
 * -old- name, which recoverCheckpoints puts back (it runs first here, and should run before a resume).
 */
export async function writeCheckpoint(id: string, slot: CheckpointSlot | EpochSlot, write: (dir: string) => unknown): Promise<string> {
  const ckpt = path.join(runDir(id), 'ckpt')
  const target = path.join(ckpt, slot)
  const tmp = path.join(ckpt, `.${slot}-tmp-${process.pid}`)
  const old = path.join(ckpt, `.${slot}-old-${process.pid}`)
  recoverCheckpoints(id)
  fs.mkdirSync(tmp, { recursive: true })
  try {
    await write(tmp)
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw err
  }
  faultPoint('checkpoint')
  fs.rmSync(old, { recursive: true, force: true })
  const hadOld = fs.existsSync(target)
  if (hadOld) fs.renameSync(target, old)
  faultPoint('checkpoint-swap')
  fs.renameSync(tmp, target)
  fsyncDir(ckpt)
  if (hadOld) fs.rmSync(old, { recursive: true, force: true })
  return target
}

/**
 * Repair the checkpoint folder after a crash: when a slot is missing but an -old- copy exists, the
 * crash came between the two renames, so the old checkpoint goes back; all other leftovers go.
 * Call before resuming a run.
 */
export function recoverCheckpoints(id: string): void {
  const ckpt = path.join(runDir(id), 'ckpt')
  let names: string[]
  try {
    names = fs.readdirSync(ckpt)
  } catch {
    return
  }
  for (const slot of ['last', 'best'] as const) {
    const target = path.join(ckpt, slot)
    const olds = names.filter((n) => n.startsWith(`.${slot}-old-`))
    if (!fs.existsSync(target) && olds.length > 0) fs.renameSync(path.join(ckpt, olds[0]), target)
  }
  for (const name of fs.readdirSync(ckpt)) {
    if (/^\.(last|best|epoch-\d+)-(tmp|old)-\d+$/.test(name)) fs.rmSync(path.join(ckpt, name), { recursive: true, force: true })
  }
}

export interface Predictions {
  scores: Float32Array
  targets: Float32Array
  nClips: number
  nClasses: number
  files: string[]
}

const SPLIT_PATTERN = /^[a-z0-9-]+$/

/** Write a split's predictions into a predictions folder (a run's, or an averaged model's). */
export function writePredictionDir(dir: string, split: string, p: Predictions): void {
  if (!SPLIT_PATTERN.test(split)) throw new Error(`Invalid prediction split name: ${split}`)
  if (p.scores.length !== p.nClips * p.nClasses || p.targets.length !== p.nClips * p.nClasses || p.files.length !== p.nClips) {
    throw new Error(`savePredictions: ${p.nClips} clips × ${p.nClasses} classes do not fit ${p.scores.length} scores, ${p.targets.length} targets, ${p.files.length} files`)
  }
  // Each file is replaced atomically; the file list goes last and is what readPredictionDir looks for,
  // so a crash part-way leaves no half set that reads as predictions.
  fs.rmSync(path.join(dir, `${split}-files.json`), { force: true })
  writeNpy(path.join(dir, `${split}.npy`), p.scores, [p.nClips, p.nClasses])
  writeNpy(path.join(dir, `${split}-targets.npy`), p.targets, [p.nClips, p.nClasses])
  writeJsonAtomicSync(path.join(dir, `${split}-files.json`), p.files)
}

/** A split's predictions from a predictions folder, or null when it holds none for that split. */
export function readPredictionDir(dir: string, split: string): Predictions | null {
  if (!SPLIT_PATTERN.test(split)) throw new Error(`Invalid prediction split name: ${split}`)
  const scoresFile = path.join(dir, `${split}.npy`)
  if (!fs.existsSync(path.join(dir, `${split}-files.json`))) return null
  const scores = readNpyFloat32(scoresFile)
  const targets = readNpyFloat32(path.join(dir, `${split}-targets.npy`))
  const files = readJsonSync<string[]>(path.join(dir, `${split}-files.json`))
  const [nClips, nClasses] = scores.shape
  if (scores.shape.length !== 2 || targets.shape.join() !== scores.shape.join() || files.length !== nClips) {
    throw new Error(`Predictions in ${dir} do not agree: scores [${scores.shape}], targets [${targets.shape}], ${files.length} files`)
  }
  return { scores: scores.data, targets: targets.data, nClips, nClasses, files }
}

export function savePredictions(id: string, split: string, p: Predictions): void {
  writePredictionDir(path.join(runDir(id), 'predictions'), split, p)
}

export function loadPredictions(id: string, split: string): Predictions | null {
  return readPredictionDir(path.join(runDir(id), 'predictions'), split)
}

/** A frame task's test curves (predictions/test-frames.json, written by runs/frameCurves.ts), or null. */
function loadFrameCurves(id: string): FrameCurves | null {
  const f = path.join(runDir(id), 'predictions', 'test-frames.json')
  return fs.existsSync(f) ? readJsonSync<FrameCurves>(f) : null
}

function loadPredictionsAsRows(id: string, split: string): RunRecord['testPredictions'] {
  const p = loadPredictions(id, split)
  if (!p) return null
  const rows = (m: Float32Array) => Array.from({ length: p.nClips }, (_, i) => Array.from(m.subarray(i * p.nClasses, (i + 1) * p.nClasses)))
  return { scores: rows(p.scores), targets: rows(p.targets), files: p.files }
}

export function saveThresholds(id: string, comparison: ThresholdComparison): void {
  writeJsonAtomicSync(file(id, 'thresholds.json'), comparison)
}

/** Delete a run folder: renamed away first (so it vanishes at once), then removed. Refuses a live run. */
export function deleteRun(id: string): void {
  const dir = runDir(id)
  if (!fs.existsSync(dir)) throw new Error(`No run ${id} in ${runsDir()}`)
  const lock = readLock(id)
  if (lock && runProcessAlive(id)) throw new Error(`Run ${id} is still running (pid ${lock.pid}); cancel it first`)
  const slurm = readSlurmRecord(id)
  if (slurmJobActive(slurm)) throw new Error(`Run ${id} has Slurm job ${slurm!.jobId} (${slurm!.state}); cancel it first`)
  deleteDirAtomically(dir)
}
