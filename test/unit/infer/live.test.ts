// The live tagger: the scores of the window that ends a stream equal file tagging's scores of exactly
// that audio (same features, normalisation and runner), whatever the chunk sizes; a hop's frames come
// at the hop times.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { openLiveTagger } from '../../../src/main/engine/infer/live'
import { tagFiles } from '../../../src/main/engine/infer/tag'
import { makeRng } from '../../../src/main/engine/util/rng'
import { pcm16Wav } from '../../wav'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

describe('live tagging', () => {
  const fx = tinyDatasetFixture('live')

  it('scores the latest window as file tagging scores the same audio', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 1 }))
    await trainRun(runId)
    // One second of a 1 kHz tone with noise, as 16-bit samples (what a WAV holds).
    const rng = makeRng(3)
    const pcm = Int16Array.from({ length: 16000 }, (_, i) => Math.round(9000 * Math.sin((2 * Math.PI * 1000 * i) / 16000) + 600 * rng.normal()))
    const floats = Float32Array.from(pcm, (v) => v / 32768)

    const streams: { t: number; scores: number[] }[][] = []
    for (const chunk of [1600, 1000, 16000]) {
      const live = await openLiveTagger(runId, { hopS: 0.5, engine: 'tfjs' })
      try {
        const frames = []
        for (let at = 0; at < floats.length; at += chunk) frames.push(...(await live.push(floats.subarray(at, at + chunk))))
        streams.push(frames)
        if (chunk === 1600) {
          // T = 48 frames: 47 hops of 10 ms plus one 25 ms window.
          expect(live.ready.windowS).toBeCloseTo((47 * 160 + 400) / 16000, 9)
          expect([...live.ready.labels].sort()).toEqual(['high', 'low', 'mid'])
          expect(frames.map((f) => f.t)).toEqual([0.5, 1])
        }
      } finally {
        live.dispose()
      }
    }
    const last = (s: { t: number; scores: number[] }[]) => s[s.length - 1]
    expect(last(streams[1]).t).toBe(1)
    expect(last(streams[1]).scores).toEqual(last(streams[0]).scores)
    expect(last(streams[2]).scores).toEqual(last(streams[0]).scores)

    // Reference: file tagging of exactly the last window of audio.
    const file = path.join(fx.audioDir, 'live-window.wav')
    fs.writeFileSync(file, pcm16Wav([pcm.subarray(16000 - (47 * 160 + 400))], 16000))
    const tagged = await tagFiles(runId, [file], { engine: 'tfjs', topK: 3 })
    const ref = tagged.results[0]
    for (const t of ref.top) expect(last(streams[0]).scores[tagged.labels.indexOf(t.label)]).toBeCloseTo(t.score, 6)
  })

  it('refuses a non-finite sample', async () => {
    const run = createTrainingRun(tinyRun(fx.datasetId, { epochs: 1 })).runId
    await trainRun(run)
    const live = await openLiveTagger(run, { engine: 'tfjs' })
    await expect(live.push(Float32Array.of(0, NaN))).rejects.toThrow(/non-finite/)
    live.dispose()
  })
})
