// The queue's controls on a real run: cancel a training run part-way, see it stop with its epochs
// kept, resume it from its checkpoint, and see it finish every epoch.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { appOnToneFolder, importThroughPicker, type E2eApp } from './helpers'

let app: E2eApp
let folder: string
appOnToneFolder('tagbench-queue-', (a, f) => {
  app = a
  folder = f
})

const EPOCHS = 40

describe('the experiment queue', () => {
  it('cancels a run part-way and resumes it to the end', async () => {
    const { page } = app
    await importThroughPicker(page, folder, 'tones')
    await page.getByRole('link', { name: 'Experiments', exact: true }).click()
    await page.getByTestId('experiment-form').waitFor()
    // A preset fills the form with the paper's comparison; reset brings the defaults back.
    await page.getByRole('button', { name: /^Patch overlap/ }).click()
    expect(await page.getByTestId('axis-key-0').inputValue()).toBe('stride')
    expect(await page.getByTestId('axis-values-0').inputValue()).toBe('16, 10')
    expect(await page.getByTestId('exp-depth').inputValue()).toBe('4')
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Launch 2 runs')
    await page.getByRole('button', { name: 'Reset the form' }).click()
    expect(await page.getByTestId('axis-key-0').count()).toBe(0)
    await page.getByTestId('exp-depth').fill('1')
    await page.getByTestId('exp-epochs').fill(String(EPOCHS))
    // TensorFlow.js, the slower engine: on ONNX Runtime these tiny epochs can all end before Cancel lands.
    await page.getByTestId('exp-engine').selectOption('tfjs')
    await page.getByTestId('exp-seeds').fill('0')
    // Early stopping off: the recipe turns it on for a run this long (train/recipe.ts), and a stopped
    // run could end before Cancel lands.
    await page.getByTestId('more-options').evaluate((d) => ((d as HTMLDetailsElement).open = true))
    await page.getByTestId('exp-patience').fill('0')
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Launch the run')
    await page.getByTestId('launch').click()

    const run = page.getByTestId('queue').getByTestId('queue-run').first()
    await run.waitFor()
    // Let it train a few epochs, then cancel it from its page.
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    const row = page.getByTestId('run-row').first()
    await expect.poll(async () => Number(/\S+ @(\d+)/.exec(await row.innerText())?.[1] ?? 0), { interval: 500 }).toBeGreaterThanOrEqual(2)
    await row.getByRole('link').click()
    await page.getByRole('main').getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect.poll(() => page.getByTestId('run-status').innerText()).toMatch(/cancelled|interrupted/)
    const stoppedAt = Number(/Epochs (\d+) of/.exec(await page.getByTestId('run-facts').innerText())![1])
    expect(stoppedAt).toBeGreaterThanOrEqual(2)
    expect(stoppedAt).toBeLessThan(EPOCHS)
    await app.shot('run-cancelled')

    // Resume continues from the checkpoint and trains the remaining epochs.
    await page.getByRole('button', { name: 'Resume' }).click()
    await expect.poll(() => page.getByTestId('run-status').innerText(), { interval: 1000 }).toBe('done')
    await expect.poll(async () => /Epochs (\d+) of (\d+)/.exec(await page.getByTestId('run-facts').innerText())?.slice(1)).toEqual([String(EPOCHS), String(EPOCHS)])
    // The log tells of the resume.
    expect(await page.getByTestId('run-log').innerText()).toMatch(/resum/i)
    expect(app.consoleErrors).toEqual([])
  })

  it('cancels an experiment without starting its next run, and resumes it', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Experiments', exact: true }).click()
    await page.getByTestId('experiment-form').waitFor()
    await page.getByRole('button', { name: 'Reset the form' }).click()
    await page.getByTestId('exp-depth').fill('1')
    await page.getByTestId('exp-epochs').fill(String(EPOCHS))
    // TensorFlow.js, the slower engine: on ONNX Runtime these tiny epochs can all end before Cancel lands.
    await page.getByTestId('exp-engine').selectOption('tfjs')
    await page.getByTestId('exp-seeds').fill('0, 1')
    await page.getByTestId('exp-name').fill('two seeds')
    // A setting from "More training options" reaches the runs' configs.
    await page.getByTestId('more-options').locator('summary').click()
    await page.getByTestId('exp-dropout').fill('0.1')
    await page.getByTestId('exp-patience').fill('0')
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Launch 2 runs')
    await page.getByTestId('launch').click()
    const group = page.getByTestId('queue').locator('.group', { hasText: 'two seeds' })
    const runs = group.getByTestId('queue-run')
    await expect.poll(() => runs.count()).toBe(2)
    await expect.poll(() => runs.first().innerText()).toMatch(/\brunning\b/)
    await group.getByRole('button', { name: 'Cancel experiment' }).click()
    await expect.poll(() => group.getByTestId('queue-group').innerText()).toMatch(/cancelled/)
    const runsDir = path.join(app.dataDir, 'runs')
    const configs = fs.readdirSync(runsDir).filter((id) => !id.startsWith('.')).map((id) => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'config.json'), 'utf8')) as { name: string; dropout: number })
    expect(configs.filter((c) => c.name.startsWith('two seeds')).map((c) => c.dropout)).toEqual([0.1, 0.1])
    // The first run stopped where it was; the second never started.
    await expect.poll(async () => (await runs.allInnerTexts()).map((t) => /\bcancelled\b/.test(t))).toEqual([true, true])
    expect(await runs.nth(1).innerText()).toMatch(/\b0\/\d+ epochs/)
    await app.shot('experiment-cancelled')
    await group.getByRole('button', { name: 'Resume experiment' }).click()
    await expect.poll(() => group.getByTestId('queue-group').innerText()).toMatch(/running/)
    await expect.poll(() => runs.first().innerText()).toMatch(/\brunning\b/)
    await group.getByRole('button', { name: 'Cancel experiment' }).click()
    await expect.poll(() => group.getByTestId('queue-group').innerText()).toMatch(/cancelled/)

    // Deleting it with its runs: the dialog offers both, and the runs leave the Runs page too.
    await group.getByTestId('experiment-delete').click()
    const dialog = page.getByRole('dialog', { name: 'Delete experiment “two seeds”?' })
    await dialog.waitFor()
    await app.shot('experiment-delete')
    await dialog.getByTestId('experiment-delete-all').click()
    await page.getByTestId('notice').filter({ hasText: 'Deleted experiment "two seeds" and its 2 runs.' }).waitFor()
    await expect.poll(() => group.count()).toBe(0)
    expect(fs.readdirSync(runsDir).filter((id) => !id.startsWith('.'))).toHaveLength(1)
    expect(app.consoleErrors).toEqual([])
  })
})
