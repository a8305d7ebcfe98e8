import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type E2eApp } from './helpers'
import { HANG_MS } from '../limits'

let app: E2eApp
beforeAll(async () => {
  app = await openApp()
})
afterAll(() => app?.close())

describe('the app in server mode, in Chromium', () => {
  it('loads, navigates every page, and shows the backend report from the engine', async () => {
    const { page } = app
    await page.getByRole('navigation').waitFor()
    for (const name of ['Datasets', 'Experiments', 'Runs', 'Tag', 'Settings']) {
      await page.getByRole('link', { name, exact: true }).click()
      await page.getByRole('heading', { level: 1 }).filter({ hasText: name }).waitFor()
    }
    // A round trip to the engine: the backend it chose, and why the others were not.
    const report = page.getByTestId('backend-report')
    await report.waitFor()
    await expect.poll(() => report.innerText()).toContain('Using tfjs-backend-wasm')
    const text = await report.innerText()
    expect(text).toMatch(/tfjs-node-gpu \(CUDA\)\s+@tensorflow\/tfjs-node-gpu is not installed/)
    expect(await page.getByTestId('data-dir').innerText()).toBe(app.dataDir)
    await app.shot('settings')
    expect(app.consoleErrors).toEqual([])
  })

  it('the page refuses to work without the token', async () => {
    const page = await app.browser.newPage()
    page.setDefaultTimeout(HANG_MS)
    await page.goto(app.server.url.replace(/\?token=.*/, ''))
    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    await expect.poll(() => page.locator('.error').first().innerText()).toMatch(/Cannot reach the Tagbench server/)
    await page.close()
  })
})
