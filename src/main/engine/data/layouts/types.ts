// What every layout reader hands to the importer: the clips it found (not yet probed), the class list
// and plain notes about choices it made. Problems go into the ScanContext's list as they are met.
import type { DatasetLayout, ImportProblem, SplitName } from '../../../../shared/types'
import type { FileIndex } from '../files'

export interface ScannedClip {
  /** Relative to the dataset root, forward slashes. */
  path: string
  labels: string[]
  /** Official split, when the layout has one. */
  split?: SplitName
  fold?: number
  /** Clips that must stay in one split together (Speech Commands: the speaker). */
  group?: string
}

export interface LayoutScan {
  layout: DatasetLayout
  classNames: string[]
  clips: ScannedClip[]
  notes: string[]
  folds: number[] | null
}

/** What a layout reader gets: the root, its audio files and a place for problems. */
export interface ScanContext {
  root: string
  files: string[]
  index: FileIndex
  problems: ImportProblem[]
  signal?: AbortSignal
}
