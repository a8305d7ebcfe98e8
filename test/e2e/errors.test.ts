// The run page's errors you can hear, in Chromium: a finished single-label run (trained here, in this
// process, on tones), its error list, a clip played from it, and the clips behind a confusion cell.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type E2eApp } from './helpers'
import { writeToneDataset } from './audio'
import { initBackend } from '../../src/main/engine/platform/backend'
import { importDataset } from '../../src/main/engine/data/record'
import { createTrainingRun } from '../../src/main/engine/train/newRun'
import { trainRun } from '../../src/main/engine/train/trainer'
import { checkpointDir, loadPredictions, loadRun } from '../../src/main/engine/runs/store'
import { clipMetrics, prCurve } from '../../src/main/engine/eval/metrics'
import { readEmbeddingMap } from '../../src/main/engine/explore/embeddingMap'
import { MAP_GRID, paddedExtent } from '../../src/renderer/src/lib/embeddingMap'

let app: E2eApp
let folder: string
let runId: string
beforeAll(async () => {
  folder = writeToneDataset(fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-errors-')), 10, 0.5)
  app = await openApp({ chromiumArgs: ['--autoplay-policy=no-user-gesture-required'] })
  await initBackend('wasm')
  const record = await importDataset({ folder, name: 'tones', layout: 'folders' })
  // One short epoch of a one-block AST: it makes mistakes, which is what this page is about.
  runId = createTrainingRun({ dataset: record.id, model: 'ast', size: 'tiny', depth: 1, melBins: 32, targetLength: 48, fstride: 16, tstride: 16, epochs: 1, batchSize: 8, lr: 1e-4, seed: 3, threads: 1 }).runId
  await trainRun(runId)
})
afterAll(async () => {
  await app?.close()
  fs.rmSync(folder, { recursive: true, force: true })
})

describe('errors you can listen to', () => {
  it('lists a run’s errors, plays one, and lists the clips of a confusion cell', async () => {
    const { page } = app
    await page.goto(`${app.server.url}#/runs/${runId}`)
    await page.getByTestId('run-name').waitFor()
    const card = page.getByTestId('clip-errors')
    await card.waitFor()
    await page.getByTestId('errors-kind').selectOption('both')
    const test = loadPredictions(runId, 'test')!
    // The rows are the test clips misclassified at 0.5, counted here from the stored predictions.
    let wrong = 0
    for (let i = 0; i < test.nClips; i++) for (let c = 0; c < test.nClasses; c++) {
      const s = test.scores[i * test.nClasses + c]
      const t = test.targets[i * test.nClasses + c] > 0.5
      if ((s > 0.5 && !t) || (s <= 0.5 && t)) wrong++
    }
    await expect.poll(() => page.getByTestId('errors-heading').innerText()).toContain(`${wrong} clip-class pairs`)
    expect(wrong).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('error-row').count()).toBe(Math.min(20, wrong))
    // Each row shows its clip's spectrogram.
    await expect.poll(() => page.getByTestId('clip-thumb').count()).toBe(Math.min(20, wrong))
    await page.getByTestId('error-play').first().click()
    const audio = page.getByTestId('clip-audio')
    await audio.waitFor()
    await page.getByTestId('clip-mel').waitFor()
    // It plays: the player's clock moves.
    await expect.poll(() => audio.evaluate((a) => (a as unknown as { currentTime: number }).currentTime)).toBeGreaterThan(0)
    await card.screenshot({ path: path.resolve('test-results/screenshots/run-errors.png') })

    // A confusion-matrix cell that holds clips (counted here from the stored predictions: true = the
    // labelled class, predicted = the top score), clicked at its centre on the chart.
    const names = loadRun(runId).classNames
    const n = names.length
    const cells = new Map<string, number>()
    for (let i = 0; i < test.nClips; i++) {
      const row = Array.from(test.scores.subarray(i * n, (i + 1) * n))
      const t = Array.from(test.targets.subarray(i * n, (i + 1) * n)).indexOf(1)
      const q = row.indexOf(Math.max(...row))
      cells.set(`${t},${q}`, (cells.get(`${t},${q}`) ?? 0) + 1)
    }
    const [key, count] = [...cells.entries()].sort((a, b) => b[1] - a[1])[0]
    const [t, q] = key.split(',').map(Number)
    const chart = page.getByTestId('confusion-chart')
    await chart.scrollIntoViewIfNeeded()
    const box = (await chart.boundingBox())!
    // The grid: left 110, right 80, top 20, bottom 60 (RunPage's confusion option for 8 classes or fewer).
    const cw = (box.width - 190) / n
    const ch = (box.height - 80) / n
    await chart.click({ position: { x: 110 + (q + 0.5) * cw, y: 20 + (t + 0.5) * ch } })
    await expect.poll(() => page.getByTestId('errors-heading').innerText()).toContain(`True ${names[t]}, predicted ${names[q]} on the test split: ${count} clip${count === 1 ? '' : 's'}`)
    await expect.poll(() => page.getByTestId('error-row').count()).toBe(count)

    // A PR-curve point: the micro curve's first operating point lists the clip-class pairs scored at
    // or above its threshold (recounted here from the stored predictions).
    const curve = prCurve(test.scores, test.targets)
    const thr = curve.thresholds[0]
    const above = Array.from(test.scores).filter((v) => v >= thr).length
    const pr = page.getByTestId('pr-chart')
    await pr.scrollIntoViewIfNeeded()
    const pbox = (await pr.boundingBox())!
    // baseOption's grid: left 64, right 24, top 36, bottom 52; both axes 0..1.
    await pr.click({ position: { x: 64 + curve.recall[0] * (pbox.width - 88), y: 36 + (1 - curve.precision[0]) * (pbox.height - 88) } })
    await expect.poll(() => page.getByTestId('errors-heading').innerText()).toContain(`Clips scored ≥ ${thr.toFixed(3)} for any class`)
    await expect.poll(() => page.getByTestId('error-row').count()).toBe(above)
    await app.shot('run-errors-page')
    expect(app.consoleErrors).toEqual([])
  })

  it('computes the run’s embedding map, colours it by outcome, and plays the clicked point', async () => {
    const { page } = app
    const card = page.getByTestId('embedding-map')
    await card.scrollIntoViewIfNeeded()
    await page.getByTestId('map-build').click()
    await page.getByTestId('map-chart').locator('canvas').waitFor()
    const map = readEmbeddingMap(runId, loadRun(runId).config.dataset)!
    expect(map.points).toHaveLength(30)
    await expect.poll(() => page.getByTestId('map-facts').innerText()).toContain(`30 of 30 clips, ${map.dim}-dimensional embeddings`)
    const wrong = map.points.filter((p) => p.correct === false).length
    expect(await page.getByTestId('map-facts').innerText()).toContain(`gets ${wrong} of 30 wrong`)
    await page.getByTestId('map-colour').selectOption('outcome')

    // The point farthest from its neighbours, placed on screen from its coordinates (fixed axis bounds).
    const chart = page.getByTestId('map-chart')
    const box = (await chart.boundingBox())!
    const [x0, x1] = paddedExtent(map.points.map((p) => p.x))
    const [y0, y1] = paddedExtent(map.points.map((p) => p.y))
    const w = box.width - MAP_GRID.left - MAP_GRID.right
    const h = box.height - MAP_GRID.top - MAP_GRID.bottom
    const px = map.points.map((p) => [MAP_GRID.left + ((p.x - x0) / (x1 - x0)) * w, MAP_GRID.top + ((y1 - p.y) / (y1 - y0)) * h])
    const alone = px.map((a, i) => Math.min(...px.filter((_, j) => j !== i).map((b) => Math.hypot(a[0] - b[0], a[1] - b[1]))))
    const k = alone.indexOf(Math.max(...alone))
    await chart.hover({ position: { x: px[k][0], y: px[k][1] } })
    await chart.click({ position: { x: px[k][0], y: px[k][1] } })
    const player = page.getByTestId('map-player')
    await expect.poll(() => player.locator('.file').innerText()).toBe(map.points[k].file)
    const audio = player.getByTestId('clip-audio')
    await expect.poll(() => audio.evaluate((a) => (a as unknown as { currentTime: number }).currentTime)).toBeGreaterThan(0)
    await chart.hover({ position: { x: px[k][0], y: px[k][1] } })
    await card.screenshot({ path: path.resolve('test-results/screenshots/embedding-map.png') })
    expect(app.consoleErrors).toEqual([])
  })

  it('averages a run’s last two epochs and ensembles it with another run, each beside its parts', async () => {
    const { page } = app
    const first = loadRun(runId)
    const second = createTrainingRun({ dataset: first.config.dataset, model: 'ast', size: 'tiny', depth: 1, melBins: 32, targetLength: 48, fstride: 16, tstride: 16, epochs: 2, batchSize: 8, lr: 1e-4, seed: 4, threads: 1, keepCheckpoints: 2 }).runId
    await trainRun(second)
    await page.goto(`${app.server.url}#/runs/${second}`)
    const panel = page.getByTestId('combine')
    await panel.waitFor()
    await page.getByTestId('average-start').click()
    const results = panel.getByTestId('combined')
    await results.first().waitFor()
    expect(await results.first().innerText()).toContain('epoch 1')
    await panel.getByTestId('ensemble-partner').filter({ hasText: runId }).getByTestId('ensemble-member').check()
    await page.getByTestId('ensemble-start').click()
    await expect.poll(() => results.count()).toBe(2)
    // The ensemble's test mAP on screen is that of the mean of the two runs' stored test scores.
    const a = loadPredictions(second, 'test')!
    const b = loadPredictions(runId, 'test')!
    const mean = a.scores.map((v, i) => (v + b.scores[b.files.indexOf(a.files[Math.floor(i / a.nClasses)]) * a.nClasses + (i % a.nClasses)]) / 2)
    const ref = clipMetrics(mean, a.targets, a.nClips, a.nClasses).mAP!
    expect(await results.nth(1).getByTestId('combined-map').innerText()).toBe(ref.toFixed(4))
    await panel.screenshot({ path: path.resolve('test-results/screenshots/averaging-ensembles.png') })
    expect(app.consoleErrors).toEqual([])
  })

  it('maps a dataset from a checkpoint folder on the dataset page', async () => {
    const { page } = app
    const dataset = loadRun(runId).config.dataset
    await page.goto(`${app.server.url}#/datasets/${dataset}`)
    await page.getByTestId('dataset-name').waitFor()
    const card = page.getByTestId('embedding-map')
    await page.getByTestId('map-model').selectOption('@folder')
    await page.getByTestId('map-folder').fill(checkpointDir(runId, 'best'))
    await page.getByTestId('map-folder').press('Enter')
    await page.getByTestId('map-build').click()
    await card.getByTestId('map-chart').locator('canvas').waitFor()
    await expect.poll(() => card.getByTestId('map-facts').innerText()).toContain(`30 of 30 clips`)
    await page.getByTestId('map-colour').selectOption('split')
    await card.screenshot({ path: path.resolve('test-results/screenshots/dataset-embedding-map.png') })
    expect(app.consoleErrors).toEqual([])
  })
})
