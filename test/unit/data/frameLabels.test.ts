// Per-frame label files (frames/ or labels/ beside the audio): import, label rate, length checks, and
// the same frame targets as the equivalent fname,onset,offset,label table.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { useTempDataDir, tempDir, writeText, writeWav } from './helpers'
import { encodeNpy } from '../../../src/main/engine/io/npy'

const data = useTempDataDir()
const trees = tempDir('frametrees')
const { importDataset, frameTargets } = await import('../../../src/main/engine/data/record')
const { parseFrameText, matrixEvents, labelRate, lengthMismatch } = await import('../../../src/main/engine/data/layouts/frameLabels')

afterAll(() => {
  data.cleanup()
  trees.cleanup()
})

/** A 0/1 column of `n` frames with ones on [from, to) ranges. */
function column(n: number, ranges: [number, number][]): number[] {
  const out = new Array<number>(n).fill(0)
  for (const [a, b] of ranges) for (let t = a; t < b; t++) out[t] = 1
  return out
}

describe('frame label files', () => {
  it('parses text with a header, commas or spaces, and rejects values outside 0–1 with the row', () => {
    const m = parseFrameText('a,b\n0,1\n0.5 0\n', 'x.csv')
    expect([m.rows, m.cols, Array.from(m.data)]).toEqual([2, 2, [0, 1, 0.5, 0]])
    expect(() => parseFrameText('0\n2\n', 'y.txt')).toThrow(/y.txt: frame 2 has value 2/)
    expect(() => parseFrameText('0\nx\n', 'z.txt')).toThrow(/z.txt:2/)
  })

  it('turns runs into events, soft values kept, and back into the same matrix', () => {
    const vals = [0, 1, 1, 0, 0.3, 0.3, 0.7, 0, 1]
    const m = { where: 'f.txt', rows: vals.length, cols: 1, data: Float32Array.from(vals) }
    const events = matrixEvents('a.wav', m, ['event'], 30)
    expect(events.map((e) => [Math.round(e.onset * 30), Math.round(e.offset * 30), e.value ?? 1])).toEqual([
      [1, 3, 1],
      [4, 6, 0.3],
      [6, 7, 0.7],
      [8, 9, 1]
    ])
    const back = frameTargets({ classNames: ['event'], events }, 'a.wav', 30, vals.length)
    expect(Array.from(back)).toEqual(Array.from(Float32Array.from(vals)))
  })

  it('estimates the rate from rows ÷ duration (rounded, median) unless given; flags lengths off by more than 2 frames', () => {
    expect(labelRate([{ rows: 301, durationS: 10 }, { rows: 899, durationS: 30 }, { rows: 10, durationS: 1 }])).toEqual({ rate: 30, from: 'estimated' })
    expect(labelRate([{ rows: 301, durationS: 10 }], 25)).toEqual({ rate: 25, from: 'given' })
    expect(lengthMismatch(302, 10, 30)).toBeNull()
    expect(lengthMismatch(303, 10, 30)).toMatch(/303 label frames, but 10.000 s of audio at 30 frames\/s is 300.0 frames/)
  })
})

describe('importing a folder of recordings with per-frame labels', () => {
  const rate = 30
  const root = path.join(trees.dir, 'songs')
  // Six 4 s recordings (120 frames each) with sparse marks; one file in each format.
  const marks: [number, number][][] = [[[10, 14]], [[50, 53], [90, 95]], [[0, 3]], [[117, 120]], [[30, 31]], [[60, 66]]]
  for (let i = 0; i < 6; i++) writeWav(path.join(root, 'audio', `s${i}.wav`), 4, 16000)
  const cols = marks.map((m) => column(120, m))
  writeText(path.join(root, 'frames', 's0.txt'), cols[0].join('\n') + '\n')
  writeText(path.join(root, 'frames', 's1.csv'), 'breath\n' + cols[1].join('\n') + '\n')
  fs.writeFileSync(path.join(root, 'frames', 's2.npy'), encodeNpy(Float32Array.from(cols[2]), [120]))
  writeText(path.join(root, 'frames', 's3.wav.txt'), cols[3].join('\n') + '\n')
  writeText(path.join(root, 'frames', 's4.txt'), cols[4].join('\n') + '\n')
  writeText(path.join(root, 'frames', 's5.txt'), cols[5].join('\n') + '\n')
  // Problems: a recording whose labels are 10 frames short, one without labels, labels without audio.
  writeWav(path.join(root, 'audio', 'short.wav'), 4, 16000)
  writeText(path.join(root, 'frames', 'short.txt'), column(110, [[5, 8]]).join('\n'))
  writeWav(path.join(root, 'audio', 'nolabels.wav'), 4, 16000)
  writeText(path.join(root, 'frames', 'orphan.txt'), '0\n1\n')

  it('detects the layout, estimates the rate and says so, and reports bad files without failing', async () => {
    const r = await importDataset({ folder: root })
    expect(r.layout).toBe('frames')
    expect(r.classNames).toEqual(['event'])
    expect(r.frameRate).toBe(rate)
    expect(r.frameLabels).toEqual({ dir: 'frames', rateFrom: 'estimated' })
    expect(r.notes!.join(' ')).toMatch(/Label rate 30 frames\/s, estimated/)
    expect(r.files.map((f) => f.path).sort()).toEqual(['audio/s0.wav', 'audio/s1.wav', 'audio/s2.wav', 'audio/s3.wav', 'audio/s4.wav', 'audio/s5.wav'])
    expect(r.files.every((f) => f.labels.join() === 'event')).toBe(true)
    expect(r.problemList.map((p) => `${p.kind} ${p.where}`).sort()).toEqual(['malformed-row frames/short.txt', 'missing-file audio/nolabels.wav', 'missing-file frames/orphan.txt'])
    for (let i = 0; i < 6; i++) expect(Array.from(frameTargets(r, `audio/s${i}.wav`, rate, 120))).toEqual(cols[i])
  })

  it('takes a given label rate (then the lengths no longer fit: every clip is a problem, clearly)', async () => {
    await expect(importDataset({ folder: root, frameRate: 50, name: 'given' })).rejects.toThrow(/No readable audio.*malformed-row/)
  })

  it('gives the same targets as the equivalent onset/offset table', async () => {
    const strongRoot = path.join(trees.dir, 'songs-strong')
    const rows = ['fname,labels']
    const events = ['fname,onset,offset,label']
    for (let i = 0; i < 6; i++) {
      writeWav(path.join(strongRoot, 'audio', `s${i}.wav`), 4, 16000)
      rows.push(`s${i}.wav,event`)
      for (const [a, b] of marks[i]) events.push(`s${i}.wav,${a / rate},${b / rate},event`)
    }
    writeText(path.join(strongRoot, 'clips.csv'), rows.join('\n') + '\n')
    writeText(path.join(strongRoot, 'events.csv'), events.join('\n') + '\n')
    const strong = await importDataset({ folder: strongRoot, frameRate: rate })
    const framed = await importDataset({ folder: root, name: 'again' })
    for (let i = 0; i < 6; i++) {
      const f = `audio/s${i}.wav`
      expect(Array.from(frameTargets(strong, f, rate, 120))).toEqual(Array.from(frameTargets(framed, f, rate, 120)))
      // Windows too: 2 s into the clip, 40 frames.
      expect(Array.from(frameTargets(strong, f, rate, 40, 2))).toEqual(cols[i].slice(60, 100))
    }
  })
})
