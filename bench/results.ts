// What every bench records the same way: the median of the timed steps, the load average, and
// results appended (never overwritten) to a dated file under bench/results/, one JSON object per
// line, each with its own timestamp and the command that made it.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeError } from '../src/main/engine/io/fsutil'

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results')

/** The median of the timed values (the figure every bench quotes: one slow step on a shared
 *  machine moves it less than it moves a mean, and unlike a minimum it is what a user typically gets). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d

/** 1-, 5- and 15-minute load averages, rounded. */
export const loadAvg = (): [number, number, number] => os.loadavg().map((v) => round(v, 2)) as [number, number, number]

/** YYYY-MM-DD in local time (the day a person running the bench would name). */
export function localDay(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** Appends one record as a line of `bench/results/<day><suffix>.jsonl` and fsyncs it. Earlier lines
 *  are never rewritten: a second run the same day adds a line, it does not replace the first. */
export function appendResult<T extends { date: string }>(record: T, suffix = ''): string {
  const file = path.join(RESULTS_DIR, `${localDay(new Date(record.date))}${suffix}.jsonl`)
  let fd: number | null = null
  try {
    fs.mkdirSync(RESULTS_DIR, { recursive: true })
    // One write(2) of one line on an O_APPEND file: two runs appending at once cannot interleave.
    fd = fs.openSync(file, 'a')
    fs.writeSync(fd, JSON.stringify(record) + '\n')
    fs.fsyncSync(fd)
  } catch (err) {
    throw writeError(file, err)
  } finally {
    if (fd !== null) fs.closeSync(fd)
  }
  return file
}

/** The command line as typed, for the record (so every figure can name what made it). */
export function commandLine(script: string, args = process.argv.slice(2)): string {
  return [script, ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ')
}
