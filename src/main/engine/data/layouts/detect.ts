// Tells a dataset folder's layout from its marker files, most specific first.
import fs from 'node:fs'
import path from 'node:path'
import type { DatasetLayout } from '../../../../shared/types'
import { findClipTables } from './csv'
import { isEsc50 } from './esc50'
import { isFsd50k } from './fsd50k'
import { isSpeechCommands } from './speechcommands'
import { findFrameLabelDir } from './frameLabels'

export async function detectLayout(root: string): Promise<DatasetLayout> {
  if (isFsd50k(root)) return 'fsd50k'
  if (isEsc50(root)) return 'esc50'
  if (isSpeechCommands(root)) return 'speechcommands'
  if ((await findClipTables(root)).length > 0) return 'csv'
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

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
