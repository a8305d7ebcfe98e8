// Generic CSV layout: a `fname,labels[,split]` table at the root beside the audio (in a folder such as
// audio/, or the root itself). fname may carry its extension or not. An optional vocabulary.csv fixes
// the class list and its order; without it every label seen is a class, sorted by name.
import fs from 'node:fs'
import path from 'node:path'
import { readCsvHeader } from '../tables'
import { readVocabulary } from '../vocabulary'
import { readClipTable } from './clipTable'
import type { LayoutScan, ScanContext } from './types'

/** The usual names of a clip table, the preferred first. */
export const CLIP_TABLE_NAMES = ['ground_truth.csv', 'labels.csv', 'metadata.csv', 'meta.csv']
const PREFERRED = CLIP_TABLE_NAMES

/** Root-level CSV files whose header has fname and labels, the preferred name first. */
export async function findClipTables(root: string): Promise<string[]> {
  const names = (await fs.promises.readdir(root)).filter((n) => n.toLowerCase().endsWith('.csv') && n.toLowerCase() !== 'vocabulary.csv').sort()
  const found: string[] = []
  for (const name of names) {
    const header = await readCsvHeader(path.join(root, name))
    if (header && header.includes('fname') && header.includes('labels')) found.push(name)
  }
  const rank = (n: string): number => (PREFERRED.includes(n.toLowerCase()) ? PREFERRED.indexOf(n.toLowerCase()) : PREFERRED.length)
  return found.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** Folders a bare file name is looked up in: audio/ first, then the root, then other top folders with audio. */
export function audioBaseDirs(files: string[]): string[] {
  const tops = [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))].sort()
  const audio = tops.filter((t) => t.toLowerCase() === 'audio')
  return [...audio, '', ...tops.filter((t) => t.toLowerCase() !== 'audio')]
}

export async function scanCsv(ctx: ScanContext): Promise<LayoutScan> {
  const tables = await findClipTables(ctx.root)
  if (tables.length === 0) throw new Error(`No CSV with "fname" and "labels" columns in ${ctx.root}`)
  const notes = [`Labels from ${tables[0]}.`]
  if (tables.length > 1) notes.push(`Also found ${tables.slice(1).join(', ')} with the same columns; not used.`)
  const vocabFile = path.join(ctx.root, 'vocabulary.csv')
  const vocabulary = fs.existsSync(vocabFile) ? await readVocabulary(vocabFile, 'vocabulary.csv', ctx.problems, ctx.signal) : null
  const clips = await readClipTable(path.join(ctx.root, tables[0]), ctx, {
    baseDirs: audioBaseDirs(ctx.files),
    vocabulary: vocabulary ? new Set(vocabulary) : null,
    seen: new Set()
  })
  const classNames = vocabulary ?? [...new Set(clips.flatMap((c) => c.labels))].sort()
  return { layout: 'csv', classNames, clips, notes, folds: null }
}
