// Slurm from the app: what the experiment form needs (is sbatch here, the partitions, the saved
// options), each run's job output, and the watcher. The watcher asks Slurm about the runs whose jobs
// may still change every few seconds, and turns what the jobs write into the shared run store into
// the same events a local job sends (run.metrics, run.changed), so the Runs page and the live curves
// work unchanged. It starts when the app opens and finds such runs in the run store (the app was
// closed while jobs ran), and whenever the app submits; it stops when no job is left.
import fs from 'node:fs'
import path from 'node:path'
import type { SlurmInfo } from '../../shared/api'
import { listRuns, readMetrics, readSlurmRecord, runDir, slurmJobActive } from '../engine/runs/store'
import type { HandlerTable, ServiceContext } from './index'

const slurm = () => import('../engine/executors/slurm/index')
const slurmExperiments = () => import('../engine/executors/slurm/experiment')

const POLL_MS = () => Number(process.env.TAGBENCH_SLURM_POLL_MS) || 5000
const LOG_TAIL_BYTES = 64 * 1024

/** Whether the watch loop runs; `again`: something was submitted meanwhile, so go on even if idle. */
let active = false
let again = false
/** Metric entries already sent per run, and run.json's last mtime, to send only what is new. */
const sent = new Map<string, number>()
const mtimes = new Map<string, number>()
const sizes = new Map<string, number>()

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/** One look at the runs; returns whether any may still change. */
async function tick(ctx: ServiceContext): Promise<boolean> {
  const { unsettled } = await slurmExperiments()
  const { slurmExecutor } = await slurm()
  const runs = listRuns().filter((r) => r.slurm)
  const live = unsettled(runs.map((r) => r.id))
  if (live.length === 0) return false
  const experimentOf = new Map(runs.map((r) => [r.id, r.experiment]))
  const touched = new Set<string>()
  if (!(await slurmExecutor.unavailable())) {
    try {
      for (const id of await slurmExecutor.refresh(live)) touched.add(id)
    } catch (err) {
      // squeue timing out or the controller down: try again at the next tick; the runs keep their state.
      console.error(`tagbench: asking Slurm about ${live.length} run(s) failed: ${(err as Error).message}`)
    }
  }
  for (const id of live) {
    // What the job wrote since the last tick: new metric lines and a changed run.json. A resumed run
    // cuts metrics.jsonl back to its checkpoint: count its lines again rather than skip new ones.
    const size = fileSize(`${runDir(id)}/metrics.jsonl`)
    if (size < (sizes.get(id) ?? 0)) sent.set(id, readMetrics(id).length)
    sizes.set(id, size)
    const entries = readMetrics(id, sent.get(id) ?? 0)
    if (sent.has(id) && entries.length) ctx.emit({ type: 'run.metrics', runId: id, entries })
    sent.set(id, (sent.get(id) ?? 0) + entries.length)
    const m = mtime(`${runDir(id)}/run.json`)
    if (mtimes.get(id) !== m) touched.add(id)
    mtimes.set(id, m)
  }
  const experiments = new Set<string>()
  for (const id of touched) {
    ctx.emit({ type: 'run.changed', runId: id })
    const e = experimentOf.get(id)
    if (e) experiments.add(e)
  }
  for (const id of experiments) ctx.emit({ type: 'experiment.changed', id })
  return true
}

/** Watch the Slurm runs that may still change, from now until none is left. */
export function watchSlurm(ctx: ServiceContext): void {
  if (active) {
    again = true
    return
  }
  active = true
  const loop = async () => {
    let more = true
    try {
      more = await tick(ctx)
    } catch (err) {
      console.error(`tagbench: Slurm watcher: ${(err as Error).message}`)
    }
    if (more || again) {
      again = false
      // unref: a watcher alone does not keep a CLI or test process alive.
      setTimeout(() => void loop(), POLL_MS()).unref?.()
    } else active = false
  }
  void loop()
}

/** At service start: watch again the jobs a closed app left (found in the run store). */
export function resumeWatchingIfNeeded(ctx: ServiceContext): void {
  try {
    if (listRuns().some((r) => r.slurm?.jobId && (r.status === 'queued' || r.status === 'running' || slurmJobActive(r.slurm)))) watchSlurm(ctx)
  } catch {
    // No runs folder yet.
  }
}

function tailOf(file: string): { text: string; exists: boolean } {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return { text: '', exists: false }
  }
  try {
    const size = fs.fstatSync(fd).size
    const start = Math.max(0, size - LOG_TAIL_BYTES)
    const buf = Buffer.alloc(size - start)
    fs.readSync(fd, buf, 0, buf.length, start)
    return { text: buf.toString('utf8'), exists: true }
  } finally {
    fs.closeSync(fd)
  }
}

export const handlers: HandlerTable = {
  'slurm.info': async (): Promise<SlurmInfo> => {
    const { slurmExecutor } = await slurm()
    const { loadSlurmOptions } = await import('../engine/executors/slurm/options')
    const { partitions, slurmVersion } = await import('../engine/executors/slurm/commands')
    const options = loadSlurmOptions()
    const why = await slurmExecutor.unavailable()
    if (why) return { available: false, message: why, partitions: [], options }
    try {
      const [version, parts] = await Promise.all([slurmVersion(), partitions()])
      return { available: true, message: version, partitions: parts, options }
    } catch (err) {
      return { available: false, message: `Slurm's commands are here but the cluster does not answer: ${(err as Error).message}`, partitions: [], options }
    }
  },
  'run.slurmLog': (p) => {
    const info = readSlurmRecord(p.id)
    if (!info?.jobId) throw new Error(`Run ${p.id} has no Slurm job`)
    const file = p.stream === 'stdout' ? info.stdout : info.stderr
    // Only the run's own folder is served (slurm.json could have been edited by hand).
    if (path.dirname(path.resolve(file)) !== runDir(p.id)) throw new Error(`Run ${p.id}: ${file} is not in the run's folder`)
    return { path: file, ...tailOf(file) }
  }
}
