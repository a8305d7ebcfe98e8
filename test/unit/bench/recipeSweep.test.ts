// The recipe sweep's results table (bench/recipes/sweep.ts): a table written before the test_acc
// column existed still reads, and the column is filled from the runs' own records.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fillAccuracy, readGrid, readResults, resultsMarkdown } from '../../../bench/recipes/sweep'

function runRecord(dataDir: string, id: string, test: Record<string, number>): void {
  fs.mkdirSync(path.join(dataDir, 'runs', id), { recursive: true })
  fs.writeFileSync(path.join(dataDir, 'runs', id, 'run.json'), JSON.stringify({ id, test }))
}

describe('recipe sweep results', () => {
  it('the committed grid parses, and every row of the committed table is one of its entries', () => {
    const root = path.resolve(__dirname, '../../..')
    const grid = readGrid(path.join(root, 'bench/recipes/grid.yaml'))
    const ids = new Set(grid.runs.map((r) => r.id))
    const rows = readResults(path.join(root, 'bench/recipes/results.csv'))
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.filter((r) => !ids.has(r.id)).map((r) => r.id)).toEqual([])
  })

  it('reads an old table without test_acc and fills it for single-label runs only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-sweep-'))
    const csv = path.join(dir, 'results.csv')
    fs.writeFileSync(
      csv,
      'id,dataset,note,args,test_mAP,val_mAP,best_epoch,epochs,wall_s,load,date,run\n' +
        'k,keywords,single,--preset quick,0.7802,0.6474,22,25,338,4.5,2026-12-05T05:52Z,run-single\n' +
        'm,practice,multi,--preset quick,0.8821,0.8482,11,12,299,4.7,2026-12-05T04:56Z,run-multi\n' +
        'gone,practice,run folder deleted,,0.5,0.5,1,1,1,1,2026-12-05T00:00Z,run-gone\n'
    )
    runRecord(dir, 'run-single', { mAP: 0.7802, accuracy: 0.6833333 })
    runRecord(dir, 'run-multi', { mAP: 0.8821, microF1: 0.7 })
    const rows = readResults(csv)
    expect(rows.map((r) => r.test_acc)).toEqual(['', '', ''])
    expect(fillAccuracy(rows, dir)).toBe(true)
    expect(rows.map((r) => r.test_acc)).toEqual(['0.6833', '', ''])
    // Nothing left to fill: a second pass changes nothing.
    expect(fillAccuracy(rows, dir)).toBe(false)
    const md = resultsMarkdown(rows).split('\n')
    expect(md[0]).toContain('| test_mAP | test_acc |')
    expect(md[2]).toContain('| 0.7802 | 0.6833 |')
  })
})
