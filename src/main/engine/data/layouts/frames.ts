// Frame-labelled recordings: audio anywhere under the root (audio/, or the root itself) and a frames/
// (or labels/) folder with one per-frame label file per clip (frameLabels.ts). The clips' weak labels
// and the class list come from those files, which the importer reads after this scan; an optional
// vocabulary.csv names the columns in order, else one column is the class "event".
import fs from 'node:fs'
import path from 'node:path'
import { readVocabulary } from '../vocabulary'
import { findFrameLabelDir } from './frameLabels'
import type { LayoutScan, ScanContext } from './types'

export async function scanFrames(ctx: ScanContext): Promise<LayoutScan> {
  const dir = await findFrameLabelDir(ctx.root)
  if (dir === null) throw new Error(`${ctx.root} has no frames/ or labels/ folder with per-frame label files (.txt, .csv or .npy)`)
  const vocabFile = path.join(ctx.root, 'vocabulary.csv')
  const classNames = fs.existsSync(vocabFile) ? await readVocabulary(vocabFile, 'vocabulary.csv', ctx.problems, ctx.signal) : []
  const notes = [`Per-frame labels from ${dir}/.${classNames.length > 0 ? ` Classes from vocabulary.csv: ${classNames.join(', ')}.` : ''}`]
  return { layout: 'frames', classNames, clips: ctx.files.map((p) => ({ path: p, labels: [] })), notes, folds: null }
}
