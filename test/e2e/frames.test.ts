// Long recordings with sparse per-frame labels, through the app: import a folder of generated
// recordings with a frames/ folder (the label rate worked out and said), train a frame-head run briefly
// on windows, see its frame AP and a test recording's score curve, and tag a long file into events,
// exported as onset,offset,label CSV and as a 0/1 frame file in the import's form.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browseTo, importThroughPicker, openApp, type E2eApp } from './helpers'
import { generateFrameDataset } from '../frameData'

let app: E2eApp
let folder: string
beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-frames-'))
  // Ten recordings of 12–16 s with ~3% positive frames at 30 frames/s.
  generateFrameDataset(folder, { recordings: 10, minS: 12, maxS: 16, positiveShare: 0.03, labelRate: 30, seed: 3 })
  app = await openApp()
})
afterAll(async () => {
  await app?.close()
  fs.rmSync(folder, { recursive: true, force: true })
})

describe('per-frame labels, from a folder to events in a long file', () => {
  it('imports the recordings with their frame labels and says which label rate it used', async () => {
    const { page } = app
    await importThroughPicker(page, folder, 'songs')
    await page.getByTestId('dataset-table').getByRole('link', { name: 'songs', exact: true }).click()
    await expect.poll(() => page.locator('.notes').innerText()).toMatch(/Label rate 30 frames\/s, estimated from frame rows ÷ audio duration/)
    expect(await page.locator('.notes').innerText()).toMatch(/Per-frame labels: \d+ events in 10 clips/)
  })

  it('trains a frame-head run on windows and shows frame AP and a test recording’s score curve', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Experiments', exact: true }).click()
    await page.getByTestId('experiment-form').waitFor()
    await page.getByTestId('exp-dataset').selectOption({ label: await page.getByTestId('exp-dataset').locator('option', { hasText: 'songs' }).innerText() })
    await page.getByTestId('exp-depth').fill('1')
    await page.getByTestId('exp-epochs').fill('1')
    await page.getByTestId('exp-batch').fill('8')
    await page.getByTestId('exp-seeds').fill('0')
    // 4 s windows (400 fbank frames: 120 label frames each).
    await page.getByTestId('exp-target-length').fill('400')
    await page.getByTestId('exp-frame-head').check()
    await page.getByTestId('exp-frame-task').waitFor()
    // A frame task on a scratch AST switches to the CRNN (the frame-task default), at its own learning rate.
    expect(await page.getByTestId('exp-model').inputValue()).toBe('crnn')
    expect(await page.getByTestId('exp-lr').inputValue()).toBe('0.001')
    await page.getByTestId('exp-event-ratio').fill('0.6')
    await app.shot('frames-experiment')
    await page.getByTestId('launch').click()
    const queue = page.getByTestId('queue')
    await expect.poll(async () => (await queue.getByTestId('queue-run').allInnerTexts()).map((t) => /\bdone\b/.test(t)), { interval: 1000 }).toEqual([true])

    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    await page.getByTestId('runs-table').getByTestId('run-row').first().getByRole('link').click()
    await page.getByTestId('run-name').waitFor()
    const test = await page.getByTestId('run-test').innerText()
    for (const m of [/frame AP\s+[01]\.\d{3}/, /event F1\s+[01]\.\d{3}/, /frame F1 \(tuned threshold\)\s+[01]\.\d{3}/]) expect(test).toMatch(m)
    await page.getByTestId('frame-curve').locator('canvas').waitFor()
    expect(await page.getByTestId('frame-curve-summary').innerText()).toMatch(/\d+ true events, \d+ detected at [01]\.\d\d \(30\.00 frames\/s\)/)
    const runDir = path.join(app.dataDir, 'runs', fs.readdirSync(path.join(app.dataDir, 'runs'))[0])
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'))).toMatchObject({ model: 'crnn', lr: 0.001, frameHead: true })
    const log = fs.readFileSync(path.join(runDir, 'log.txt'), 'utf8')
    expect(log).toMatch(/Training on windows of 4\.00 s, hop ≤ 4\.00 s: \d+ windows cover the \d+ recordings, plus \d+ around events \(event ratio 0\.6\)/)
    await app.shot('frames-run')
  })

  it('tags a long file into events at the label rate and exports them', async () => {
    const { page } = app
    await page.getByTestId('tag-with').click()
    await page.getByRole('heading', { level: 1, name: 'Tag' }).waitFor()
    await page.getByTestId('tag-browse').click()
    await browseTo(page, path.join(folder, 'audio'))
    await page.getByTestId('picker-entries').getByText('rec000.wav').click()
    await page.getByTestId('picker-choose-files').click()
    await page.getByTestId('tag-start').click()
    await page.getByTestId('tag-results').waitFor()
    const exportRow = page.getByTestId('tag-event-export')
    await exportRow.waitFor()
    expect(await exportRow.innerText()).toMatch(/\d+ events at 30\.00 frames\/s/)

    let download = page.waitForEvent('download')
    await page.getByTestId('export-events-csv').click()
    const csv = fs.readFileSync(await (await download).path(), 'utf8').trim().split('\n')
    expect(csv[0]).toBe('onset,offset,label')
    for (const row of csv.slice(1)) expect(row).toMatch(/^\d+\.\d{3},\d+\.\d{3},event$/)

    download = page.waitForEvent('download')
    await page.getByTestId('export-frame-file').click()
    const d = await download
    expect(d.suggestedFilename()).toBe('rec000.txt')
    const rows = fs.readFileSync(await d.path(), 'utf8').trim().split('\n')
    // One 0/1 row per label frame of the file, as in its frames/rec000.txt.
    const labelRows = fs.readFileSync(path.join(folder, 'frames', 'rec000.txt'), 'utf8').trim().split('\n').length
    expect(Math.abs(rows.length - labelRows)).toBeLessThanOrEqual(2)
    for (const r of rows) expect(r === '0' || r === '1').toBe(true)
    expect(rows.filter((r) => r === '1').length).toBe(csv.slice(1).reduce((n, row) => {
      const [on, off] = row.split(',').map(Number)
      return n + Math.round(off * 30) - Math.round(on * 30)
    }, 0))
    await app.shot('frames-tag')
    expect(app.consoleErrors).toEqual([])
  })
})
