// How many CPUs this process may use: what Slurm gave the job (SLURM_CPUS_PER_TASK, set in a job
// that asked for --cpus-per-task), else what the OS lets it run on. A cluster that does not pin jobs
// to their CPUs (no cgroups, no affinity) would otherwise see every core of a shared node.
import os from 'node:os'

export function cpuBudget(): number {
  const slurm = Number(process.env.SLURM_CPUS_PER_TASK)
  return Number.isInteger(slurm) && slurm > 0 ? Math.min(slurm, os.availableParallelism()) : os.availableParallelism()
}
