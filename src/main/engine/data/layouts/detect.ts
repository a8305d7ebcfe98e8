// Tells a dataset folder's layout from its marker files, most specific first.
import fs from 'node:fs'
import path from 'node:path'
import type { DatasetLayout } from '../../../../shared/types'
import { CLIP_TABLE_NAMES, findClipTables } from './csv'
import { readCsvHeader } from '../tables'
import { isEsc50 } from './esc50'
import { isFsd50k } from './fsd50k'
import { isSpeechCommands } from './speechcommands'
import { findFrameLabelDir } from './frameLabels'

export async function detectLayout(root: string): Promise<DatasetLayout> {
  if (isFsd50k(root)) return 'fsd50k'
  if (isEsc50(root)) return 'esc50'
  if (isSpeechCommands(root)) return 'speechcommands'
  if ((await findClipTables(root)).length > 0) return 'csv'
  // A labels table by its usual name that cannot be read as one is a mistake to report, not a hint
  // to fall back to class folders (an empty labels.csv beside audio/ would make one class "audio").
  await refuseBrokenClipTable(root)
  // A frames/ or labels/ folder of per-frame label files: the audio beside it is labelled frame by frame.
  if ((await findFrameLabelDir(root)) !== null) return 'frames'
  const entries = await fs.promises.readdir(root, { withFileTypes: true })
  const hasFolders = entries.some((e) => !e.name.startsWith('.') && (e.isDirectory() || (e.isSymbolicLink() && isDir(path.join(root, e.name)))))
  if (hasFolders) return 'folders'
  throw new Error(
    `Cannot tell the layout of ${root}: no FSD50K.ground_truth/, meta/esc50.csv, validation_list.txt or testing_list.txt, ` +
      'CSV with fname and labels columns, frames/ folder of per-frame labels, or class folders'
  )
}

async function refuseBrokenClipTable(root: string): Promise<void> {
  for (const name of await fs.promises.readdir(root)) {
    if (!CLIP_TABLE_NAMES.includes(name.toLowerCase())) continue
    const file = path.join(root, name)
    const st = await fs.promises.stat(file).catch(() => null)
    if (!st?.isFile()) continue
    if (st.size === 0) throw new Error(`${file} is empty (0 bytes): a clip table needs a header row "fname,labels[,split]" and one row per clip`)
    const header = await readCsvHeader(file)
    throw new Error(`${file} has no "fname" and "labels" columns (its header: ${header ? header.join(', ') || 'empty' : 'unreadable'}); a clip table needs a header row "fname,labels[,split]"`)
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
