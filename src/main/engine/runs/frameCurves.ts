// A frame task's test curves for the run page: for each test recording, the stitched frame scores and
// the true frames at the frame rate, with the thresholds the run tuned on validation. Stored once at the
// end of the run (predictions/test-frames.json, read back by the run store's loadRun), scores rounded to 4 decimals to keep the file small.
import path from 'node:path'
import type { FrameCurves } from '../../../shared/types'
import { writeJsonAtomicSync } from '../io/fsutil'
import { runDir } from './store'

/** At most this many recordings are kept (the first ones of the test split). */
const MAX_RECORDINGS = 8

const curvesFile = (id: string) => path.join(runDir(id), 'predictions', 'test-frames.json')

export function saveFrameCurves(
  id: string,
  c: { rate: number; classNames: string[]; thresholds: number[]; recordings: { file: string; scores: Float32Array; targets: Float32Array; frames: number }[] }
): void {
  const round = (a: Float32Array) => Array.from(a, (v) => Math.round(v * 1e4) / 1e4)
  const out: FrameCurves = {
    rate: c.rate,
    classNames: c.classNames,
    thresholds: c.thresholds,
    recordings: c.recordings.slice(0, MAX_RECORDINGS).map((r) => ({ file: r.file, frames: r.frames, scores: round(r.scores), targets: round(r.targets) }))
  }
  writeJsonAtomicSync(curvesFile(id), out)
}
