// Shared fixtures for end-to-end tests: server mode on loopback with a temp data folder, and a
// Chromium (CHROMIUM_PATH, an installed one, or the npm-shipped one: see ../chromium.ts) driven by
// playwright-core.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startServer, type RunningServer } from '../../src/main/server/server'
import { launchChromium } from '../chromium'
import { HANG_MS } from '../limits'
import { writeToneDataset } from './audio'

const SCREENSHOT_DIR = path.resolve('test-results/screenshots')

export interface E2eApp {
  server: RunningServer
  browser: Browser
  page: Page
  dataDir: string
  consoleErrors: string[]
  shot(name: string): Promise<void>
  close(): Promise<void>
}

/** `chromiumArgs`: extra Chromium flags (fake microphone, autoplay policy). */
export async function openApp(opts: { chromiumArgs?: string[] } = {}): Promise<E2eApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-e2e-'))
  process.env.TAGBENCH_DATA_DIR = dataDir
  const server = await startServer({ rendererDir: path.resolve('out/renderer'), port: 0 })
  const { browser } = await launchChromium(opts.chromiumArgs)
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  // Playwright's 30 s default would make a busy machine fail waits that a quiet one passes.
  page.setDefaultTimeout(HANG_MS)
  const consoleErrors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(e.message))
  await page.goto(server.url)
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return {
    server,
    browser,
    page,
    dataDir,
    consoleErrors,
    shot: async (name) => {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
    },
    close: async () => {
      await browser.close()
      await server.close()
    }
  }
}

/**
 * The setting most of these files share: before their tests, a folder of 8 one-second tone clips per
 * class (named from `prefix`) and an app; after them, both gone. `use` hands them to the file.
 */
export function appOnToneFolder(prefix: string, use: (app: E2eApp, folder: string) => void): void {
  let app: E2eApp | undefined
  let folder: string | undefined
  beforeAll(async () => {
    folder = writeToneDataset(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), 8, 1)
    app = await openApp()
    use(app, folder)
  })
  afterAll(async () => {
    await app?.close()
    if (folder) fs.rmSync(folder, { recursive: true, force: true })
  })
}

/** Imports a folder through the Datasets page's server folder picker and waits for it in the list. */
export async function importThroughPicker(page: Page, folder: string, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
  await page.getByTestId('choose-folder').click()
  await browseTo(page, folder)
  await page.getByTestId('picker-choose-folder').click()
  await page.getByTestId('detected-layout').filter({ hasText: 'Detected layout' }).waitFor()
  await page.getByTestId('import-name').fill(name)
  await page.getByTestId('import-start').click()
  await page.getByTestId('dataset-table').getByRole('link', { name, exact: true }).waitFor()
}

/** In an open server folder picker: types `folder` into the path field, goes there, and waits until
 *  its listing has arrived (the field shows the folder the server resolved, and nothing is loading). */
export async function browseTo(page: Page, folder: string): Promise<void> {
  await page.getByTestId('picker-path').fill(folder)
  await page.getByTestId('picker-path').press('Enter')
  await page.waitForFunction((f) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { value?: string } | null } }).document
    return doc.querySelector('[data-testid="picker-path"]')?.value === f && !doc.querySelector('[data-testid="picker-entries"][aria-busy="true"]')
  }, folder)
}
