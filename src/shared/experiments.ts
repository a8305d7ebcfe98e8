// Experiments and the executors their runs train on (local, Slurm).
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

import type { PartialRunConfig, RunConfigKey } from './runConfig'

// ---------- experiments ----------
export interface ExperimentAxis {
  /** A config field, or 'stride': one value sets both fstride and tstride (overlap vs none). */
  key: RunConfigKey | 'stride'
  values: unknown[]
}

export interface ExperimentSpec {
  name: string
  base: PartialRunConfig & { dataset: string }
  axes: ExperimentAxis[]
  seeds?: number[]
  parallel?: number
  /** Where the runs train: this machine's queue (default) or one Slurm job per run. */
  executor?: ExecutorKind
  /** With executor 'slurm': the job options (saved per data folder as the next default). */
  slurm?: SlurmOptions
}

// ---------- executors: where an experiment's runs train ----------
export type ExecutorKind = 'local' | 'slurm'

/** What each Slurm job of a run asks for; kept per data folder (slurm.json) so a user types it once. */
export interface SlurmOptions {
  partition?: string
  account?: string
  /** Time limit in Slurm's format: "MM", "HH:MM:SS", "D-HH:MM"... */
  time?: string
  cpus?: number
  /** Memory per node, e.g. "16G". */
  mem?: string
  /** GPUs per run: a count or type:count ("1", "a100:2"); empty for none. */
  gpus?: string
  /** How GPUs are asked for: --gres=gpu:<gpus> (older clusters) or --gpus=<gpus>. */
  gpuFlag?: 'gres' | 'gpus'
  /** More sbatch options, one per line ("--qos=long", "--constraint=a100"). */
  extra?: string[]
  /** Shell lines run on the node before tagbench: module load, conda activate, source venv/bin/activate. */
  preamble?: string
  /** The tagbench command on the nodes (default: this installation's, which must be on the shared filesystem). */
  command?: string
  /** Minutes a RUNNING job may go without writing to the shared run folder before it is given up (default 10). */
  startDeadlineMinutes?: number
}

/** A run's Slurm job as last seen (squeue, scontrol, sacct), in the run folder as slurm.json. */
export interface SlurmRunInfo {
  jobId: string
  /** PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, PREEMPTED, OUT_OF_MEMORY, CANCELLED, NODE_FAIL, ... or UNKNOWN. */
  state: string
  /** Why a job is pending (Priority, Resources, ...), or Slurm's reason for its end. */
  reason?: string
  node?: string
  exitCode?: string
  /** The job script (in the run folder) and its Slurm output files. */
  script: string
  stdout: string
  stderr: string
  submittedAt: string
  startedAt?: string
  /** When the job was first seen writing to the run folder (its node can reach the shared folder). */
  nodeWroteAt?: string
  /** Minutes a RUNNING job may go without writing to the run folder before Tagbench cancels it. */
  startDeadlineMinutes?: number
  /** Every job id this run has had, oldest first (a resume submits a new one). */
  jobs: string[]
  /** What Tagbench concluded about the job, for the user (a rejected submission, a deadline...). */
  message?: string
  checkedAt: string
}

/** Whether Slurm can be used from here, and the options saved for this data folder. */
export interface SlurmInfo {
  available: boolean
  /** Why not (sbatch not on the PATH, the controller does not answer), or the Slurm version. */
  message: string
  partitions: string[]
  options: SlurmOptions
}

export interface ExperimentSummary {
  id: string
  name: string
  runIds: string[]
  axes: ExperimentAxis[]
  createdAt: string
  /** 'interrupted': marked running, but the process that ran its queue is gone (an app restart, a kill). */
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'
  /** Where its runs train (absent: 'local'). */
  executor?: ExecutorKind
  /** One cell per combination of axis values (seeds and folds pooled), from the runs' test results. */
  results?: ExperimentCell[]
}

/** The runs of an experiment that share these axis values, pooled over seeds (and ESC-50 folds). */
export interface ExperimentCell {
  values: Record<string, unknown>
  runIds: string[]
  /** Test frameAP for frame tasks, accuracy for single-label data, else test mAP. */
  metric: 'mAP' | 'accuracy' | 'frameAP'
  /** Mean and sample standard deviation (n − 1) over the runs that have a test result; std null for fewer than 2. */
  mean: number | null
  std: number | null
  n: number
}

export interface ExperimentPreset {
  id: string
  label: string
  description: string
  axes: ExperimentAxis[]
  base: PartialRunConfig
}
