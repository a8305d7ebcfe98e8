// Writes a generated set of long recordings with sparse per-frame labels (test/frameData.ts) to a
// folder, for measuring the frame-task defaults:
//   node bin/run-ts.mjs bench/frameData.ts <folder> [--recordings 40] [--min 30] [--max 60] [--share 0.02] [--rate 30] [--seed 1]
import { generateFrameDataset } from '../test/frameData'

const args = process.argv.slice(2)
const dir = args[0]
if (!dir || dir.startsWith('--')) {
  console.error('usage: frameData.ts <folder> [--recordings N] [--min S] [--max S] [--share X] [--rate FPS] [--seed N] [--gain X]')
  process.exit(2)
}
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const recs = generateFrameDataset(dir, {
  recordings: opt('recordings', 40),
  minS: opt('min', 30),
  maxS: opt('max', 60),
  positiveShare: opt('share', 0.02),
  labelRate: opt('rate', 30),
  seed: opt('seed', 1),
  eventGain: opt('gain', 0.3)
})
const frames = recs.reduce((n, r) => n + r.frames.length, 0)
const pos = recs.reduce((n, r) => n + r.frames.reduce((a, b) => a + b, 0), 0)
console.log(`${recs.length} recordings, ${(recs.reduce((n, r) => n + r.durationS, 0) / 60).toFixed(1)} min, ${((100 * pos) / frames).toFixed(2)}% positive frames, in ${dir}`)
