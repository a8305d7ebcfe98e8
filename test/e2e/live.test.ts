// The Tag page's live microphone in Chromium, with Chromium's fake capture device playing a WAV of a
// steady tone: the stream reaches the live job, and its top tag is the one file tagging gives that
// tone. A second page without the fake device's permission gets the denied-permission message.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type E2eApp } from './helpers'
import { toneWav, writeToneDataset, TONE_CLASSES } from './audio'
import { initBackend } from '../../src/main/engine/platform/backend'
import { importDataset } from '../../src/main/engine/data/record'
import { createTrainingRun } from '../../src/main/engine/train/newRun'
import { trainRun } from '../../src/main/engine/train/trainer'
import { tagFiles } from '../../src/main/engine/infer/tag'

let app: E2eApp
let folder: string
let wav: string
let runId: string
beforeAll(async () => {
  folder = writeToneDataset(fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-live-')), 10, 0.5)
  // Ten seconds of the 'mid' tone: the fake microphone loops it.
  wav = path.join(folder, 'mic.wav')
  fs.writeFileSync(wav, toneWav(10, TONE_CLASSES.mid, 5))
  app = await openApp({ chromiumArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`] })
  await initBackend('wasm')
  const record = await importDataset({ folder, name: 'tones', layout: 'folders' })
  runId = createTrainingRun({ dataset: record.id, model: 'ast', size: 'tiny', depth: 1, melBins: 32, targetLength: 48, fstride: 16, tstride: 16, epochs: 3, batchSize: 8, lr: 1e-3, warmupSteps: 2, seed: 3, threads: 1 }).runId
  await trainRun(runId)
})
afterAll(async () => {
  await app?.close()
  fs.rmSync(folder, { recursive: true, force: true })
})

describe('live microphone', () => {
  it('tags a synthetic microphone stream with a run', async () => {
    const { page } = app
    await page.goto(`${app.server.url}#/tag`)
    await page.getByTestId('source-run').check()
    await page.getByTestId('tag-run-select').selectOption(runId)
    await page.getByTestId('live-start').click()
    const top = page.getByTestId('live-top')
    await top.locator('.score').first().waitFor()
    // A few windows in, the rolling map is drawn.
    await page.getByTestId('live-map').locator('canvas').waitFor()
    await expect.poll(() => page.getByTestId('live-note').innerText()).toMatch(/[3-9]\.\d s heard|\d\d+\.\d s heard/)
    // Reference: file tagging of the tone the fake microphone plays.
    const ref = await tagFiles(runId, [wav], { topK: 1 })
    expect(await top.locator('.lab').first().innerText()).toBe(ref.results[0].top[0].label)
    await page.getByTestId('live').screenshot({ path: path.resolve('test-results/screenshots/live-microphone.png') })
    await page.getByTestId('live-stop').click()
    await page.getByTestId('live-start').waitFor()
    expect(app.consoleErrors.filter((e) => !/ScriptProcessorNode/.test(e))).toEqual([])
  })

  it('says so when the microphone permission is denied', async () => {
    // A new context without the fake UI's grant: deny the permission explicitly.
    const ctx = await app.browser.newContext({ viewport: { width: 1400, height: 900 } })
    const page = await ctx.newPage()
    await page.addInitScript(() => {
      const md = (globalThis as unknown as { navigator: { mediaDevices: { getUserMedia: unknown } } }).navigator.mediaDevices
      md.getUserMedia = () => Promise.reject(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }))
    })
    await page.goto(`${app.server.url}#/tag`)
    await page.getByTestId('source-run').check()
    await page.getByTestId('live-start').click()
    await expect.poll(() => page.getByTestId('live-error').innerText()).toMatch(/Microphone access was denied/)
    await page.getByTestId('live').screenshot({ path: path.resolve('test-results/screenshots/live-microphone-denied.png') })
    await ctx.close()
  })
})
