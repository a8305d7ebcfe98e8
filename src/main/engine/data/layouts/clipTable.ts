// Reads a `fname,labels[,split]` table (the generic CSV layout and FSD50K's dev.csv/eval.csv) into
// clips. Each bad row becomes a problem and is skipped; the others go on.
import path from 'node:path'
import type { SplitName } from '../../../../shared/types'
import { makeBreather } from '../breathe'
import { escapeReason } from '../files'
import { readCsv, splitLabels } from '../tables'
import type { ScanContext, ScannedClip } from './types'

const SPLIT_NAMES: Record<string, SplitName> = { train: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', eval: 'test' }

function parseSplit(value: string): SplitName | null {
  return SPLIT_NAMES[value.trim().toLowerCase()] ?? null
}

export interface ClipTableOptions {
  /** Folders (relative to the root) a file name is looked up in, in order; '' is the root. */
  baseDirs: string[]
  /** Known classes; labels outside it are reported and dropped. Null: every label is a class. */
  vocabulary: Set<string> | null
  /** Split for every row (FSD50K eval.csv = test); otherwise from the split column if there is one. */
  fixedSplit?: SplitName
  /** Files already taken by an earlier table, so a file listed twice is reported once. */
  seen: Set<string>
}

export async function readClipTable(file: string, ctx: ScanContext, opts: ClipTableOptions): Promise<ScannedClip[]> {
  const where = path.relative(ctx.root, file).split(path.sep).join('/')
  const { header, rows } = await readCsv(file, where, ctx.problems, { header: true, signal: ctx.signal })
  const col = (name: string): number => header.indexOf(name)
  const iName = col('fname')
  const iLabels = col('labels')
  const iSplit = opts.fixedSplit ? -1 : col('split')
  if (iName < 0 || iLabels < 0) throw new Error(`${file} has no "fname" and "labels" columns (header: ${header.join(',') || 'empty'})`)
  const clips: ScannedClip[] = []
  const breathe = makeBreather()
  for (const { line, cells } of rows) {
    await breathe()
    const at = `${where}:${line}`
    if (cells.length !== header.length) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: `Expected ${header.length} columns, found ${cells.length}; row skipped` })
      continue
    }
    const fname = cells[iName]
    if (!fname) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: 'Empty fname; row skipped' })
      continue
    }
    const escape = escapeReason(fname)
    if (escape) {
      ctx.problems.push({ where: at, kind: 'escapes-root', message: `"${fname}" ${escape}; row skipped` })
      continue
    }
    let split: SplitName | undefined = opts.fixedSplit
    if (iSplit >= 0) {
      const parsed = parseSplit(cells[iSplit])
      if (!parsed) {
        ctx.problems.push({ where: at, kind: 'malformed-row', message: `Unknown split "${cells[iSplit]}" (expected train, val or test); row skipped` })
        continue
      }
      split = parsed
    }
    const all = splitLabels(cells[iLabels])
    if (all.length === 0) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: `No labels for "${fname}"; row skipped` })
      continue
    }
    const rel = ctx.index.resolve(fname, opts.baseDirs)
    if (!rel) {
      ctx.problems.push({ where: at, kind: 'missing-file', message: `No audio file for "${fname}" (looked in ${opts.baseDirs.map((d) => d || '.').join(', ')}); row skipped` })
      continue
    }
    if (opts.seen.has(rel)) {
      ctx.problems.push({ where: at, kind: 'duplicate-row', message: `${rel} is listed again; kept the first row` })
      continue
    }
    const labels = opts.vocabulary ? all.filter((l) => opts.vocabulary!.has(l)) : all
    for (const l of all) if (!labels.includes(l)) ctx.problems.push({ where: at, kind: 'unknown-label', message: `Label "${l}" is not in the vocabulary; dropped from ${rel}` })
    if (labels.length === 0) continue
    opts.seen.add(rel)
    clips.push({ path: rel, labels, split })
  }
  return clips
}
