// A newcomer's first steps: import a folder of tones through the server folder picker, check what
// the import found, browse and play a clip, and cut a subset.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appOnToneFolder, browseTo, type E2eApp } from './helpers'
import { HANG_MS } from '../limits'
import { writeToneDataset } from './audio'

// Page-side code is type-checked for Node (no DOM types): the few browser objects it touches, by shape.
interface PageGlobals {
  localStorage: { getItem(key: string): string | null }
  document: { documentElement: unknown }
  getComputedStyle(el: unknown): { getPropertyValue(name: string): string }
}
interface AudioLike {
  readyState: number
  duration: number
  addEventListener(type: string, fn: (v: unknown) => void, opts: { once: boolean }): void
}

let app: E2eApp
let folder: string
appOnToneFolder('tagbench-tones-', (a, f) => {
  app = a
  folder = f
})

describe('datasets', () => {
  it('imports a folder chosen on the server and shows its classes, files and clips', async () => {
    const { page } = app
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
    await page.getByTestId('datasets-empty').waitFor()

    // Keyboard: the picker opens from the keyboard and Escape closes it.
    await page.getByTestId('choose-folder').focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Choose a dataset folder' })
    await dialog.waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    // The server-side picker: type the path, go there, choose it.
    await page.getByTestId('choose-folder').click()
    await browseTo(page, folder)
    await expect.poll(() => page.getByTestId('picker-entries').innerText()).toMatch(/high[\s\S]*low[\s\S]*mid/)
    await app.shot('datasets-picker')
    await page.getByTestId('picker-choose-folder').click()

    await expect.poll(() => page.getByTestId('detected-layout').innerText()).toBe('Detected layout: folders')
    expect(await page.getByTestId('layout-select').inputValue()).toBe('folders')
    await page.getByTestId('import-name').fill('tones')
    await page.getByTestId('import-start').click()

    const row = page.getByTestId('dataset-table').locator('tbody tr', { hasText: 'tones' })
    await row.waitFor()
    const cells = await row.locator('td').allInnerTexts()
    expect(cells.slice(0, 4)).toEqual(['tones', 'folders', '24', '3'])
    // Every clip lands in a split, and the three add up.
    const [train, val, test] = cells[4].split('/').map((s) => Number(s.trim().replace(/\D.*$/, '')))
    expect(train + val + test).toBe(24)
    expect(train).toBeGreaterThan(val)
    await app.shot('datasets')

    await row.getByRole('link', { name: 'tones' }).click()
    await page.getByTestId('dataset-name').filter({ hasText: 'tones' }).waitFor()
    expect(await page.getByTestId('fact-clips').innerText()).toBe('24')
    expect(await page.getByTestId('fact-classes').innerText()).toBe('3')
    // The class chart is drawn (ECharts renders into a canvas) and its toggle switches to log scale.
    await page.getByTestId('class-chart').locator('canvas').first().waitFor()
    expect(await page.getByTestId('duration-chart').locator('canvas').count()).toBeGreaterThan(0)
    await page.getByTestId('class-log').check()
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('tagbench.ui.v1.datasets.classChartLog'))).toBe('true')
    await page.getByTestId('class-log').uncheck()
    expect(await page.getByTestId('problems').innerText()).toContain('None: every file and row was read.')

    // The file browser: filter by class and split, then open a clip.
    expect(await page.getByTestId('file-count').innerText()).toBe('24 files')
    await page.getByTestId('filter-class').selectOption('mid')
    expect(await page.getByTestId('file-count').innerText()).toBe('8 files')
    await page.getByTestId('filter-split').selectOption('train')
    const nTrainMid = Number((await page.getByTestId('file-count').innerText()).split(' ')[0])
    expect(nTrainMid).toBeGreaterThan(0)
    expect(nTrainMid).toBeLessThan(8)
    await page.getByTestId('file-browser').locator('tbody button').first().click()
    const clip = page.getByTestId('clip-view')
    await clip.waitFor()
    expect(await clip.innerText()).toMatch(/mid\/mid_\d\d\.wav/)
    // 1 s at 16 kHz: 98 frames of 128 mel bins, and a playable WAV.
    expect(await page.getByTestId('clip-mel').locator('canvas').evaluate((c: unknown) => [(c as { width: number }).width, (c as { height: number }).height])).toEqual([98, 128])
    const duration = await page.getByTestId('clip-audio').evaluate(async (el: unknown) => {
      const a = el as AudioLike
      if (a.readyState < 1) await new Promise((r) => a.addEventListener('loadedmetadata', r, { once: true }))
      return a.duration
    })
    expect(duration).toBeCloseTo(1, 2)
    await app.shot('dataset')

    // The filters survive a reload.
    await page.reload()
    await page.getByTestId('file-count').waitFor()
    expect(await page.getByTestId('filter-class').inputValue()).toBe('mid')
    await page.getByTestId('filter-class').selectOption('')
    await page.getByTestId('filter-split').selectOption('')
  })

  it('an import that fails says why, naming the folder, in the page and the job tray', async () => {
    const { page } = app
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-bad-'))
    fs.mkdirSync(path.join(bad, 'noise'))
    fs.writeFileSync(path.join(bad, 'noise', 'a.wav'), 'this is not audio')
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
      await page.getByTestId('choose-folder').click()
      await browseTo(page, bad)
      await page.getByTestId('picker-entries').getByText('noise').waitFor()
      await page.getByTestId('picker-choose-folder').click()
      await expect.poll(() => page.getByTestId('detected-layout').innerText()).toBe('Detected layout: folders')
      await page.getByTestId('import-start').click()
      const failed = page.getByTestId('import-job').filter({ hasText: 'failed' })
      await failed.waitFor()
      const message = await failed.getByRole('alert').innerText()
      expect(message).toContain(fs.realpathSync(bad))
      expect(message).toMatch(/a\.wav/)
      expect(await page.getByTestId('job-tray').innerText()).toContain(message.slice(0, 40))
      await app.shot('datasets-import-failed')
    } finally {
      fs.rmSync(bad, { recursive: true, force: true })
    }
  })

  it('an import in progress can be cancelled, and leaves no dataset behind', async () => {
    const { page } = app
    const big = writeToneDataset(fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-big-')), 1500, 0.1)
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
      await page.getByTestId('choose-folder').click()
      await browseTo(page, big)
      await page.getByTestId('picker-entries').getByText('mid').waitFor()
      await page.getByTestId('picker-choose-folder').click()
      await page.getByTestId('detected-layout').filter({ hasText: 'Detected layout' }).waitFor()
      await page.getByTestId('import-name').fill('big')
      await page.getByTestId('import-start').click()
      const job = page.getByTestId('import-job').filter({ hasText: 'Importing big' })
      await job.getByRole('button', { name: 'Cancel' }).click()
      await expect.poll(() => job.innerText()).toMatch(/cancelled/)
      expect(await page.getByTestId('dataset-table').innerText()).not.toMatch(/\bbig\b/)
    } finally {
      fs.rmSync(big, { recursive: true, force: true })
    }
  })

  it('the picker never overwrites a path being typed when its opening listing arrives late', async () => {
    // Hold back the reply to the picker's first listing (the user's home folder) until the user has
    // put the cursor in the path field: the late reply must leave the field to them.
    const page = await app.browser.newPage({ viewport: { width: 1400, height: 900 } })
    page.setDefaultTimeout(HANG_MS)
    let releaseHeld: (() => void) | null = null
    let holding = true
    await page.routeWebSocket(/\/api\?/, (ws) => {
      const server = ws.connectToServer()
      const listIds = new Set<number>()
      ws.onMessage((m) => {
        const frame = JSON.parse(String(m)) as { id: number; method: string }
        if (frame.method === 'fs.listDir') listIds.add(frame.id)
        server.send(m)
      })
      server.onMessage((m) => {
        const frame = JSON.parse(String(m)) as { id?: number }
        if (holding && frame.id !== undefined && listIds.has(frame.id)) {
          holding = false
          releaseHeld = () => ws.send(m)
        } else ws.send(m)
      })
    })
    try {
      await page.goto(app.server.url)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
      await page.getByTestId('choose-folder').click()
      const field = page.getByTestId('picker-path')
      await field.focus()
      await expect.poll(() => releaseHeld !== null).toBe(true)
      releaseHeld!()
      await page.locator('[data-testid="picker-entries"][aria-busy="false"]').waitFor()
      expect(await field.inputValue()).toBe('')
      await page.keyboard.type(folder)
      await page.keyboard.press('Enter')
      await expect.poll(() => page.getByTestId('picker-entries').innerText()).toMatch(/high[\s\S]*low[\s\S]*mid/)
      expect(await field.inputValue()).toBe(folder)
    } finally {
      await page.close()
    }
  })

  it('makes a subset of two classes', async () => {
    const { page } = app
    await page.getByTestId('dataset-table').getByRole('link', { name: 'tones', exact: true }).click()
    await page.getByTestId('dataset-name').filter({ hasText: 'tones' }).waitFor()
    await page.getByTestId('subset-open').click()
    const dialog = page.getByRole('dialog', { name: 'Make a subset' })
    await dialog.getByLabel('low').check()
    await dialog.getByLabel('high').check()
    await dialog.getByTestId('subset-name').fill('tones-lh')
    await dialog.getByTestId('subset-create').click()
    await page.getByTestId('dataset-name').filter({ hasText: 'tones-lh' }).waitFor()
    expect(await page.getByTestId('fact-clips').innerText()).toBe('16')
    expect(await page.getByTestId('fact-classes').innerText()).toBe('2')
    // The dark theme follows the OS.
    await page.emulateMedia({ colorScheme: 'dark' })
    expect(await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals
      return g.getComputedStyle(g.document.documentElement).getPropertyValue('--bg').trim()
    })).toBe('#16181d')
    await page.getByTestId('file-browser').locator('tbody button').first().click()
    await page.getByTestId('clip-mel').waitFor()
    await app.shot('dataset-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    expect(app.consoleErrors).toEqual([])
  })
})
