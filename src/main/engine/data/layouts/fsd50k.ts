// FSD50K: FSD50K.ground_truth/{dev,eval,vocabulary}.csv with the audio in FSD50K.dev_audio/ and
// FSD50K.eval_audio/. dev.csv is `fname,labels,mids,split` (split train/val), eval.csv is the test
// set, and vocabulary.csv has no header (`index,label,mid`). The official splits are kept.
import fs from 'node:fs'
import path from 'node:path'
import { readVocabulary } from '../vocabulary'
import { readClipTable } from './clipTable'
import type { LayoutScan, ScanContext } from './types'

export const FSD50K_GT = 'FSD50K.ground_truth'

export const isFsd50k = (root: string): boolean =>
  fs.existsSync(path.join(root, FSD50K_GT, 'dev.csv')) || fs.existsSync(path.join(root, FSD50K_GT, 'eval.csv'))

export async function scanFsd50k(ctx: ScanContext): Promise<LayoutScan> {
  const gt = path.join(ctx.root, FSD50K_GT)
  const vocabFile = path.join(gt, 'vocabulary.csv')
  if (!fs.existsSync(vocabFile)) throw new Error(`FSD50K layout needs ${vocabFile}, which is missing`)
  const vocabulary = await readVocabulary(vocabFile, `${FSD50K_GT}/vocabulary.csv`, ctx.problems, ctx.signal)
  const known = new Set(vocabulary)
  const seen = new Set<string>()
  const clips = []
  const notes: string[] = []
  for (const [table, audioDir, fixedSplit] of [
    ['dev.csv', 'FSD50K.dev_audio', undefined],
    ['eval.csv', 'FSD50K.eval_audio', 'test']
  ] as const) {
    const file = path.join(gt, table)
    if (!fs.existsSync(file)) {
      ctx.problems.push({ where: `${FSD50K_GT}/${table}`, kind: 'missing-file', message: `${table} is missing; its clips are not in the dataset` })
      continue
    }
    clips.push(...(await readClipTable(file, ctx, { baseDirs: [audioDir], vocabulary: known, fixedSplit, seen })))
  }
  notes.push('Official FSD50K splits: dev.csv train/val, eval.csv as test.')
  return { layout: 'fsd50k', classNames: vocabulary, clips, notes, folds: null }
}
