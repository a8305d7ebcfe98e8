// Speech Commands: <word>/<speaker>_nohash_<n>.wav with validation_list.txt and/or testing_list.txt at
// the root; files in neither list are train, and _background_noise_ is not a class. The speaker (the
// part before "_nohash_") is kept as the clip's group, so that a split drawn later keeps each
// speaker's clips together, as the official lists do.
import fs from 'node:fs'
import path from 'node:path'
import type { SplitName } from '../../../../shared/types'
import { escapeReason } from '../files'
import { readListFile } from '../tables'
import type { WalkResult } from '../walk'
import { clipsByFolder } from './folders'
import type { LayoutScan, ScanContext } from './types'

export const BACKGROUND_NOISE = '_background_noise_'
const LISTS: [string, SplitName][] = [
  ['validation_list.txt', 'val'],
  ['testing_list.txt', 'test']
]

export const isSpeechCommands = (root: string): boolean => LISTS.some(([name]) => fs.existsSync(path.join(root, name)))

const speakerOf = (rel: string): string | undefined => {
  const base = path.posix.basename(rel)
  const cut = base.indexOf('_nohash_')
  return cut > 0 ? base.slice(0, cut) : undefined
}

export async function scanSpeechCommands(ctx: ScanContext, walk: Pick<WalkResult, 'emptyTopDirs'>): Promise<LayoutScan> {
  const { clips, classNames } = clipsByFolder(ctx, walk)
  const byPath = new Map(clips.map((c) => [c.path, c]))
  const listed = new Map<string, string>()
  const notes: string[] = []
  for (const [name, split] of LISTS) {
    const file = path.join(ctx.root, name)
    if (!fs.existsSync(file)) continue
    let n = 0
    for (const { line, entry } of await readListFile(file)) {
      const at = `${name}:${line}`
      const escape = escapeReason(entry)
      if (escape) {
        ctx.problems.push({ where: at, kind: 'escapes-root', message: `"${entry}" ${escape}; ignored` })
        continue
      }
      const rel = ctx.index.resolve(entry, [''])
      const clip = rel ? byPath.get(rel) : undefined
      if (!rel || !clip) {
        ctx.problems.push({ where: at, kind: 'missing-file', message: `${entry} is not an audio file in a word folder; ignored` })
        continue
      }
      const before = listed.get(rel)
      if (before) {
        ctx.problems.push({ where: at, kind: 'duplicate-row', message: `${rel} was already listed in ${before}; kept as ${clip.split}` })
        continue
      }
      listed.set(rel, at)
      clip.split = split
      n++
    }
    notes.push(`${name}: ${n} files as ${split}.`)
  }
  for (const clip of clips) {
    clip.split ??= 'train'
    clip.group = speakerOf(clip.path)
  }
  return { layout: 'speechcommands', classNames, clips, notes, folds: null }
}
