// Slurm's own commands, run with execFile (no shell): sbatch to submit, squeue / scontrol / sacct to
// look jobs up, scancel to stop them, sinfo for the partitions. Each failure becomes an Error with
// Slurm's own message ("sbatch: error: Batch job submission failed: Invalid partition name specified").
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { isActiveState, parseSacct, parseScontrol, parseSqueue, SACCT_FIELDS, SQUEUE_FORMAT, type JobInfo } from './state'

const TIMEOUT_MS = 60_000

/** The full path of an executable on the PATH, or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const p = path.join(dir, command)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      // not here
    }
  }
  return null
}

export class SlurmCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly code: number | string | null
  ) {
    super(message)
  }
}

/** Run a Slurm command; resolves with stdout, rejects with its stderr as the message. */
export function slurmCommand(command: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: opts.cwd, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(String(stdout))
      const code = (err as NodeJS.ErrnoException).code ?? null
      if (code === 'ENOENT') return reject(new SlurmCommandError(`${command} is not on the PATH: Slurm's commands are needed to use a Slurm cluster from here`, '', code))
      const text = String(stderr).trim() || err.message
      reject(new SlurmCommandError(text, String(stderr), typeof code === 'number' ? code : ((err as { code?: number }).code ?? null)))
    })
  })
}

/** Submit a batch script; returns the job id (sbatch --parsable prints "id" or "id;cluster"). */
export async function sbatch(script: string, cwd: string): Promise<string> {
  const out = await slurmCommand('sbatch', ['--parsable', script], { cwd })
  const jobId = out.trim().split(';')[0]
  if (!/^\d+$/.test(jobId)) throw new SlurmCommandError(`sbatch printed no job id: ${JSON.stringify(out.trim())}`, '', null)
  return jobId
}

/** Ask the scheduler whether it would take this script (sbatch --test-only); submits nothing. */
export async function sbatchTestOnly(script: string, cwd: string): Promise<void> {
  await slurmCommand('sbatch', ['--test-only', script], { cwd })
}

export async function scancel(jobIds: string[]): Promise<void> {
  if (jobIds.length) await slurmCommand('scancel', jobIds)
}

/** "Invalid job id specified": none of the ids is known (squeue and scontrol say so with an error). */
const unknownJob = (err: unknown) => err instanceof SlurmCommandError && /Invalid job id/i.test(err.message)

/**
 * What Slurm knows about these jobs: squeue first (pending, running and recently ended jobs), then
 * scontrol for any it did not list, then sacct when accounting is on. Jobs no command knows are absent.
 */
export async function queryJobs(jobIds: string[]): Promise<Map<string, JobInfo>> {
  const found = new Map<string, JobInfo>()
  if (jobIds.length === 0) return found
  try {
    for (const j of parseSqueue(await slurmCommand('squeue', ['-h', '-t', 'all', '-j', jobIds.join(','), '-o', SQUEUE_FORMAT]))) found.set(j.jobId, j)
  } catch (err) {
    if (!unknownJob(err)) throw err
  }
  // squeue has no exit code: ask scontrol about jobs that ended (and any squeue did not list).
  let missing = jobIds.filter((id) => !found.has(id) || !isActiveState(found.get(id)!.state))
  for (const id of missing) {
    try {
      for (const j of parseScontrol(await slurmCommand('scontrol', ['show', 'job', '-o', id]))) if (j.jobId === id) found.set(id, j)
    } catch (err) {
      if (!unknownJob(err)) throw err
    }
  }
  missing = jobIds.filter((id) => !found.has(id))
  if (missing.length && onPath('sacct')) {
    try {
      for (const j of parseSacct(await slurmCommand('sacct', ['-n', '-P', '-X', '-j', missing.join(','), '-o', SACCT_FIELDS]))) found.set(j.jobId, j)
    } catch {
      // "Slurm accounting storage is disabled": many clusters run without it; squeue is all there is.
    }
  }
  return found
}

/** Partitions (the default one first, its '*' removed). */
export async function partitions(): Promise<string[]> {
  const out = await slurmCommand('sinfo', ['-h', '-o', '%P'])
  const names = out.split('\n').map((l) => l.trim()).filter(Boolean)
  const def = names.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1))
  return [...def, ...names.filter((n) => !n.endsWith('*'))]
}

export async function slurmVersion(): Promise<string> {
  return (await slurmCommand('sbatch', ['--version'])).trim()
}
