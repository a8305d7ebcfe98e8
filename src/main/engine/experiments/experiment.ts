// Experiments: a named grid of run configs (axes × seeds, e.g. pretraining × stride × SpecAugment ×
// frozen × size × ESC-50 fold) expanded into runs that are trained one after another or N at once.
// An experiment is one JSON file, experimentsDir()/<id>/experiment.json, replaced atomically; the runs
// are ordinary runs tagged with the experiment id. Results pool the runs that differ only in seed or
// fold: mean ± std of their test mAP (test accuracy for single-label data, e.g. ESC-50's five folds).
// Experiments sit above both runs/ and train/: creating one resolves each run's config (train/newRun)
// and writes runs (runs/store), and neither of those layers imports this one.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import YAML from 'yaml'
import type { ExperimentAxis, ExperimentCell, ExperimentSpec, ExperimentSummary, PartialRunConfig, RunConfigRequest, RunSummary } from '../../../shared/types'
import { deleteDirAtomically, readJsonSync, writeJsonAtomicSync } from '../io/fsutil'
import { experimentsDir } from '../platform/paths'
import { loadDataset } from '../data/record'
import { createTrainingRun, resolveRunConfig } from '../train/newRun'
import { checkPretrainedFiles } from '../train/model'
import { findPreset } from '../runs/presets'
import { experimentSpecSchema, gridFileSchema } from '../../../shared/apiSchema'
import { appendLog, deleteRun, listRuns, ownerAlive, readRunState, slurmJobActive, updateRunStatus } from '../runs/store'

/** An experiment spec whose base may leave out what the dataset, the preset and the defaults fill in. */
export type GridSpec = Omit<ExperimentSpec, 'base'> & { base: RunConfigRequest }

export interface ExperimentFile extends ExperimentSummary {
  spec: GridSpec
  /** The axis values of each run, in queue order. */
  runs: { runId: string; values: Record<string, unknown> }[]
  /** The process running the queue while status is 'running'. */
  owner?: { pid: number; hostname: string } | null
}

/**
 * A Slurm experiment has no queue process: its status is its runs'. Running while any job may still
 * run; else done when all are, else failed, cancelled or interrupted after the first run that is.
 */
function batchStatus(file: ExperimentFile, runs: RunSummary[]): ExperimentSummary['status'] {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const mine = file.runIds.map((id) => byId.get(id)).filter((r): r is RunSummary => !!r)
  if (mine.some((r) => slurmJobActive(r.slurm ?? null))) return 'running'
  if (mine.every((r) => r.status === 'done')) return 'done'
  for (const s of ['failed', 'interrupted', 'cancelled'] as const) if (mine.some((r) => r.status === s)) return s
  return mine.some((r) => r.slurm) ? 'interrupted' : 'queued'
}

/** The status to show: a 'running' experiment whose queue process is gone is 'interrupted'. */
function effectiveStatus(file: ExperimentFile, runs?: RunSummary[]): ExperimentSummary['status'] {
  if (file.spec.executor === 'slurm') return batchStatus(file, runs ?? listRuns())
  if (file.status !== 'running') return file.status
  // Owned by this process: running only if its queue is (a restarted app may reuse a dead one's pid).
  const ours = file.owner?.pid === process.pid && file.owner.hostname === os.hostname()
  const alive = ours ? queuesHere.has(file.id) : !!file.owner && ownerAlive(file.owner)
  return alive ? 'running' : 'interrupted'
}

/** Experiments whose queue runs in this process now. */
const queuesHere = new Set<string>()

/** Axes whose runs are pooled in the results rather than shown apart. */
const POOLED = new Set(['seed', 'fold'])

function applyAxis(partial: PartialRunConfig, key: ExperimentAxis['key'], value: unknown): void {
  if (key === 'stride') {
    partial.fstride = value as number
    partial.tstride = value as number
  } else (partial as Record<string, unknown>)[key] = value
}

