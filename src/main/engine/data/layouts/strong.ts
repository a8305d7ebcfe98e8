// Strong labels: root-level CSV files with `fname,onset,offset,label` rows (seconds), such as
// events.csv, attached to a dataset of any layout. They say when each class sounds in a clip, and
// become frame-level targets through frameTargets (../frames).
import fs from 'node:fs'
import path from 'node:path'
import type { StrongEvent } from '../../../../shared/types'
import { makeBreather } from '../breathe'
import { escapeReason } from '../files'
import { readCsv, readCsvHeader } from '../tables'
import type { ScanContext } from './types'

const STRONG_COLUMNS = ['fname', 'onset', 'offset', 'label']

export async function findStrongTables(root: string): Promise<string[]> {
  const names = (await fs.promises.readdir(root)).filter((n) => n.toLowerCase().endsWith('.csv')).sort()
  const found: string[] = []
  for (const name of names) {
    const header = await readCsvHeader(path.join(root, name))
    if (header && STRONG_COLUMNS.every((c) => header.includes(c))) found.push(name)
  }
  return found
}

/**
 * Events of the given tables that name a clip of the dataset and one of its classes. Rows with a bad
 * onset/offset, unknown files or labels, or repeated exactly, are reported and skipped.
 */
export async function readStrongLabels(ctx: ScanContext, tables: string[], clips: Set<string>, classNames: string[], baseDirs: string[]): Promise<StrongEvent[]> {
  const known = new Set(classNames)
  const events: StrongEvent[] = []
  const seen = new Set<string>()
  const breathe = makeBreather()
  for (const table of tables) {
    let parsed: Awaited<ReturnType<typeof readCsv>>
    try {
      parsed = await readCsv(path.join(ctx.root, table), table, ctx.problems, { header: true, signal: ctx.signal })
    } catch (err) {
      // Strong labels are extra: a table that cannot be read leaves the clips as they are.
      ctx.signal?.throwIfAborted()
      ctx.problems.push({ where: table, kind: 'other', message: `${(err as Error).message}; strong labels from it skipped` })
      continue
    }
    const { header, rows } = parsed
    const [iName, iOn, iOff, iLabel] = STRONG_COLUMNS.map((c) => header.indexOf(c))
    for (const { line, cells } of rows) {
      await breathe()
      const at = `${table}:${line}`
      if (cells.length !== header.length) {
        ctx.problems.push({ where: at, kind: 'malformed-row', message: `Expected ${header.length} columns, found ${cells.length}; event skipped` })
        continue
      }
      const onset = cells[iOn] === '' ? NaN : Number(cells[iOn])
      const offset = cells[iOff] === '' ? NaN : Number(cells[iOff])
      if (!Number.isFinite(onset) || !Number.isFinite(offset) || onset < 0 || offset <= onset) {
        ctx.problems.push({ where: at, kind: 'malformed-row', message: `Bad onset/offset "${cells[iOn]}"/"${cells[iOff]}" (need 0 <= onset < offset, in seconds); event skipped` })
        continue
      }
      const fname = cells[iName]
      const escape = escapeReason(fname)
      if (escape) {
        ctx.problems.push({ where: at, kind: 'escapes-root', message: `"${fname}" ${escape}; event skipped` })
        continue
      }
      const rel = ctx.index.resolve(fname, baseDirs)
      if (!rel || !clips.has(rel)) {
        ctx.problems.push({ where: at, kind: 'missing-file', message: `"${fname}" is not a clip of this dataset; event skipped` })
        continue
      }
      const label = cells[iLabel]
      if (!known.has(label)) {
        ctx.problems.push({ where: at, kind: 'unknown-label', message: `Label "${label}" is not a class of this dataset; event skipped` })
        continue
      }
      const key = `${rel}\t${onset}\t${offset}\t${label}`
      if (seen.has(key)) {
        ctx.problems.push({ where: at, kind: 'duplicate-row', message: `Same event listed twice for ${rel}; kept one` })
        continue
      }
      seen.add(key)
      events.push({ file: rel, onset, offset, label })
    }
  }
  return events
}
