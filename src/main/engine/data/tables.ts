// CSV and list files of dataset folders, read with csv-parse. Rows come back with their line number so
// that every problem can point at "file.csv:12". A row the parser cannot read (an unclosed quote) is
// reported and skipped instead of ending the import.
import fs from 'node:fs'
import { parse } from 'csv-parse'
import type { ImportProblem } from '../../../shared/types'
import { makeBreather } from './breathe'

// Line endings are given explicitly: csv-parse otherwise guesses them from the first line, and a file
// whose header ends in CRLF but whose rows end in LF (seen in real exports) would read as one long row.
const LINE_ENDINGS = ['\r\n', '\n', '\r']

export interface CsvRow {
  /** 1-based line where the row ends in the file. */
  line: number
  cells: string[]
}

export interface CsvTable {
  /** Lower-cased, trimmed header names; empty when read with header: false. */
  header: string[]
  rows: CsvRow[]
}

/**
 * Reads a whole CSV file. `where` is the name used in problems (relative to the dataset root).
 * Streaming keeps a 50,000-row table from holding the event loop in one long parse.
 */
export async function readCsv(file: string, where: string, problems: ImportProblem[], opts: { header: boolean; signal?: AbortSignal }): Promise<CsvTable> {
  const parser = fs.createReadStream(file).pipe(
    parse({
      bom: true,
      record_delimiter: LINE_ENDINGS,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        problems.push({ where: `${where}:${err?.lines ?? '?'}`, kind: 'malformed-row', message: `Unreadable CSV: ${err?.message ?? 'parse error'}; rest of the file skipped from here` })
        return undefined
      }
    })
  )
  const rows: CsvRow[] = []
  const breathe = makeBreather()
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (opts.signal?.aborted) {
        parser.destroy()
        opts.signal.throwIfAborted()
      }
      rows.push({ line: rec.info.lines, cells: rec.record })
      await breathe()
    }
  } catch (err) {
    if (opts.signal?.aborted) throw err
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`)
  }
  if (!opts.header) return { header: [], rows }
  const first = rows.shift()
  return { header: first ? first.cells.map((h) => h.toLowerCase()) : [], rows }
}

/** Only the header line of a CSV (for layout detection), or null if the file cannot be read. */
export async function readCsvHeader(file: string): Promise<string[] | null> {
  try {
    const parser = fs.createReadStream(file, { end: 64 * 1024 }).pipe(parse({ bom: true, record_delimiter: LINE_ENDINGS, trim: true, to_line: 1, relax_column_count: true, relax_quotes: true }))
    for await (const rec of parser as AsyncIterable<string[]>) return rec.map((h) => h.toLowerCase())
  } catch {
    return null
  }
  return null
}

/** A plain list file (Speech Commands' validation_list.txt): one entry per non-empty line. */
export async function readListFile(file: string): Promise<{ line: number; entry: string }[]> {
  const text = await fs.promises.readFile(file, 'utf8')
  return text
    .split(/\r?\n/)
    .map((entry, i) => ({ line: i + 1, entry: entry.trim() }))
    .filter((x) => x.entry.length > 0)
}

/** Splits a labels cell ("a,b,c" once the CSV quoting is removed) into distinct label names. */
export function splitLabels(cell: string): string[] {
  return [...new Set(cell.split(',').map((s) => s.trim()).filter((s) => s.length > 0))]
}