/** The axes of a spec with its seeds as one more axis, and `fold: ['all']` as the dataset's folds. */
function effectiveAxes(spec: GridSpec, folds: number[] | null): ExperimentAxis[] {
  const axes = spec.axes.map((a) => {
    if (a.key === 'fold' && a.values.length === 1 && a.values[0] === 'all') {
      if (!folds) throw new Error(`Experiment ${spec.name}: fold 'all' needs a dataset with folds (ESC-50)`)
      return { key: a.key, values: [...folds] }
    }
    return a
  })
  for (const a of axes) if (!Array.isArray(a.values) || a.values.length === 0) throw new Error(`Experiment ${spec.name}: axis '${a.key}' has no values`)
  if (spec.seeds && spec.seeds.length > 0) {
    if (axes.some((a) => a.key === 'seed')) throw new Error(`Experiment ${spec.name}: give seeds either as 'seeds' or as an axis, not both`)
    axes.push({ key: 'seed', values: spec.seeds })
  }
  return axes
}

function describeValue(v: unknown): string {
  if (v && typeof v === 'object' && 'kind' in v) {
    const p = v as { kind: string; path?: string; runId?: string }
    return p.kind === 'none' ? 'scratch' : p.kind === 'run' ? `run ${p.runId}` : `${p.kind} ${path.basename(p.path ?? '')}`
  }
  return String(v)
}

/** Every combination of axis values (the first axis varies slowest), with its partial config and run name. */
export function expandGrid(spec: GridSpec, folds: number[] | null = null): { values: Record<string, unknown>; partial: RunConfigRequest }[] {
  const axes = effectiveAxes(spec, folds)
  let combos: Record<string, unknown>[] = [{}]
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })))
  return combos.map((values) => {
    const partial: RunConfigRequest = structuredClone(spec.base)
    for (const [k, v] of Object.entries(values)) applyAxis(partial, k as ExperimentAxis['key'], v)
    const label = Object.entries(values).map(([k, v]) => `${k}=${describeValue(v)}`).join(' ')
    partial.name = label ? `${spec.name}: ${label}` : spec.name
    return { values, partial }
  })
}

function experimentFile(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new Error(`Invalid experiment id: ${JSON.stringify(id)}`)
  return path.join(experimentsDir(), id, 'experiment.json')
}

function save(file: ExperimentFile): void {
  writeJsonAtomicSync(experimentFile(file.id), file)
}

/**
 * Check every run config of the grid first (nothing is created when one is wrong), then create the
 * runs (queued) and the experiment.
 */
export function createExperiment(spec: GridSpec): ExperimentFile {
  if (!spec.name?.trim()) throw new Error('An experiment needs a name')
  if (!spec.base?.dataset) throw new Error(`Experiment ${spec.name}: no dataset in its base config`)
  const record = loadDataset(spec.base.dataset)
  const grid = expandGrid(spec, record.folds)
  const checked = new Set<string>()
  for (const g of grid) {
    try {
      const cfg = resolveRunConfig(g.partial)
      // Each distinct pretrained start once: its files are read whole.
      const key = JSON.stringify([cfg.pretrained, cfg.size])
      if (!checked.has(key)) checkPretrainedFiles(cfg.pretrained, cfg.size)
      checked.add(key)
    } catch (err) {
      throw new Error(`Experiment ${spec.name}, run "${g.partial.name}": ${(err as Error).message}`)
    }
  }
  const slug = spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'experiment'
  const id = `${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}-${slug}-${crypto.randomBytes(2).toString('hex')}`
  const runs = grid.map((g) => ({ runId: createTrainingRun(g.partial, { experiment: id }).runId, values: g.values }))
  const file: ExperimentFile = {
    id,
    name: spec.name,
    runIds: runs.map((r) => r.runId),
    axes: effectiveAxes(spec, record.folds),
    createdAt: new Date().toISOString(),
    status: 'queued',
    spec,
    runs
  }
  save(file)
  return file
}

