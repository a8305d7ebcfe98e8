// The Slurm executor in the app (server mode, Chromium), on the one-node cluster of
// test/slurm/start.sh: the experiment form offers Slurm because sbatch is on the PATH, a grid of two
// seeds is submitted with a CPU count, the queue shows each run's job and state until both complete,
// and the run page shows the job (state, node) and its Slurm stderr. Skipped, with the reason,
// where Slurm is absent.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importThroughPicker, openApp, type E2eApp } from './helpers'
import { writeToneDataset } from './audio'

function slurmAbsence(): string | null {
  try {
    execFileSync('sinfo', ['-h'], { stdio: 'pipe', timeout: 20_000 })
    execFileSync('sbatch', ['--version'], { stdio: 'pipe' })
    return null
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'sbatch is not on the PATH' : 'no Slurm controller answers (run test/slurm/start.sh as root)'
  }
}
const absent = slurmAbsence()
if (absent) console.warn(`Skipping the Slurm end-to-end test: ${absent}`)

let app: E2eApp
let folder: string
beforeAll(async () => {
  if (absent) return
  process.env.TAGBENCH_SLURM_POLL_MS = '500'
  folder = writeToneDataset(fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-slurm-e2e-')), 8, 1)
  app = await openApp()
})
afterAll(async () => {
  await app?.close()
  if (folder) fs.rmSync(folder, { recursive: true, force: true })
})

describe.skipIf(!!absent)('experiments on Slurm in the app', () => {
  it('submits a grid to Slurm from the form and shows each run\'s job to the end', async () => {
    const { page } = app
    await importThroughPicker(page, folder, 'tones')
    await page.getByRole('link', { name: 'Experiments', exact: true }).click()
    await page.getByTestId('experiment-form').waitFor()
    await page.getByRole('button', { name: 'Reset the form' }).click()
    await page.getByTestId('exp-depth').fill('1')
    await page.getByTestId('exp-epochs').fill('2')
    await page.getByTestId('exp-seeds').fill('0, 1')
    await page.getByTestId('exp-name').fill('on slurm')
    // Offered because sbatch is on the PATH; local stays the default until the user picks Slurm.
    await page.getByTestId('executor').waitFor()
    expect(await page.getByTestId('executor-local').isChecked()).toBe(true)
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Launch 2 runs')
    await page.getByTestId('executor-slurm').check()
    await page.getByTestId('slurm-cpus').fill('1')
    await page.getByTestId('slurm-preamble').fill('# module load nodejs/20 (none needed here)')
    await expect.poll(() => page.getByTestId('launch').innerText()).toBe('Submit 2 runs to Slurm')
    await app.shot('experiments-slurm-form')
    await page.getByTestId('launch').click()

    const group = page.getByTestId('queue').locator('.group', { hasText: 'on slurm' })
    await group.getByTestId('slurm-badge').waitFor()
    const states = group.getByTestId('slurm-state')
    await expect.poll(() => states.count()).toBe(2)
    expect(await states.first().innerText()).toMatch(/^job \d+ · /)
    await expect.poll(async () => (await states.allInnerTexts()).map((t) => t.replace(/^job \d+ · /, '')), { interval: 1000 }).toEqual(['COMPLETED on localhost', 'COMPLETED on localhost'])
    await expect.poll(() => group.locator('.badge').first().innerText()).toBe('done')
    await app.shot('experiments-slurm-queue')

    // The options are kept for this data folder.
    expect(JSON.parse(fs.readFileSync(path.join(app.dataDir, 'slurm.json'), 'utf8'))).toMatchObject({ cpus: 1, preamble: '# module load nodejs/20 (none needed here)' })

    await group.getByTestId('queue-run').first().getByRole('link').click()
    const card = page.getByTestId('slurm-job')
    await card.waitFor()
    expect(await page.getByTestId('slurm-job-state').innerText()).toBe('COMPLETED on localhost')
    expect(await page.getByTestId('run-status').innerText()).toBe('done')
    await page.getByTestId('slurm-stderr').click()
    await expect.poll(() => page.getByTestId('slurm-log').innerText()).toMatch(/training run \S+ in Slurm job \d+ on localhost/)
    await app.shot('run-slurm-job')
    expect(app.consoleErrors).toEqual([])
  })
})
