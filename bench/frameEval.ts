// Scores a frame-task run on recordings it has never seen: tags every file of <folder>/audio with the
// run (sliding windows, overlapping frames averaged), and compares the frame scores with
// <folder>/frames/<name>.txt at the run's frame rate: frameAP, frame F1 and event F1 (sed_eval's
// collars, after the Tag page's 0.25 s median filter) at 0.5 and at the run's tuned thresholds.
//   node bin/run-ts.mjs bench/frameEval.ts <run> <folder> [--json]
import fs from 'node:fs'
import path from 'node:path'
import { tagFiles } from '../src/main/engine/infer/tag'
import { parseFrameText } from '../src/main/engine/data/layouts/frameLabels'
import { frameTaskMetrics, type RecordingFrames } from '../src/main/engine/eval/frameTask'
import { loadRun } from '../src/main/engine/runs/store'
import { SED_EVAL_COLLARS } from '../src/main/engine/eval/sed'
import { DEFAULT_EVENT_OPTIONS, medianFrames } from '../src/main/engine/infer/events'

const [runId, folder] = process.argv.slice(2)
if (!runId || !folder) {
  console.error('usage: frameEval.ts <run> <folder with audio/ and frames/> [--json]')
  process.exit(2)
}
const run = loadRun(runId)
const audioDir = path.join(folder, 'audio')
const files = fs.readdirSync(audioDir).filter((f) => f.endsWith('.wav')).sort().map((f) => path.join(audioDir, f))
const out = await tagFiles(runId, files, { aggregate: 'mean', engine: 'auto' })
const C = out.labels.length
const recs: RecordingFrames[] = []
let rate = 0
for (const r of out.results) {
  if (r.error || !r.frames) throw new Error(`${r.file}: ${r.error ?? 'no frame output'}`)
  rate = r.frames.frameRate
  const stem = path.basename(r.file, path.extname(r.file))
  const m = parseFrameText(fs.readFileSync(path.join(folder, 'frames', `${stem}.txt`), 'utf8'), stem)
  const n = Math.min(m.rows, r.frames.values.length)
  recs.push({ frames: n, scores: Float32Array.from(r.frames.values.slice(0, n).flat()), targets: m.data.slice(0, n * C) })
}
const tuned = run.frameCurves?.thresholds ?? new Array<number>(C).fill(0.5)
const median = medianFrames(DEFAULT_EVENT_OPTIONS.medianS, rate)
const at05 = frameTaskMetrics(recs, C, rate, 0.5, SED_EVAL_COLLARS, median)
const atTuned = frameTaskMetrics(recs, C, rate, tuned, SED_EVAL_COLLARS, median)
const result = {
  run: runId,
  recordings: recs.length,
  frameRate: rate,
  positiveShare: at05.truePositive,
  frameAP: at05.frameAP,
  frameF1: at05.frameF1,
  eventF1: at05.eventF1,
  tunedThresholds: tuned,
  frameF1Tuned: atTuned.frameF1,
  eventF1Tuned: atTuned.eventF1,
  engine: out.note
}
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2))
else
  console.log(
    `${recs.length} unseen recordings, ${(at05.truePositive * 100).toFixed(2)}% positive frames at ${rate.toFixed(2)}/s: ` +
      `frameAP ${at05.frameAP?.toFixed(3)}, frame F1 ${at05.frameF1.toFixed(3)} (tuned ${atTuned.frameF1.toFixed(3)}), event F1 ${at05.eventF1.toFixed(3)} (tuned ${atTuned.eventF1.toFixed(3)})`
  )
