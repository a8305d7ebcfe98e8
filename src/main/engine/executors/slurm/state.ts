// What Slurm says about a job, from squeue, scontrol or sacct (pure parsers), and what that means for
// the run (reconcile): a pending job waits with its reason; a job that ended without the run finishing
// leaves the run failed, interrupted (resumable: time limit, preemption, a lost node) or cancelled,
// with a message that says why; a RUNNING job that has not written to the shared run folder by the
// start deadline is cancelled. Nothing here runs a command or touches a file.
import type { RunStatus, SlurmRunInfo } from '../../../../shared/types'

export interface JobInfo {
  jobId: string
  state: string
  reason?: string
  node?: string
  exitCode?: string
  /** ISO time the job started running, when Slurm says. */
  startTime?: string
}

/** States in which a job may still run (or run again: REQUEUED). */
const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED', 'RESV_DEL_HOLD'])
export const isActiveState = (state: string): boolean => ACTIVE.has(state)

/** "CANCELLED by 1000" → "CANCELLED"; "" and "(null)" → undefined. */
function clean(value: string | undefined): string | undefined {
  const v = value?.trim()
  return !v || v === '(null)' || v === 'None' || v === 'N/A' || v === 'Unknown' ? undefined : v
}
const stateOf = (s: string) => s.trim().split(/\s+/)[0].toUpperCase()
/** Slurm's times are local "2026-12-04T22:23:22"; keep them as given unless they are unset. */
const timeOf = (s: string | undefined) => (s && /^\d{4}-\d\d-\d\dT/.test(s) ? new Date(s).toISOString() : undefined)

/** The squeue format these parsers read: job id, state, reason, nodes, start time. */
export const SQUEUE_FORMAT = '%i|%T|%r|%N|%S'
export const SACCT_FIELDS = 'JobID,State,Reason,NodeList,ExitCode,Start'

/** `squeue -h -t all -o '%i|%T|%r|%N|%S'` lines. */
export function parseSqueue(text: string): JobInfo[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [jobId, state, reason, node, start] = line.split('|')
      return { jobId: jobId.trim(), state: stateOf(state ?? 'UNKNOWN'), reason: clean(reason), node: clean(node), startTime: timeOf(start?.trim()) }
    })
}

/** `sacct -n -P -X -o JobID,State,Reason,NodeList,ExitCode,Start` lines (allocations only: no .batch steps). */
export function parseSacct(text: string): JobInfo[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [jobId, state, reason, node, exitCode, start] = line.split('|')
      return { jobId: jobId.trim(), state: stateOf(state ?? 'UNKNOWN'), reason: clean(reason), node: clean(node === 'None assigned' ? '' : node), exitCode: clean(exitCode), startTime: timeOf(start?.trim()) }
    })
    .filter((j) => /^\d+(_\d+)?$/.test(j.jobId))
}

/** `scontrol show job -o <id>`: one line of Key=Value pairs per job. */
export function parseScontrol(text: string): JobInfo[] {
  return text
    .split('\n')
    .filter((l) => l.includes('JobId='))
    .map((line) => {
      const kv = new Map<string, string>()
      // Values have no spaces except a few (Command, WorkDir with spaces): read Key= up to the next " Key=".
      const re = /(\S+?)=(.*?)(?= \S+?=|$)/g
      for (let m = re.exec(line); m; m = re.exec(line)) kv.set(m[1], m[2])
      return {
        jobId: kv.get('JobId') ?? '',
        state: stateOf(kv.get('JobState') ?? 'UNKNOWN'),
        reason: clean(kv.get('Reason')),
        node: clean(kv.get('NodeList')),
        exitCode: clean(kv.get('ExitCode')),
        startTime: timeOf(kv.get('StartTime'))
      }
    })
}

export interface ReconcileInput {
  info: SlurmRunInfo
  /** What Slurm says now; null when no command knows the job any more. */
  job: JobInfo | null
  /** The run as run.json stores it (not the displayed status). */
  run: { status: RunStatus; epochsDone: number; hasCheckpoint: boolean; dir: string }
  /** When the job's node was first seen writing to the run folder (slurm-nodes.txt), or null. */
  nodeWroteAt: string | null
  /** The last lines of the job's stderr file, for the message. */
  stderrTail: string
  now: Date
  deadlineMinutes: number
}

export interface ReconcileResult {
  info: SlurmRunInfo
  /** A new status (and message) for run.json, when the job's end means one. */
  patch: { status: RunStatus; failure?: string } | null
  /** Cancel the job (it missed the start deadline). */
  cancel: boolean
}

/** A job Slurm has forgotten is only trusted to be gone after this long (a just-submitted one may lag). */
const FORGOTTEN_AFTER_MS = 60_000

