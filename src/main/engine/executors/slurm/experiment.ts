// Experiments on Slurm: submit a grid (one job per run), resume what failed, timed out or was
// preempted, cancel, and watch until every job has ended. The experiment and its runs are the same
// files as a local experiment's; only the executor differs (and a Slurm experiment has no queue
// process: its status is its runs', see runs/experiment.ts).
import type { SlurmOptions } from '../../../../shared/types'
import { createExperiment, deleteExperiment, loadExperiment, type ExperimentFile, type GridSpec } from '../../runs/experiment'
import { appendLog, listRuns, readRunState, readSlurmRecord, updateRunStatus } from '../../runs/store'
import { slurmExecutor } from './index'
import { checkSlurmOptions, loadSlurmOptions, saveSlurmOptions } from './options'

export interface SubmitReport {
  submitted: { runId: string; jobId: string }[]
  /** Runs whose submission Slurm refused, with its message (also on the run). */
  refused: { runId: string; message: string }[]
}

/** The options of a Slurm experiment's jobs (those it was submitted with), else the data folder's. */
export function experimentSlurmOptions(file: ExperimentFile): SlurmOptions {
  return checkSlurmOptions(file.spec.slurm ?? loadSlurmOptions())
}

/** Submit runs one after another. After a refusal the rest are not tried: Slurm would refuse them alike. */
async function submitRuns(runIds: string[], options: SlurmOptions): Promise<SubmitReport> {
  const report: SubmitReport = { submitted: [], refused: [] }
  for (const runId of runIds) {
    if (report.refused.length > 0) {
      // Not left 'queued' for ever: say why it was not submitted.
      const message = `Not submitted: Slurm refused the job of run ${report.refused[0].runId} (${report.refused[0].message.replace(/^Run \S+: /, '')})`
      updateRunStatus(runId, { status: 'failed', failure: message })
      appendLog(runId, message)
      continue
    }
    try {
      report.submitted.push({ runId, ...(await slurmExecutor.submit(runId, options)) })
    } catch (err) {
      report.refused.push({ runId, message: (err as Error).message })
    }
  }
  return report
}

/**
 * Check that Slurm can be used and would take the jobs (sbatch --test-only), create the experiment,
 * and submit one job per run. Nothing is created when the check fails; the options become the data
 * folder's defaults once the check passes.
 */
export async function submitSlurmExperiment(spec: GridSpec): Promise<{ experiment: ExperimentFile } & SubmitReport> {
  const why = await slurmExecutor.unavailable()
  if (why) throw new Error(why)
  const options = checkSlurmOptions(spec.slurm ?? loadSlurmOptions())
  const experiment = createExperiment({ ...spec, executor: 'slurm', slurm: options })
  try {
    await slurmExecutor.check(experiment.runIds[0], options)
  } catch (err) {
    deleteExperiment(experiment.id, { withRuns: true })
    throw err
  }
  saveSlurmOptions(options)
  return { experiment, ...(await submitRuns(experiment.runIds, options)) }
}

/** The runs of an experiment a resume submits: not done, and with no job that may still run. */
export function runsToResume(file: ExperimentFile): string[] {
  return file.runIds.filter((id) => {
    try {
      return readRunState(id).status !== 'done' && !slurmExecutor.active(id)
    } catch {
      return false // deleted
    }
  })
}

/**
 * Submit again the runs that failed, timed out, were preempted or cancelled (and any never submitted);
 * each job continues from its run's last checkpoint. `runIds` limits it to some runs.
 */
export async function resumeSlurmExperiment(id: string, runIds?: string[]): Promise<SubmitReport> {
  const file = loadExperiment(id)
  if (file.spec.executor !== 'slurm') throw new Error(`Experiment ${file.name} trains locally, not on Slurm`)
  const why = await slurmExecutor.unavailable()
  if (why) throw new Error(why)
  await slurmExecutor.refresh(file.runIds)
  const todo = runsToResume(file).filter((r) => !runIds || runIds.includes(r))
  if (runIds) for (const r of runIds) if (!file.runIds.includes(r)) throw new Error(`Run ${r} is not part of experiment ${file.name}`)
  return submitRuns(todo, experimentSlurmOptions(file))
}

/** Cancel the jobs of an experiment (or of some of its runs); runs never submitted are marked cancelled too. */
export async function cancelSlurmExperiment(id: string, runIds?: string[]): Promise<string[]> {
  const file = loadExperiment(id)
  const targets = runIds ?? file.runIds
  return slurmExecutor.cancel(targets)
}

/** Runs whose job may still change: active at Slurm, or not yet settled in the run store. */
export function unsettled(runIds: string[]): string[] {
  return runIds.filter((id) => {
    try {
      const info = readSlurmRecord(id)
      if (!info?.jobId) return false
      const raw = readRunState(id).status
      return slurmExecutor.active(id) || raw === 'queued' || raw === 'running'
    } catch {
      return false
    }
  })
}

const MAX_FAILURES = 5

/**
 * Refresh these runs every `intervalMs` until none may change any more (or the signal aborts).
 * `onChange` gets the runs that changed at each refresh.
 */
export async function watchSlurmRuns(
  runIds: string[],
  opts: { intervalMs?: number; signal?: AbortSignal; onChange?: (changed: string[]) => void; onTick?: () => void; onError?: (err: Error) => void } = {}
): Promise<void> {
  const interval = opts.intervalMs ?? 5000
  let failures = 0
  while (!opts.signal?.aborted) {
    let changed: string[] = []
    try {
      changed = await slurmExecutor.refresh(runIds)
      failures = 0
    } catch (err) {
      // A controller that does not answer for a moment (squeue timing out) is worth waiting for;
      // one that keeps failing is reported.
      if (++failures >= MAX_FAILURES) throw new Error(`Slurm did not answer ${failures} times in a row: ${(err as Error).message}`)
      opts.onError?.(err as Error)
    }
    opts.onTick?.()
    if (changed.length) opts.onChange?.(changed)
    if (unsettled(runIds).length === 0) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, interval)
      opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
  }
}

/**
 * Bring every Slurm run of the data folder up to date, when Slurm's commands are here (for listings:
 * `tagbench runs`, `tagbench experiments`). Returns why it could not, or null.
 */
export async function refreshAllSlurmRuns(): Promise<string | null> {
  const ids = unsettled(listRuns().filter((r) => r.slurm).map((r) => r.id))
  if (ids.length === 0) return null
  const why = await slurmExecutor.unavailable()
  if (why) return `${ids.length} run(s) on Slurm not refreshed: ${why}`
  try {
    await slurmExecutor.refresh(ids)
    return null
  } catch (err) {
    return `${ids.length} run(s) on Slurm not refreshed: ${(err as Error).message}`
  }
}
