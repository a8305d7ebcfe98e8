// Runs the reader of one layout over a walked folder.
import type { DatasetLayout } from '../../../../shared/types'
import type { WalkResult } from '../walk'
import { scanCsv } from './csv'
import { scanEsc50, isEsc50, ESC50_META } from './esc50'
import { scanFolders } from './folders'
import { scanFrames } from './frames'
import { scanFsd50k, isFsd50k, FSD50K_GT } from './fsd50k'
import { scanSpeechCommands, isSpeechCommands } from './speechcommands'
import type { LayoutScan, ScanContext } from './types'

export { detectLayout } from './detect'
export { BACKGROUND_NOISE } from './speechcommands'

export async function scanLayout(layout: DatasetLayout, ctx: ScanContext, walk: WalkResult): Promise<LayoutScan> {
  switch (layout) {
    case 'fsd50k':
      if (!isFsd50k(ctx.root)) throw new Error(`${ctx.root} is not FSD50K: ${FSD50K_GT}/dev.csv and eval.csv are missing`)
      return scanFsd50k(ctx)
    case 'esc50':
      if (!isEsc50(ctx.root)) throw new Error(`${ctx.root} is not ESC-50: ${ESC50_META} is missing`)
      return scanEsc50(ctx)
    case 'speechcommands':
      if (!isSpeechCommands(ctx.root)) throw new Error(`${ctx.root} is not Speech Commands: validation_list.txt and testing_list.txt are missing`)
      return scanSpeechCommands(ctx, walk)
    case 'csv':
      return scanCsv(ctx)
    case 'frames':
      return scanFrames(ctx)
    case 'folders':
      return scanFolders(ctx, walk)
  }
}
