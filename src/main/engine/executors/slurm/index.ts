// The Slurm executor: one batch job per run. Submitting writes the run's job script (script.ts) into
// its folder and hands it to sbatch; the job trains on a node against the shared data folder and
// writes the run store as a local run would. The app learns what became of each job by asking
// squeue / scontrol / sacct (commands.ts) and reconciling (state.ts) with the run store, and records
// it in the run's slurm.json. All state lives in the run store, so a closed and re-opened app (or a
// CLI on a login node) finds the jobs again.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import type { SlurmOptions, SlurmRunInfo } from '../../../../shared/types'
import { writeFileAtomicSync } from '../../io/fsutil'
import { dataDir } from '../../platform/paths'
import { appendLog, checkpointDir, readRunState, readSlurmRecord, runDir, slurmJobActive, updateRunStatus, writeSlurmRecord } from '../../runs/store'
import type { BatchExecutor } from '../types'
import { onPath, queryJobs, sbatch, sbatchTestOnly, scancel, SlurmCommandError } from './commands'
import { checkSlurmOptions, DEFAULT_START_DEADLINE_MINUTES } from './options'
import { NODES_FILE, SCRIPT_NAME, shellQuote, slurmScript, STDERR_PATTERN, STDOUT_PATTERN } from './script'
import { reconcile } from './state'

/** This installation's tagbench command, for nodes that share its filesystem. */
export function defaultTagbenchCommand(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  let bin = 'tagbench'
  for (let i = 0; i < 8; i++) {
    const p = path.join(dir, 'bin', 'tagbench.mjs')
    if (fs.existsSync(p)) {
      bin = p
      break
    }
    dir = path.dirname(dir)
  }
  if (bin === 'tagbench') return 'tagbench'
  // Inside Electron, process.execPath is the app, not node: use the node the preamble puts on the PATH.
  const node = process.versions.electron ? 'node' : process.execPath
  return `${shellQuote(node)} ${shellQuote(bin)}`
}

const nowIso = () => new Date().toISOString()

function scriptFor(runId: string, dir: string, options: SlurmOptions): string {
  return slurmScript({
    runId,
    runName: readRunState(runId).name,
    runDir: dir,
    dataDir: dataDir(),
    options,
    command: options.command ?? defaultTagbenchCommand(),
    writtenAt: nowIso()
  })
}

/** When the node of `jobId` first wrote to the run folder (its line in slurm-nodes.txt), or null. */
function nodeWroteAt(runId: string, jobId: string): string | null {
  let text: string
  try {
    text = fs.readFileSync(path.join(runDir(runId), NODES_FILE), 'utf8')
  } catch {
    return null
  }
  const line = text.split('\n').find((l) => l.split(' ')[0] === jobId)
  return line ? (line.split(' ')[2] ?? nowIso()) : null
}

function tail(file: string, lines = 8): string {
  try {
    const text = fs.readFileSync(file, 'utf8')
    return text.split('\n').filter((l) => l.trim()).slice(-lines).join('\n')
  } catch {
    return ''
  }
}

function hasCheckpoint(runId: string): boolean {
  return fs.existsSync(checkpointDir(runId, 'last'))
}

/** Slurm's answer to a refused submission, for the run: "Invalid partition name specified". */
function refusal(err: unknown): string {
  const text = err instanceof SlurmCommandError ? err.message : (err as Error).message
  return text
    .split('\n')
    .map((l) => l.replace(/^sbatch: error: /, '').trim())
    .filter(Boolean)
    .join('; ')
}

