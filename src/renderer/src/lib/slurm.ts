// Slurm in the UI: the form's draft of the job options (text fields as typed) and how they become
// SlurmOptions, and one short line for a run's job ("RUNNING on gpu017", "PENDING: Priority").
import type { SlurmOptions, SlurmRunInfo } from '@shared/api'

export interface SlurmDraft {
  partition: string
  account: string
  time: string
  cpus: string
  mem: string
  gpus: string
  gpuFlag: 'gres' | 'gpus'
  /** One sbatch option per line. */
  extra: string
  preamble: string
  command: string
  startDeadlineMinutes: string
}

export function slurmDraftOf(o: SlurmOptions): SlurmDraft {
  return {
    partition: o.partition ?? '',
    account: o.account ?? '',
    time: o.time ?? '',
    cpus: o.cpus != null ? String(o.cpus) : '',
    mem: o.mem ?? '',
    gpus: o.gpus ?? '',
    gpuFlag: o.gpuFlag ?? 'gres',
    extra: (o.extra ?? []).join('\n'),
    preamble: o.preamble ?? '',
    command: o.command ?? '',
    startDeadlineMinutes: o.startDeadlineMinutes != null ? String(o.startDeadlineMinutes) : ''
  }
}

/** The options as the engine takes them; it checks each field and names a bad one. */
export function slurmOptionsOf(d: SlurmDraft): SlurmOptions {
  const o: SlurmOptions = { gpuFlag: d.gpuFlag }
  const t = (s: string) => s.trim()
  if (t(d.partition)) o.partition = t(d.partition)
  if (t(d.account)) o.account = t(d.account)
  if (t(d.time)) o.time = t(d.time)
  if (t(d.cpus)) o.cpus = Number(t(d.cpus))
  if (t(d.mem)) o.mem = t(d.mem)
  if (t(d.gpus)) o.gpus = t(d.gpus)
  const extra = d.extra.split('\n').map(t).filter(Boolean)
  if (extra.length) o.extra = extra
  if (t(d.preamble)) o.preamble = d.preamble
  if (t(d.command)) o.command = t(d.command)
  if (t(d.startDeadlineMinutes)) o.startDeadlineMinutes = Number(t(d.startDeadlineMinutes))
  return o
}

/** "RUNNING on gpu017", "PENDING: Priority", "TIMEOUT on gpu017". */
export function slurmStateText(s: SlurmRunInfo): string {
  if (!s.jobId) return s.state
  const reason = s.state === 'PENDING' && s.reason ? `: ${s.reason}` : ''
  return `${s.state}${reason}${s.node && s.state !== 'PENDING' ? ` on ${s.node}` : ''}`
}
