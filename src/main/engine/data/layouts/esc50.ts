// ESC-50: meta/esc50.csv (filename,fold,target,category,esc10,src_file,take) with the audio in audio/.
// Five folds for cross-validation. Each clip keeps its fold; the split follows one chosen test fold
// (see foldSplit in ../split), by default fold 5.
import fs from 'node:fs'
import path from 'node:path'
import { makeBreather } from '../breathe'
import { escapeReason } from '../files'
import { foldSplit, DEFAULT_TEST_FOLD, ESC50_FOLDS } from '../split'
import { readCsv } from '../tables'
import type { LayoutScan, ScanContext, ScannedClip } from './types'

export const ESC50_META = 'meta/esc50.csv'

export const isEsc50 = (root: string): boolean => fs.existsSync(path.join(root, ESC50_META))

export async function scanEsc50(ctx: ScanContext): Promise<LayoutScan> {
  const { header, rows } = await readCsv(path.join(ctx.root, ESC50_META), ESC50_META, ctx.problems, { header: true, signal: ctx.signal })
  const [iFile, iFold, iTarget, iCategory] = ['filename', 'fold', 'target', 'category'].map((c) => header.indexOf(c))
  if (Math.min(iFile, iFold, iTarget, iCategory) < 0) throw new Error(`${path.join(ctx.root, ESC50_META)} needs filename, fold, target and category columns (header: ${header.join(',')})`)
  const byTarget = new Map<number, string>()
  const seen = new Set<string>()
  const clips: ScannedClip[] = []
  const breathe = makeBreather()
  for (const { line, cells } of rows) {
    await breathe()
    const at = `${ESC50_META}:${line}`
    if (cells.length !== header.length) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: `Expected ${header.length} columns, found ${cells.length}; row skipped` })
      continue
    }
    const fold = Number(cells[iFold])
    const target = Number(cells[iTarget])
    const category = cells[iCategory]
    if (!ESC50_FOLDS.includes(fold) || !Number.isInteger(target) || target < 0 || !category) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: `Bad fold "${cells[iFold]}", target "${cells[iTarget]}" or category "${category}"; row skipped` })
      continue
    }
    const known = byTarget.get(target)
    if (known !== undefined && known !== category) {
      ctx.problems.push({ where: at, kind: 'malformed-row', message: `Target ${target} is "${known}" elsewhere but "${category}" here; row skipped` })
      continue
    }
    const escape = escapeReason(cells[iFile])
    if (escape) {
      ctx.problems.push({ where: at, kind: 'escapes-root', message: `"${cells[iFile]}" ${escape}; row skipped` })
      continue
    }
    const rel = ctx.index.resolve(cells[iFile], ['audio'])
    if (!rel) {
      ctx.problems.push({ where: at, kind: 'missing-file', message: `audio/${cells[iFile]} not found; row skipped` })
      continue
    }
    if (seen.has(rel)) {
      ctx.problems.push({ where: at, kind: 'duplicate-row', message: `${rel} is listed again; kept the first row` })
      continue
    }
    seen.add(rel)
    byTarget.set(target, category)
    clips.push({ path: rel, labels: [category], fold, split: foldSplit(fold, DEFAULT_TEST_FOLD) })
  }
  const classNames = [...byTarget].sort((a, b) => a[0] - b[0]).map(([, c]) => c)
  const notes = [`Split by folds: test = fold ${DEFAULT_TEST_FOLD}, val = fold ${foldSplitVal(DEFAULT_TEST_FOLD)}, train = the other three. Pick another test fold for cross-validation.`]
  return { layout: 'esc50', classNames, clips, notes, folds: [...ESC50_FOLDS] }
}

const foldSplitVal = (testFold: number): number => ESC50_FOLDS.find((f) => foldSplit(f, testFold) === 'val')!