export const slurmExecutor: BatchExecutor<SlurmOptions> = {
  kind: 'slurm',
  label: 'Slurm',

  async unavailable() {
    for (const cmd of ['sbatch', 'squeue', 'scancel']) if (!onPath(cmd)) return `${cmd} is not on the PATH: run Tagbench on a machine with Slurm's commands (a login node), or add them to the PATH`
    return null
  },

  async check(runId, raw) {
    const why = await this.unavailable()
    if (why) throw new Error(why)
    const options = checkSlurmOptions(raw)
    // A throwaway copy of the script, so that nothing in the run folder changes.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-sbatch-'))
    try {
      const script = path.join(tmp, SCRIPT_NAME)
      fs.writeFileSync(script, scriptFor(runId, runDir(runId), options))
      await sbatchTestOnly(script, tmp)
    } catch (err) {
      throw new Error(`Slurm would refuse the jobs: ${refusal(err)}`)
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  },

  async submit(runId, raw) {
    const options = checkSlurmOptions(raw)
    const state = readRunState(runId)
    if (state.status === 'done') throw new Error(`Run ${runId} has already finished`)
    const previous = readSlurmRecord(runId)
    if (slurmJobActive(previous)) throw new Error(`Run ${runId} already has Slurm job ${previous!.jobId} (${previous!.state}); cancel it first`)
    const dir = runDir(runId)
    const script = path.join(dir, SCRIPT_NAME)
    writeFileAtomicSync(script, scriptFor(runId, dir, options))
    fs.chmodSync(script, 0o755)
    const base = { script, submittedAt: nowIso(), jobs: previous?.jobs ?? [], checkedAt: nowIso(), startDeadlineMinutes: options.startDeadlineMinutes ?? DEFAULT_START_DEADLINE_MINUTES }
    let jobId: string
    try {
      jobId = await sbatch(script, dir)
    } catch (err) {
      const message = `Slurm refused the job: ${refusal(err)}`
      writeSlurmRecord(runId, { ...base, jobId: '', state: 'REJECTED', stdout: '', stderr: '', message })
      updateRunStatus(runId, { status: 'failed', failure: message })
      appendLog(runId, message)
      throw new Error(`Run ${runId}: ${message}`)
    }
    const info: SlurmRunInfo = {
      ...base,
      jobId,
      state: 'PENDING',
      stdout: path.join(dir, STDOUT_PATTERN.replace('%j', jobId)),
      stderr: path.join(dir, STDERR_PATTERN.replace('%j', jobId)),
      jobs: [...base.jobs, jobId]
    }
    writeSlurmRecord(runId, info)
    // A resubmitted run waits again: not failed or interrupted while its new job is pending.
    if (state.status !== 'queued') updateRunStatus(runId, { status: 'queued', failure: undefined, endedAt: null })
    appendLog(runId, `Submitted to Slurm as job ${jobId} (${script})`)
    return { jobId }
  },

  async refresh(runIds) {
    const records = new Map<string, SlurmRunInfo>()
    for (const id of runIds) {
      const info = readSlurmRecord(id)
      if (!info?.jobId) continue
      let raw: string
      try {
        raw = readRunState(id).status
      } catch {
        continue // deleted meanwhile
      }
      // Ended jobs need no more asking, unless the run store still thinks the run is working.
      if (slurmJobActive(info) || raw === 'queued' || raw === 'running') records.set(id, info)
    }
    if (records.size === 0) return []
    const jobs = await queryJobs([...new Set([...records.values()].map((r) => r.jobId))])
    const changed: string[] = []
    const toCancel: string[] = []
    const now = new Date()
    for (const [id, info] of records) {
      let state: ReturnType<typeof readRunState>
      try {
        state = readRunState(id)
      } catch {
        continue // deleted meanwhile
      }
      const result = reconcile({
        info,
        job: jobs.get(info.jobId) ?? null,
        run: { status: state.status, epochsDone: state.epochsDone, hasCheckpoint: hasCheckpoint(id), dir: runDir(id) },
        nodeWroteAt: nodeWroteAt(id, info.jobId),
        stderrTail: tail(info.stderr),
        now,
        deadlineMinutes: info.startDeadlineMinutes ?? DEFAULT_START_DEADLINE_MINUTES
      })
      const { checkedAt: _a, ...before } = info
      const { checkedAt: _b, ...after } = result.info
      writeSlurmRecord(id, result.info)
      if (result.patch) {
        updateRunStatus(id, result.patch)
        if (result.patch.failure) appendLog(id, result.patch.failure)
      }
      if (result.cancel) toCancel.push(result.info.jobId)
      if (result.patch || JSON.stringify(before) !== JSON.stringify(after)) changed.push(id)
    }
    if (toCancel.length) await scancel(toCancel)
    return changed
  },

  async cancel(runIds) {
    const ids: string[] = []
    const cancelled: string[] = []
    for (const id of runIds) {
      const info = readSlurmRecord(id)
      if (slurmJobActive(info)) {
        ids.push(info!.jobId)
        cancelled.push(id)
      }
    }
    await scancel(ids)
    for (const id of cancelled) {
      const raw = readRunState(id).status
      if (raw === 'queued' || raw === 'running') updateRunStatus(id, { status: 'cancelled', failure: `Cancelled: Slurm job ${readSlurmRecord(id)!.jobId} stopped with scancel` })
      writeSlurmRecord(id, { ...readSlurmRecord(id)!, state: 'CANCELLED', reason: undefined, message: 'Cancelled with scancel', checkedAt: nowIso() })
      appendLog(id, `Cancelled Slurm job ${readSlurmRecord(id)!.jobId}`)
    }
    return cancelled
  },

  watching(runId) {
    const info = readSlurmRecord(runId)
    if (!info?.jobId) return false
    if (slurmJobActive(info)) return true
    try {
      const raw = readRunState(runId).status
      return raw === 'queued' || raw === 'running'
    } catch {
      return false // deleted
    }
  }
}
