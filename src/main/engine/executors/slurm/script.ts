// The batch script of one run's Slurm job, written into the run folder (job.sbatch) so that a user
// can read it and submit it again by hand. It asks for the resources of the options, says on the
// shared folder that the node reached it (slurm-nodes.txt, which the app's start deadline waits
// for), runs the user's preamble (module load, conda activate, venv), and then `tagbench slurm-job
// <run>`, which trains the run from its config.json: the same config and seeds as a local run, and
// from the last checkpoint when the run has one.
import type { SlurmOptions } from '../../../../shared/types'

export interface ScriptInput {
  runId: string
  runName: string
  /** Absolute paths, as the nodes see them (the shared filesystem). */
  runDir: string
  dataDir: string
  options: SlurmOptions
  /** The tagbench command line on the node, e.g. `'/usr/bin/node' '/home/me/tagbench/bin/tagbench.mjs'`. */
  command: string
  /** Written in the header comment. */
  writtenAt: string
}

export const SCRIPT_NAME = 'job.sbatch'
export const NODES_FILE = 'slurm-nodes.txt'
/** Slurm writes the job's output here (%j: the job id). */
export const STDOUT_PATTERN = 'slurm-%j.out'
export const STDERR_PATTERN = 'slurm-%j.err'

/** A word for the shell: single-quoted, with embedded quotes closed and escaped. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/** An #SBATCH option value: sbatch reads double quotes around a value with spaces. */
function sbatchValue(s: string): string {
  if (/["\n\r]/.test(s)) throw new Error(`Cannot put ${JSON.stringify(s)} into an #SBATCH line (quotes or line breaks)`)
  return /\s/.test(s) ? `"${s}"` : s
}

/** The #SBATCH options the job asks for, in a stable order. */
export function sbatchOptions(input: Pick<ScriptInput, 'runId' | 'runDir' | 'options'>): string[] {
  const o = input.options
  const lines = [
    `--job-name=${sbatchValue(`tagbench-${input.runId}`)}`,
    `--output=${sbatchValue(`${input.runDir}/${STDOUT_PATTERN}`)}`,
    `--error=${sbatchValue(`${input.runDir}/${STDERR_PATTERN}`)}`,
    '--nodes=1',
    '--ntasks=1'
  ]
  if (o.partition) lines.push(`--partition=${o.partition}`)
  if (o.account) lines.push(`--account=${o.account}`)
  if (o.time) lines.push(`--time=${o.time}`)
  if (o.cpus) lines.push(`--cpus-per-task=${o.cpus}`)
  if (o.mem) lines.push(`--mem=${o.mem}`)
  if (o.gpus) lines.push((o.gpuFlag ?? 'gres') === 'gres' ? `--gres=gpu:${o.gpus}` : `--gpus=${o.gpus}`)
  for (const extra of o.extra ?? []) lines.push(extra)
  return lines
}

export function slurmScript(input: ScriptInput): string {
  const q = shellQuote
  const nodesFile = `${input.runDir}/${NODES_FILE}`
  return [
    '#!/bin/bash',
    `# Tagbench run ${input.runId}: ${input.runName.replace(/[\r\n]+/g, ' ')}`,
    `# Written by Tagbench at ${input.writtenAt}. Submit it again with: sbatch ${q(`${input.runDir}/${SCRIPT_NAME}`)}`,
    ...sbatchOptions(input).map((l) => `#SBATCH ${l}`),
    '',
    '# First, tell the app that this node can write to the shared run folder.',
    `echo "$SLURM_JOB_ID $(hostname) $(date -u +%Y-%m-%dT%H:%M:%SZ)" >> ${q(nodesFile)} || { echo "tagbench: cannot write to ${nodesFile.replace(/["$`\\]/g, '')}: is the data folder shared with this node?" >&2; exit 70; }`,
    '',
    ...(input.options.preamble ? ['# Preamble (the Slurm options of the data folder).', input.options.preamble, ''] : []),
    `export TAGBENCH_DATA_DIR=${q(input.dataDir)}`,
    '',
    `# Trains the run from its config.json (same seeds as locally), from its last checkpoint if it has one.`,
    `exec ${input.command} slurm-job ${q(input.runId)}`,
    ''
  ].join('\n')
}