function progress(run: ReconcileInput['run'], resumable: boolean): string {
  if (!run.hasCheckpoint) return resumable ? 'before the run\'s first checkpoint: Resume starts it again from the beginning' : 'before the run\'s first checkpoint'
  return `after ${run.epochsDone} epoch${run.epochsDone === 1 ? '' : 's'}${resumable ? ': Resume continues from its last checkpoint' : ''}`
}

function describeEnd(job: JobInfo): { status: RunStatus; what: string } {
  const exit = job.exitCode && job.exitCode !== '0:0' ? `, exit code ${job.exitCode}` : ''
  switch (job.state) {
    case 'TIMEOUT':
      return { status: 'interrupted', what: 'reached its time limit (TIMEOUT)' }
    case 'PREEMPTED':
      return { status: 'interrupted', what: 'was preempted (PREEMPTED)' }
    case 'DEADLINE':
      return { status: 'interrupted', what: 'reached its deadline (DEADLINE)' }
    case 'NODE_FAIL':
      return { status: 'interrupted', what: `lost its node${job.node ? ` ${job.node}` : ''} (NODE_FAIL)` }
    case 'BOOT_FAIL':
      return { status: 'interrupted', what: 'could not boot its node (BOOT_FAIL)' }
    case 'CANCELLED':
      return { status: 'cancelled', what: 'was cancelled (scancel)' }
    case 'OUT_OF_MEMORY':
      return { status: 'failed', what: 'ran out of memory (OUT_OF_MEMORY): ask for more with the Slurm mem option' }
    case 'COMPLETED':
      return { status: 'failed', what: `ended (COMPLETED${exit}) but the run did not finish` }
    default:
      return { status: 'failed', what: `ended ${job.state}${exit}` }
  }
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const { job, run, now } = input
  const info: SlurmRunInfo = { ...input.info, checkedAt: now.toISOString() }
  if (input.nodeWroteAt && !info.nodeWroteAt) info.nodeWroteAt = input.nodeWroteAt
  // A trainer stopped by Slurm's SIGTERM (scancel, a time limit, a preemption) may have ended the run
  // 'cancelled' itself, not knowing why: Slurm's reason then replaces its own, once.
  const stillWorking = run.status === 'queued' || run.status === 'running' || (run.status === 'cancelled' && !input.info.message)
  const tail = input.stderrTail.trim() ? ` Last lines of ${info.stderr}:\n${input.stderrTail.trim()}` : ''

  if (!job) {
    if (!isActiveState(info.state)) return { info, patch: null, cancel: false }
    if (now.getTime() - Date.parse(info.submittedAt) < FORGOTTEN_AFTER_MS) return { info, patch: null, cancel: false }
    if (run.status === 'done') return { info: { ...info, state: 'COMPLETED', reason: undefined }, patch: null, cancel: false }
    info.state = 'UNKNOWN'
    info.reason = undefined
    info.message = `Slurm no longer knows job ${info.jobId} (it ended long enough ago that squeue and scontrol forget it, and sacct has no accounting to ask) and the run did not finish, ${progress(run, true)}.`
    return { info, patch: stillWorking ? { status: 'interrupted', failure: info.message + tail } : null, cancel: false }
  }

  info.state = job.state
  info.reason = job.reason
  if (job.node) info.node = job.node
  if (job.exitCode) info.exitCode = job.exitCode
  if (job.startTime && job.state !== 'PENDING') info.startedAt = job.startTime

  if (isActiveState(job.state)) {
    if (job.state === 'RUNNING' && !info.nodeWroteAt && info.startedAt) {
      const minutes = (now.getTime() - Date.parse(info.startedAt)) / 60_000
      if (minutes > input.deadlineMinutes) {
        info.message =
          `Job ${info.jobId} has been RUNNING on ${info.node ?? 'its node'} for ${Math.floor(minutes)} min but has not written to the run folder ${run.dir}: ` +
          `the node cannot see or write the data folder. Use a data folder on a filesystem the nodes share (NFS, Lustre, a home directory), ` +
          `or a longer start deadline. Tagbench cancelled the job.`
        return { info, patch: { status: 'failed', failure: info.message }, cancel: true }
      }
    }
    return { info, patch: null, cancel: false }
  }

  // The job has ended. The run's own status says whether the trainer finished it.
  if (run.status === 'done') {
    info.message = undefined
    return { info, patch: null, cancel: false }
  }
  const end = describeEnd(job)
  const ranOn = info.node ? ` on ${info.node}` : ''
  const resumable = end.status !== 'cancelled'
  if (!stillWorking) {
    // Already settled (by the trainer, or by us: a missed deadline); keep the message that said why.
    info.message = input.info.message ?? `Slurm job ${info.jobId}${ranOn} ${end.what}.`
    return { info, patch: null, cancel: false }
  }
  info.message = `Slurm job ${info.jobId}${ranOn} ${end.what}, ${progress(run, resumable)}.`
  return { info, patch: { status: end.status, failure: info.message + (end.status === 'cancelled' ? '' : tail) }, cancel: false }
}
