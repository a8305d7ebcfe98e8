// Tag page exports of a long file's events: onset,offset,label CSV, and a 0/1 frame file that the
// per-frame import reads back into the same events.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventsCsv, eventsFrameFile, runsAbove } from '../../../src/shared/frameEvents'
import { parseFrameText, matrixEvents } from '../../../src/main/engine/data/layouts/frameLabels'

const events = [
  { label: 'breath', onset: 1, offset: 1.5, confidence: 0.9 },
  { label: 'cough', onset: 0.1, offset: 0.2, confidence: 0.7 },
  { label: 'breath', onset: 2.9, offset: 3.2, confidence: 0.8 }
]

describe('frame-task exports', () => {
  it('events CSV in onset,offset,label (with fname: the strong-label table)', () => {
    expect(eventsCsv(events)).toBe('onset,offset,label\n1.000,1.500,breath\n0.100,0.200,cough\n2.900,3.200,breath\n')
    expect(eventsCsv(events.slice(0, 1), 'a, b.wav').split('\n')[1]).toBe('"a, b.wav",1.000,1.500,breath')
  })

  it('0/1 frame file reads back through the import into the same events', () => {
    const text = eventsFrameFile(events, ['breath', 'cough'], 100, 30)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-fe-'))
    try {
      fs.writeFileSync(path.join(dir, 'x.txt'), text)
      const m = parseFrameText(fs.readFileSync(path.join(dir, 'x.txt'), 'utf8'), 'x.txt')
      expect([m.rows, m.cols]).toEqual([100, 2])
      const back = matrixEvents('x.wav', m, ['breath', 'cough'], 30).map((e) => [e.label, e.onset, e.offset])
      expect(back).toEqual([
        ['cough', 3 / 30, 6 / 30],
        ['breath', 30 / 30, 45 / 30],
        ['breath', 87 / 30, 96 / 30]
      ])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('runs above a threshold, as the SED metrics find events', () => {
    const v = [0.1, 0.6, 0.7, 0.2, 0.9, 0.9]
    expect(runsAbove(v, 6, 1, 0, 0.5, 10)).toEqual([
      { onset: 0.1, offset: 0.3 },
      { onset: 0.4, offset: 0.6 }
    ])
  })
})
