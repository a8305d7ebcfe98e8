// The CLI's side of the Slurm executor: `tagbench slurm-job <run>` (what a job script runs on the
// node), the sbatch flags of `tagbench experiment --executor slurm`, and the watch loop that prints
// each run's Slurm state and epochs until every job has ended.
import fs from 'node:fs'
import type { Command } from 'commander'
import type { SlurmOptions } from '../../../shared/api'
import { readMetrics, readRunState, listRuns } from '../../engine/runs/store'
import { checkSlurmOptions } from '../../engine/executors/slurm/options'
import { unsettled, watchSlurmRuns } from '../../engine/executors/slurm/experiment'
import { printResult } from '../output'
import { epochLine, outcomeText, trainOne } from './train'

export interface SlurmFlags {
  partition?: string
  account?: string
  time?: string
  cpus?: string
  mem?: string
  gpus?: string
  gpuFlag?: string
  sbatch?: string[]
  preamble?: string
  tagbenchCommand?: string
  startDeadline?: string
}

/** Adds the sbatch options to a command. */
export function slurmFlags(cmd: Command): Command {
  return cmd
    .option('--partition <name>', 'Slurm: partition (saved per data folder, like every Slurm option)')
    .option('--account <name>', 'Slurm: account to charge')
    .option('--time <limit>', 'Slurm: time limit per run (minutes, HH:MM:SS, D-HH:MM)')
    .option('--cpus <n>', 'Slurm: CPUs per run (--cpus-per-task)')
    .option('--mem <size>', 'Slurm: memory per run, e.g. 16G')
    .option('--gpus <n|type:n>', 'Slurm: GPUs per run, e.g. 1 or a100:1 (0: none)')
    .option('--gpu-flag <gres|gpus>', 'Slurm: ask for GPUs with --gres=gpu:N (default) or --gpus=N')
    .option('--sbatch <option>', 'Slurm: one more sbatch option, e.g. --sbatch=--qos=long (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--preamble <file>', 'Slurm: a file of shell lines run on the node first (module load, conda activate, source venv/bin/activate)')
    .option('--tagbench-command <cmd>', 'Slurm: the tagbench command on the nodes (default: this installation)')
    .option('--start-deadline <minutes>', 'Slurm: give up a RUNNING job that has not written to the shared run folder after this long (default 10)')
}

/** The options from the flags given, over `base` (the grid file's, else the data folder's). */
export function slurmOptionsFrom(flags: SlurmFlags, base: SlurmOptions): SlurmOptions {
  const o: SlurmOptions = { ...base }
  if (flags.partition !== undefined) o.partition = flags.partition
  if (flags.account !== undefined) o.account = flags.account
  if (flags.time !== undefined) o.time = flags.time
  if (flags.cpus !== undefined) o.cpus = flags.cpus as unknown as number
  if (flags.mem !== undefined) o.mem = flags.mem
  if (flags.gpus !== undefined) o.gpus = flags.gpus
  if (flags.gpuFlag !== undefined) o.gpuFlag = flags.gpuFlag as SlurmOptions['gpuFlag']
  if (flags.sbatch !== undefined) o.extra = flags.sbatch
  if (flags.preamble !== undefined) {
    try {
      o.preamble = fs.readFileSync(flags.preamble, 'utf8')
    } catch (err) {
      throw new Error(`--preamble ${flags.preamble}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  if (flags.tagbenchCommand !== undefined) o.command = flags.tagbenchCommand
  if (flags.startDeadline !== undefined) o.startDeadlineMinutes = flags.startDeadline as unknown as number
  return checkSlurmOptions(o)
}

/** One line about a run's job: "job 12 RUNNING on node3", "job 12 PENDING (Priority)". */
export function jobLine(runId: string): string {
  const run = listRuns().find((r) => r.id === runId)
  const s = run?.slurm
  if (!run || !s) return `[${runId}] no Slurm job`
  return `[${runId}] ${s.jobId ? `job ${s.jobId} ` : ''}${s.state}${s.reason ? ` (${s.reason})` : ''}${s.node ? ` on ${s.node}` : ''}  run ${run.status}${run.failure ? `: ${run.failure.split('\n')[0]}` : ''}`
}

/**
 * Watch runs until every job has ended, printing state changes and epochs on stderr. Ctrl-C stops
 * watching only: the jobs go on, on the cluster. Returns false when interrupted.
 */
export async function watchPrinting(runIds: string[], opts: { quiet?: boolean; pollS?: number; experimentId?: string } = {}): Promise<boolean> {
  const abort = new AbortController()
  const onSigint = () => abort.abort()
  process.once('SIGINT', onSigint)
  const seen = new Map(runIds.map((id) => [id, readMetrics(id).length]))
  const say = (text: string) => !opts.quiet && process.stderr.write(text + '\n')
  // Epoch lines, read from the shared run store (the jobs write there, not to us).
  const epochs = () => {
    for (const id of runIds) {
      const entries = readMetrics(id, seen.get(id) ?? 0)
      seen.set(id, (seen.get(id) ?? 0) + entries.length)
      for (const e of entries) if (e.kind === 'epoch') say(`[${id}] ${epochLine(e)}`)
    }
  }
  try {
    await watchSlurmRuns(runIds, {
      intervalMs: (opts.pollS ?? 10) * 1000,
      signal: abort.signal,
      onTick: epochs,
      onError: (err) => say(`tagbench: asking Slurm failed (${err.message}); trying again`),
      onChange: (changed) => {
        for (const id of changed) say(jobLine(id))
      }
    })
  } finally {
    process.off('SIGINT', onSigint)
  }
  if (abort.signal.aborted) {
    const left = unsettled(runIds)
    say(`Stopped watching; ${left.length} job(s) go on on the cluster.${opts.experimentId ? ` Watch again: tagbench experiment --watch ${opts.experimentId}; cancel: tagbench experiment --cancel ${opts.experimentId}` : ''}`)
    return false
  }
  return true
}

/** `tagbench slurm-job <run>`: train one run on a Slurm node (the job script's last line). */
export function registerSlurmJob(program: Command): void {
  program
    .command('slurm-job <run>', { hidden: true })
    .description('Train a run inside a Slurm job (written into job.sbatch by tagbench experiment --executor slurm)')
    .action(async (runId: string) => {
      const state = readRunState(runId)
      if (state.status === 'done') {
        process.stderr.write(`Run ${runId} has already finished; nothing to do\n`)
        return
      }
      process.stderr.write(`tagbench: training run ${runId} in Slurm job ${process.env.SLURM_JOB_ID ?? '?'} on ${process.env.SLURMD_NODENAME ?? 'this node'}\n`)
      // resume=false: trainRun continues from ckpt/last itself when there is one; a run left 'running'
      // by a job that was killed (time limit, preemption) must not be refused as still running.
      const outcome = await trainOne(runId, false, false)
      printResult(false, outcome, () => outcomeText(outcome))
      if (outcome.status !== 'done') process.exitCode = 1
    })
}
