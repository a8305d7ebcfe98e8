import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { tagResultsCsv, tagResultsJson } from '../../../src/renderer/src/lib/tagExport'

describe('tag result export', () => {
  const results = [
    { file: '/a/x, "quoted".wav', durationS: 2.5, top: [{ label: 'dog', score: 0.9 }, { label: 'cat', score: 0.2 }], positive: ['dog'] },
    { file: '/a/bad.wav', error: 'Cannot decode /a/bad.wav: not audio', top: [], positive: [] }
  ]
  it('CSV: one row per file and label, read back by a CSV parser, errors kept', () => {
    const rows = parse(tagResultsCsv(results), { columns: true }) as Record<string, string>[]
    expect(rows).toEqual([
      { file: '/a/x, "quoted".wav', duration_s: '2.5', rank: '1', label: 'dog', score: '0.9', positive: '1', error: '' },
      { file: '/a/x, "quoted".wav', duration_s: '2.5', rank: '2', label: 'cat', score: '0.2', positive: '0', error: '' },
      { file: '/a/bad.wav', duration_s: '', rank: '', label: '', score: '', positive: '', error: 'Cannot decode /a/bad.wav: not audio' }
    ])
  })
  it('JSON keeps the model and labels', () => {
    expect(JSON.parse(tagResultsJson(results, ['dog', 'cat'], 'run r1'))).toEqual({ model: 'run r1', labels: ['dog', 'cat'], results })
  })
})
