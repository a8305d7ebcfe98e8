// Slurm job options: checked field by field (the message names the field and the value), and kept
// per data folder in <data>/slurm.json, so that a user types the partition, account and module
// lines once and every later experiment starts from them.
import fs from 'node:fs'
import path from 'node:path'
import type { SlurmOptions } from '../../../../shared/types'
import { readJsonSync, writeJsonAtomicSync } from '../../io/fsutil'
import { dataDir } from '../../platform/paths'

export const DEFAULT_START_DEADLINE_MINUTES = 10

const NAME = /^[A-Za-z0-9_.:+-]+$/
// Slurm's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S (sbatch(1) --time).
const TIME = /^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$/
const MEM = /^\d+[KMGT]?$/i
const GPUS = /^([A-Za-z0-9_.-]+:)?\d+$/

/** The options with every field checked; throws naming the first bad one. Empty strings count as unset. */
export function checkSlurmOptions(raw: SlurmOptions): SlurmOptions {
  const o: SlurmOptions = {}
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : v == null ? '' : String(v))
  const bad = (field: string, value: unknown, want: string) => new Error(`Slurm option ${field}: "${String(value)}" is not ${want}`)
  for (const field of ['partition', 'account'] as const) {
    const v = str(raw[field])
    if (!v) continue
    if (!NAME.test(v)) throw bad(field, v, 'a Slurm name (letters, digits, _ . : + -)')
    o[field] = v
  }
  const time = str(raw.time)
  if (time) {
    if (!TIME.test(time)) throw bad('time', time, 'a Slurm time limit (minutes, HH:MM:SS or D-HH:MM)')
    o.time = time
  }
  if (raw.cpus != null && str(raw.cpus) !== '') {
    const n = Number(raw.cpus)
    if (!Number.isInteger(n) || n < 1) throw bad('cpus', raw.cpus, 'a positive integer')
    o.cpus = n
  }
  const mem = str(raw.mem)
  if (mem) {
    if (!MEM.test(mem)) throw bad('mem', mem, 'a memory size such as 16G or 4000M')
    o.mem = mem.toUpperCase()
  }
  const gpus = str(raw.gpus)
  if (gpus && gpus !== '0') {
    if (!GPUS.test(gpus)) throw bad('gpus', gpus, 'a GPU count or type:count (1, a100:2)')
    o.gpus = gpus
  }
  if (raw.gpuFlag != null) {
    if (raw.gpuFlag !== 'gres' && raw.gpuFlag !== 'gpus') throw bad('gpuFlag', raw.gpuFlag, "'gres' or 'gpus'")
    o.gpuFlag = raw.gpuFlag
  }
  const extra = (raw.extra ?? []).map(str).filter(Boolean)
  for (const line of extra) {
    // Each becomes one #SBATCH line: an option, nothing a shell would run.
    if (!/^--?[A-Za-z]/.test(line) || /[\n\r]/.test(line)) throw bad('extra', line, 'an sbatch option such as --qos=long')
  }
  if (extra.length) o.extra = extra
  const preamble = typeof raw.preamble === 'string' ? raw.preamble.replace(/\r\n?/g, '\n').trim() : ''
  if (preamble) o.preamble = preamble
  const command = str(raw.command)
  if (command) {
    if (/[\n\r]/.test(command)) throw bad('command', command, 'one line')
    o.command = command
  }
  if (raw.startDeadlineMinutes != null && str(raw.startDeadlineMinutes) !== '') {
    const n = Number(raw.startDeadlineMinutes)
    if (!Number.isFinite(n) || n <= 0) throw bad('startDeadlineMinutes', raw.startDeadlineMinutes, 'a positive number of minutes')
    o.startDeadlineMinutes = n
  }
  return o
}

const optionsFile = () => path.join(dataDir(), 'slurm.json')

/** The options last used with this data folder ({} before the first Slurm experiment). */
export function loadSlurmOptions(): SlurmOptions {
  const file = optionsFile()
  if (!fs.existsSync(file)) return {}
  try {
    return checkSlurmOptions(readJsonSync<SlurmOptions>(file))
  } catch {
    // A hand-edited file that no longer passes: start from nothing rather than refuse to start.
    return {}
  }
}

export function saveSlurmOptions(options: SlurmOptions): SlurmOptions {
  const checked = checkSlurmOptions(options)
  writeJsonAtomicSync(optionsFile(), checked)
  return checked
}