export function loadExperiment(id: string): ExperimentFile {
  const file = experimentFile(id)
  if (!fs.existsSync(file)) throw new Error(`No experiment ${id} in ${experimentsDir()}`)
  return readJsonSync<ExperimentFile>(file)
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

/** Results: the runs grouped by their non-pooled axis values, in grid order, with mean ± std of the test metric. */
export function experimentResults(file: Pick<ExperimentFile, 'runs'>, runs = listRuns()): ExperimentCell[] {
  const byId = new Map(runs.map((r) => [r.id, r]))
  const cells = new Map<string, ExperimentCell & { scores: number[] }>()
  for (const { runId, values } of file.runs) {
    const shown = Object.fromEntries(Object.entries(values).filter(([k]) => !POOLED.has(k)))
    const key = JSON.stringify(shown)
    const run = byId.get(runId)
    const test = run?.status === 'done' ? run.test : null
    const metric: ExperimentCell['metric'] = test && test.frameAP != null ? 'frameAP' : test && test.accuracy != null ? 'accuracy' : 'mAP'
    let cell = cells.get(key)
    if (!cell) cells.set(key, (cell = { values: shown, runIds: [], metric, mean: null, std: null, n: 0, scores: [] }))
    cell.runIds.push(runId)
    const score = test ? test[metric] : null
    if (test) cell.metric = metric
    if (score != null) cell.scores.push(score)
  }
  return [...cells.values()].map(({ scores, ...cell }) => {
    const n = scores.length
    const m = n > 0 ? mean(scores) : null
    // Sample standard deviation (numpy ddof=1), as results over seeds are usually reported.
    const std = n > 1 ? Math.sqrt(scores.reduce((s, x) => s + (x - m!) ** 2, 0) / (n - 1)) : null
    return { ...cell, n, mean: m, std }
  })
}

/**
 * Whether there is nothing left to train: marked done and every run done. An experiment marked done
 * with runs still queued (an older version could end a queue that never started) can be resumed.
 */
export function experimentFinished(file: ExperimentFile, runs = listRuns()): boolean {
  const status = new Map(runs.map((r) => [r.id, r.status]))
  return effectiveStatus(file) === 'done' && file.runIds.every((id) => status.get(id) !== 'queued' && status.get(id) !== 'interrupted')
}

/** The summary the API and CLI show, with results. */
export function summarizeExperiment(file: ExperimentFile, runs = listRuns()): ExperimentSummary {
  return {
    id: file.id,
    name: file.name,
    runIds: file.runIds,
    axes: file.axes,
    createdAt: file.createdAt,
    status: effectiveStatus(file, runs),
    ...(file.spec.executor ? { executor: file.spec.executor } : {}),
    results: experimentResults(file, runs)
  }
}

/** All experiments, newest first; an unreadable one is reported and skipped. */
export function listExperiments(onProblem?: (message: string) => void): ExperimentSummary[] {
  let names: string[]
  try {
    names = fs.readdirSync(experimentsDir())
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new Error(`Cannot read ${experimentsDir()}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const runs = listRuns()
  const out: ExperimentSummary[] = []
  for (const name of names.sort().reverse()) {
    if (name.startsWith('.')) continue
    try {
      out.push(summarizeExperiment(loadExperiment(name), runs))
    } catch (err) {
      onProblem?.((err as Error).message)
    }
  }
  return out
}

/**
 * Starts training a run (resume: continue from its checkpoint) and settles when it ends. `slot` is
 * which of the `parallel` queue workers runs it (0-based), e.g. to give each its own GPU (gpus.ts).
 */
export type StartRun = (runId: string, resume: boolean, slot: number) => Promise<unknown>

/**
 * Train the experiment's unfinished runs, `parallel` at a time (default: the spec's, else 1). Queued
 * runs start fresh; interrupted, cancelled or failed ones resume. A failed run does not stop the
 * others. Aborting the signal starts no more runs (those running are the caller's to cancel). This
 * also picks up an interrupted experiment where its queue stopped; one whose queue still runs in a
 * live process is refused.
 */
export async function runExperiment(id: string, start: StartRun, opts: { parallel?: number; signal?: AbortSignal; onChange?: (id: string) => void } = {}): Promise<ExperimentSummary> {
  const file = loadExperiment(id)
  if (file.spec.executor === 'slurm') throw new Error(`Experiment ${file.name} trains on Slurm: resume it with the Slurm executor (tagbench experiment --resume ${id})`)
  if (effectiveStatus(file) === 'running') throw new Error(`Experiment ${file.name} is already running (pid ${file.owner?.pid} on ${file.owner?.hostname})`)
  const setStatus = (status: ExperimentFile['status']) => {
    file.status = status
    file.owner = status === 'running' ? { pid: process.pid, hostname: os.hostname() } : null
    save(file)
    opts.onChange?.(id)
  }
  const statusOf = new Map(listRuns().map((r) => [r.id, r.status]))
  const queue = file.runIds.filter((r) => statusOf.get(r) !== 'done' && statusOf.get(r) !== undefined)
  queuesHere.add(id)
  try {
    setStatus('running')
  } catch (err) {
    queuesHere.delete(id)
    throw err
  }
  let failed = false
  const worker = async (slot: number) => {
    for (let runId = queue.shift(); runId !== undefined; runId = queue.shift()) {
      if (opts.signal?.aborted) return
      try {
        await start(runId, statusOf.get(runId) !== 'queued', slot)
      } catch (err) {
        failed = true
        // Keep the reason with the run when its job could not record it (it died before starting to train).
        const message = (err as Error).message
        try {
          const status = readRunState(runId).status
          if (status === 'queued') updateRunStatus(runId, { status: 'failed', failure: message })
          appendLog(runId, `Failed in experiment ${file.name}: ${message}`)
        } catch (bookkeeping) {
          process.stderr.write(`tagbench: experiment ${file.name}, run ${runId} failed (${message}); recording it failed too: ${(bookkeeping as Error).message}\n`)
        }
      }
      opts.onChange?.(id)
    }
  }
  // A file written by hand (or by an older version) may hold anything here: a whole number ≥ 1 or 1.
  const asked = opts.parallel ?? file.spec.parallel ?? 1
  const parallel = Number.isInteger(asked) && asked >= 1 ? asked : 1
  await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, queue.length)) }, (_, slot) => worker(slot)))
  queuesHere.delete(id)
  setStatus(opts.signal?.aborted ? 'cancelled' : failed ? 'failed' : 'done')
  return summarizeExperiment(file)
}

/**
 * Delete an experiment that is not running, and with `withRuns` its runs too (each refused while it
 * trains; runs already gone are skipped). Kept runs stay as single runs. Returns the runs deleted.
 */
export function deleteExperiment(id: string, opts: { withRuns?: boolean } = {}): { runsDeleted: number } {
  const file = loadExperiment(id)
  if (effectiveStatus(file) === 'running') throw new Error(`Experiment ${file.name} is running${file.spec.executor === 'slurm' ? ' on Slurm' : ''}; cancel it first`)
  const present = new Set(listRuns().map((r) => r.id))
  let runsDeleted = 0
  if (opts.withRuns) {
    for (const runId of file.runIds.filter((r) => present.has(r))) {
      deleteRun(runId)
      runsDeleted++
    }
  }
  // Gone from the list at once: a crash mid-delete never leaves half an experiment that still lists.
  deleteDirAtomically(path.dirname(experimentFile(id)))
  return { runsDeleted }
}

/**
 * A grid file (YAML or JSON): name, dataset, optional preset (its base and axes), base (config
 * fields), axes as a list of {key, values} or a map key → values, seeds, parallel. Fields in the file
 * override the preset's.
 */
export function readGridFile(file: string, overrides: { dataset?: string; parallel?: number } = {}): GridSpec {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = file.toLowerCase().endsWith('.json') ? JSON.parse(text) : YAML.parse(text)
  } catch (err) {
    throw new Error(`${file} is not valid ${file.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`)
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: expected a mapping with name, dataset, base and axes`)
  // The same schemas as the API's experiment.start: types, ranges and unknown keys (with a suggestion).
  let g: ReturnType<typeof gridFileSchema.parse>
  try {
    g = gridFileSchema.parse(raw)
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`)
  }
  const preset = g.preset !== undefined ? findPreset(g.preset) : null
  const axesRaw = g.axes ?? preset?.axes ?? []
  const axes: ExperimentAxis[] = Array.isArray(axesRaw) ? axesRaw : Object.entries(axesRaw).map(([key, values]) => ({ key: key as ExperimentAxis['key'], values }))
  const base = { ...(preset?.base ?? {}), ...(g.base ?? {}) }
  const dataset = overrides.dataset ?? g.dataset ?? base.dataset
  if (!dataset) throw new Error(`${file}: no dataset (give "dataset:" in the file or --dataset)`)
  const name = g.name ?? preset?.label ?? path.basename(file).replace(/\.(ya?ml|json)$/i, '')
  const parallel = overrides.parallel ?? g.parallel
  const spec = { name, base: { ...base, dataset }, axes, ...(g.seeds ? { seeds: g.seeds } : {}), ...(parallel ? { parallel } : {}), ...(g.executor ? { executor: g.executor } : {}), ...(g.slurm ? { slurm: g.slurm } : {}) }
  try {
    // Map-style axes and preset axes are checked here, with their values.
    return experimentSpecSchema.parse(spec) as GridSpec
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}
