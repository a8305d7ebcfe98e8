// The CPU budget of a process: a Slurm job's --cpus-per-task when it has one (capped by what the OS
// offers), else what the OS offers.
import { afterEach, describe, expect, it } from 'vitest'
import os from 'node:os'
import { cpuBudget } from '../../../src/main/engine/platform/cpus'

describe('cpuBudget', () => {
  const saved = process.env.SLURM_CPUS_PER_TASK
  afterEach(() => {
    if (saved === undefined) delete process.env.SLURM_CPUS_PER_TASK
    else process.env.SLURM_CPUS_PER_TASK = saved
  })

  it('follows SLURM_CPUS_PER_TASK inside a job, and the OS elsewhere', () => {
    delete process.env.SLURM_CPUS_PER_TASK
    expect(cpuBudget()).toBe(os.availableParallelism())
    process.env.SLURM_CPUS_PER_TASK = '1'
    expect(cpuBudget()).toBe(1)
    process.env.SLURM_CPUS_PER_TASK = String(os.availableParallelism() + 64)
    expect(cpuBudget()).toBe(os.availableParallelism())
    process.env.SLURM_CPUS_PER_TASK = 'lots'
    expect(cpuBudget()).toBe(os.availableParallelism())
  })
})
