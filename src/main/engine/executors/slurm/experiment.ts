// Experiments on Slurm: submit a grid (one job per run) after checking that Slurm would take the
// jobs, resume what failed, timed out or was preempted, cancel, and watch until every job has
// ended. The experiment and its runs are the same files as a local experiment's; only the executor
// differs (and a Slurm experiment has no queue process: its status is its runs', see
// experiments/experiment.ts). The executor-neutral part is ../batch.ts.
import type { SlurmOptions } from '../../../../shared/types'
import { createExperiment, deleteExperiment, loadExperiment, type ExperimentFile, type GridSpec } from '../../experiments/experiment'
import { listRuns } from '../../runs/store'
import { refreshRuns, runsToResume, submitRuns, unsettled as unsettledOn, watchRuns, type SubmitReport, type WatchOptions } from '../batch'
import { slurmExecutor } from './index'
import { checkSlurmOptions, loadSlurmOptions, saveSlurmOptions } from './options'

export type { SubmitReport } from '../batch'

/** The options of a Slurm experiment's jobs (those it was submitted with), else the data folder's. */
export function experimentSlurmOptions(file: ExperimentFile): SlurmOptions {
  return checkSlurmOptions(file.spec.slurm ?? loadSlurmOptions())
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
  return { experiment, ...(await submitRuns(slurmExecutor, experiment.runIds, options)) }
}

/**
 * Submit again the runs that failed, timed out, were preempted or cancelled (and any never submitted);
 * each job continues from its run's last checkpoint. `runIds` limits it to some runs.
 */
export async function resumeSlurmExperiment(id: string, runIds?: string[]): Promise<SubmitReport> {
  const file = loadExperiment(id)
  if (file.spec.executor !== 'slurm') throw new Error(`Experiment ${file.name} trains locally, not on Slurm`)
  if (runIds) for (const r of runIds) if (!file.runIds.includes(r)) throw new Error(`Run ${r} is not part of experiment ${file.name}`)
  const why = await slurmExecutor.unavailable()
  if (why) throw new Error(why)
  await slurmExecutor.refresh(file.runIds)
  const todo = runsToResume(slurmExecutor, file.runIds).filter((r) => !runIds || runIds.includes(r))
  return submitRuns(slurmExecutor, todo, experimentSlurmOptions(file))
}

/** Cancel the jobs of an experiment (or of some of its runs). Returns the runs whose job was cancelled. */
export async function cancelSlurmExperiment(id: string, runIds?: string[]): Promise<string[]> {
  const file = loadExperiment(id)
  return slurmExecutor.cancel(runIds ?? file.runIds)
}

/** Runs whose Slurm job may still change them. */
export const unsettled = (runIds: string[]): string[] => unsettledOn(slurmExecutor, runIds)

/** Refresh these runs until no Slurm job can change them any more (or the signal aborts). */
export const watchSlurmRuns = (runIds: string[], opts: WatchOptions = {}): Promise<void> => watchRuns(slurmExecutor, runIds, opts)

/**
 * Bring every Slurm run of the data folder up to date, when Slurm's commands are here (for listings:
 * `tagbench runs`, `tagbench experiments`). Returns why it could not, or null.
 */
export function refreshAllSlurmRuns(): Promise<string | null> {
  return refreshRuns(
    slurmExecutor,
    listRuns()
      .filter((r) => r.slurm)
      .map((r) => r.id)
  )
}
