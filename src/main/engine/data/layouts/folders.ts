// Folders-per-class: <root>/<class>/<file> (deeper sub-folders count for their top folder), one label
// per clip. Also the basis of the Speech Commands layout.
import type { WalkResult } from '../walk'
import type { LayoutScan, ScanContext, ScannedClip } from './types'

/** Clips labelled by their top folder; audio directly in the root and empty class folders are problems. */
export function clipsByFolder(ctx: ScanContext, walk: Pick<WalkResult, 'emptyTopDirs'>): { clips: ScannedClip[]; classNames: string[] } {
  const clips: ScannedClip[] = []
  for (const file of ctx.files) {
    const slash = file.indexOf('/')
    if (slash < 0) {
      ctx.problems.push({ where: file, kind: 'other', message: 'Audio file directly in the dataset folder, not in a class folder; skipped' })
      continue
    }
    clips.push({ path: file, labels: [file.slice(0, slash)] })
  }
  for (const dir of walk.emptyTopDirs) ctx.problems.push({ where: dir, kind: 'empty-folder', message: `Folder "${dir}" holds no audio files; no class made for it` })
  const classNames = [...new Set(clips.map((c) => c.labels[0]))].sort()
  return { clips, classNames }
}

export function scanFolders(ctx: ScanContext, walk: Pick<WalkResult, 'emptyTopDirs'>): LayoutScan {
  const { clips, classNames } = clipsByFolder(ctx, walk)
  return { layout: 'folders', classNames, clips, notes: ['One class per top-level folder.'], folds: null }
}
