// A newcomer's whole path through the app: import a folder of tones through the server folder
// picker, see its class chart, launch a two-run grid (stride 16 vs 10, one epoch, the smallest AST
// the form allows), watch both runs finish, overlay their mAP curves, open the better run, and tag a
// file with it. Every step checks what is on screen, not only that nothing failed.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appOnToneFolder, browseTo, type E2eApp } from './helpers'
import { TONE_CLASSES } from './audio'

let app: E2eApp
let folder: string
appOnToneFolder('tagbench-newcomer-', (a, f) => {
  app = a
  folder = f
})

const CLASSES = Object.keys(TONE_CLASSES)

describe('a newcomer, from a folder of audio to a tagged file', () => {
  it('imports the folder and sees its classes', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Datasets', exact: true }).click()
    await page.getByTestId('choose-folder').click()
    await browseTo(page, folder)
    await page.getByTestId('picker-entries').getByText('mid').waitFor()
    await page.getByTestId('picker-choose-folder').click()
    await expect.poll(() => page.getByTestId('detected-layout').innerText()).toBe('Detected layout: folders')
    await page.getByTestId('import-name').fill('tones')
    await page.getByTestId('import-start').click()
    await page.getByTestId('dataset-table').getByRole('link', { name: 'tones' }).click()
    await page.getByTestId('class-chart').locator('canvas').waitFor()
    expect(await page.getByTestId('fact-classes').innerText()).toBe('3')
  })

  it('launches a two-run grid, stride 16 vs 10, and watches both finish', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Train on it…' }).click()
    await page.getByRole('heading', { level: 1, name: 'Experiments' }).waitFor()
    const form = page.getByTestId('experiment-form')
    await form.waitFor()
    await expect.poll(() => page.getByTestId('exp-dataset').locator('option:checked').innerText()).toContain('tones')
    await page.getByTestId('exp-size').selectOption('tiny')
    // The smallest model the form allows: one block.
    const depth = page.getByTestId('exp-depth')
    expect(await depth.getAttribute('min')).toBe('1')
    await depth.fill('1')
    await page.getByTestId('exp-epochs').fill('1')
    await page.getByTestId('exp-batch').fill('8')
    await page.getByTestId('exp-seeds').fill('0')
    // The live readout: 128 mel bins at stride 16 give 8 patch rows; at stride 10, 12.
    await page.getByTestId('exp-fstride').fill('16')
    await page.getByTestId('exp-tstride').fill('16')
    await expect.poll(() => page.getByTestId('estimate').innerText()).toMatch(/Patch grid 8 × \d+/)
    const tokens16 = Number(await page.getByTestId('estimate-tokens').innerText())
    await page.getByTestId('exp-fstride').fill('10')
    await page.getByTestId('exp-tstride').fill('10')
    await expect.poll(() => page.getByTestId('estimate').innerText()).toMatch(/Patch grid 12 × \d+/)
    const tokens10 = Number(await page.getByTestId('estimate-tokens').innerText())
    expect(tokens10).toBeGreaterThan(2 * tokens16)

    await page.getByTestId('add-axis').click()
    await page.getByTestId('axis-key-0').selectOption('stride')
    await page.getByTestId('axis-values-0').fill('16, 10')
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Launch 2 runs')
    // Both runs at once: the experiment's spec says so, and its queue starts two jobs.
    await page.getByTestId('exp-parallel').fill('2')
    await app.shot('experiments')
    await page.getByTestId('launch').click()

    const queue = page.getByTestId('queue')
    await expect.poll(() => queue.getByTestId('queue-run').count()).toBe(2)
    await app.shot('experiments-queue')
    // Both runs train to the end (one epoch each).
    await expect
      .poll(async () => (await queue.getByTestId('queue-run').allInnerTexts()).map((t) => /\bdone\b/.test(t)), { interval: 1000 })
      .toEqual([true, true])
    expect(await queue.innerText()).toMatch(/stride on tones\b[\s\S]*stride=16[\s\S]*stride=10/)
    const experiments = path.join(app.dataDir, 'experiments')
    const [expFile] = fs.readdirSync(experiments).map((id) => JSON.parse(fs.readFileSync(path.join(experiments, id, 'experiment.json'), 'utf8')) as { spec: { parallel?: number } })
    expect(expFile.spec.parallel).toBe(2)
  })

  it('overlays the two runs’ mAP curves', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    const rows = page.getByTestId('runs-table').getByTestId('run-row')
    await expect.poll(() => rows.count()).toBe(2)
    // Only what differs between the two runs is shown as config columns: the strides.
    const head = await page.getByTestId('runs-table').locator('thead').innerText()
    expect(head).toMatch(/fstride[\s\S]*tstride/)
    expect(head).not.toMatch(/\bdepth\b/)
    for (const text of await rows.allInnerTexts()) {
      expect(text).toMatch(/\bdone\b/)
      const best = /(\d\.\d{3}) @1/.exec(text)
      expect(best, text).not.toBeNull()
      expect(Number(best![1])).toBeGreaterThanOrEqual(0)
      expect(Number(best![1])).toBeLessThanOrEqual(1)
    }
    await page.getByRole('checkbox', { name: 'Select all shown runs' }).check()
    await page.getByTestId('curve-metric').selectOption('mAP')
    const curves = page.getByTestId('curves')
    await curves.locator('canvas').first().waitFor()
    // The legend lists both runs; the config diff names the strides.
    expect(await page.getByTestId('config-diff').innerText()).toMatch(/fstride\s+16\s+10|fstride\s+10\s+16/)
    // A validation split of a few clips earns a warning.
    expect(await page.getByTestId('val-warning').first().innerText()).toMatch(/Validation split is small: only \d+ validation clips/)
    expect(await curves.getAttribute('aria-label')).toMatch(/^validation mAP by epoch, EMA 0\.6: .*stride=(16|10) \(to epoch 1\); .*stride=(10|16) \(to epoch 1\)$/)
    // Grouped by a chosen setting: one mean curve per stride, each of one run.
    await page.getByTestId('group-mode').selectOption('keys')
    await page.getByRole('checkbox', { name: 'fstride' }).check()
    await expect.poll(() => curves.getAttribute('aria-label')).toMatch(/band ± std: fstride=(16|10) \(to epoch 1\); fstride=(10|16) \(to epoch 1\)$/)
    await page.getByTestId('group-mode').selectOption('none')
    await page.getByTestId('curve-metric').selectOption('loss')
    await page.getByTestId('smoothing-kind').selectOption('cma')
    await expect.poll(() => curves.getAttribute('aria-label')).toMatch(/^training loss by step, moving average of 5: /)
    await curves.locator('canvas').first().waitFor()
    await app.shot('runs')
    // The selection survives a reload.
    await page.reload()
    await expect.poll(() => page.getByTestId('runs-table').locator('tbody input[type=checkbox]:checked').count()).toBe(2)
  })

  it('opens the better run and tags a file with it', async () => {
    const { page } = app
    const rows = page.getByTestId('runs-table').getByTestId('run-row')
    // Sort by best mAP, highest first, and open the top run.
    await page.getByRole('button', { name: 'Best mAP' }).click()
    await rows.first().getByRole('link').click()
    await page.getByTestId('run-name').waitFor()
    expect(await page.getByTestId('run-status').innerText()).toBe('done')
    // The form's default engine is auto: AST trains on ONNX Runtime, and the page says so and why.
    expect(await page.getByTestId('run-backend').innerText()).toMatch(/Ran on ONNX Runtime .*CPU/i)
    expect(await page.getByTestId('run-engine').innerText()).toMatch(/Engine ort \(auto: ONNX Runtime, which covers AST; ONNX Runtime on CPU/)
    await page.getByTestId('ap-chart').locator('canvas').waitFor()
    await page.getByTestId('run-map').locator('canvas').waitFor()
    expect(await page.getByTestId('run-test').innerText()).toMatch(/mAP\s+[01]\.\d{3}/)
    // Export: the metrics land as a CSV in the run folder, and the notice says where.
    await page.getByRole('button', { name: 'Metrics CSV' }).click()
    const notice = page.getByTestId('notice').filter({ hasText: 'Metrics saved as CSV' })
    await notice.waitFor()
    const saved = /: (\/\S+\.csv)/.exec(await notice.innerText())
    expect(saved).not.toBeNull()
    const exported = fs.readFileSync(saved![1], 'utf8').trim().split('\n')
    expect(exported[0]).toMatch(/^kind,step,epoch,time,loss/)
    expect(exported.some((l) => l.startsWith('epoch,'))).toBe(true)
    await page.getByTestId('export-onnx').click()
    const onnxNotice = page.getByTestId('notice').filter({ hasText: 'ONNX model saved' })
    await onnxNotice.waitFor()
    const onnx = /\(([\d.]+) MB\): (\/\S+\.onnx)/.exec(await onnxNotice.innerText())
    expect(onnx).not.toBeNull()
    expect(fs.statSync(onnx![2]).size).toBeGreaterThan(100_000)
    await app.shot('run')

    await page.getByTestId('tag-with').click()
    await page.getByRole('heading', { level: 1, name: 'Tag' }).waitFor()
    await page.getByTestId('tag-browse').click()
    await browseTo(page, path.join(folder, 'high'))
    await page.getByTestId('picker-entries').getByText('high_00.wav').click()
    await page.getByTestId('picker-entries').getByText('high_01.wav').click()
    await page.getByTestId('picker-choose-files').click()
    expect(await page.getByTestId('tag-paths').innerText()).toContain('high_00.wav')
    await page.getByTestId('tag-start').click()
    const results = page.getByTestId('tag-results')
    await results.waitFor()
    const text = await results.innerText()
    expect(text).toContain('high_00.wav')
    expect(text).toContain('high_01.wav')
    // Each file lists the model's classes with scores between 0 and 1.
    for (const c of CLASSES) expect(text).toContain(c)
    const scores = [...text.matchAll(/\b([01]\.\d{3})\b/g)].map((m) => Number(m[1]))
    expect(scores.length).toBe(6)
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true)
    await page.getByTestId('clip-mel').locator('canvas').waitFor()

    const download = page.waitForEvent('download')
    await page.getByTestId('export-csv').click()
    const file = await (await download).path()
    const csv = fs.readFileSync(file, 'utf8')
    expect(csv.split('\n')[0]).toBe('file,duration_s,rank,label,score,positive,error')
    expect(csv.trim().split('\n')).toHaveLength(1 + 6)
    await app.shot('tag')
    expect(app.consoleErrors).toEqual([])
  })

  it('sees what the feature cache holds on Settings, and clears it', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    const cache = page.getByTestId('feature-cache')
    // Training extracted the 24 clips' 128-mel features once, for both runs.
    await expect.poll(() => cache.getByTestId('cache-setting').innerText()).toMatch(/^128 mel at 16 kHz[\s\S]*\b24\b/)
    await page.getByTestId('cache-prune').click()
    await page.getByTestId('notice').filter({ hasText: 'Unused features removed: 0 feature files' }).waitFor()
    await app.shot('settings-cache')
    await page.getByTestId('cache-clear').click()
    await page.getByTestId('notice').filter({ hasText: /Feature cache cleared: 24 feature files, [\d.]+ [kM]B freed/ }).waitFor()
    await expect.poll(() => cache.getByTestId('cache-total').innerText()).toMatch(/^0 clips, 0 B in /)
    expect(app.consoleErrors).toEqual([])
  })
})
