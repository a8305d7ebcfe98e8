// Comparing a sweep: 60 finished runs (5 learning rates × 2 strides × 2 SpecAugment × 3 mixup, one
// seed; written with the run store's own writers by bench/sweep.ts). Select all and see every curve,
// group by the learning rate and open a band's runs, then brush a range of the best mAP in parallel
// coordinates and see the table and the curves follow.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type E2eApp } from './helpers'
import { generateSweep } from '../../bench/sweep'
import { listRuns } from '../../src/main/engine/runs/store'

const RUNS = 60
let app: E2eApp
let audio: string
beforeAll(async () => {
  audio = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-sweep-audio-'))
  app = await openApp()
  await generateSweep({ runs: RUNS, stepsPerEpoch: 20, audioDir: audio })
})
afterAll(async () => {
  await app?.close()
  fs.rmSync(audio, { recursive: true, force: true })
  if (app) fs.rmSync(app.dataDir, { recursive: true, force: true })
})

/** The curve names in the chart's description ("name (to epoch 12)"). */
const curveNames = (label: string | null) => [...(label ?? '').matchAll(/([^:;]+?) \(to epoch (\d+)\)/g)].map((m) => m[1].trim())

describe('comparing a sweep of 60 runs', () => {
  it('selects all and draws every curve, then groups them by learning rate', async () => {
    const { page } = app
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    await expect.poll(() => page.getByTestId('runs-count').innerText()).toMatch(new RegExp(`^${RUNS} of ${RUNS} runs`))
    // The table is windowed: fewer rows in the DOM than runs, all of them counted for assistive tech.
    expect(await page.getByTestId('run-row').count()).toBeLessThan(RUNS)
    expect(await page.getByTestId('runs-table').getAttribute('aria-rowcount')).toBe(String(RUNS + 1))

    await page.getByRole('checkbox', { name: 'Select all shown runs' }).check()
    const curves = page.getByTestId('curves')
    await expect.poll(() => curves.getAttribute('aria-busy')).toBe('false')
    expect(await curves.getAttribute('data-loaded')).toBe(`${RUNS}/${RUNS}`)
    const names = curveNames(await curves.getAttribute('aria-label'))
    expect(names).toHaveLength(RUNS)
    expect(await curves.getAttribute('aria-label')).toMatch(/^validation mAP by epoch, EMA 0\.6: /)
    expect([...(await curves.getAttribute('aria-label'))!.matchAll(/\(to epoch 12\)/g)]).toHaveLength(RUNS)
    await curves.locator('canvas').first().waitFor()
    await app.shot('compare-all-60')

    // Grouped by the learning rate: five bands of 12 runs, and a band's runs one click away.
    await page.getByTestId('group-mode').selectOption('keys')
    await page.getByTestId('compare').getByRole('checkbox', { name: 'lr', exact: true }).check()
    await expect.poll(() => curves.getAttribute('aria-label')).toMatch(/5 groups, band ± std: /)
    const groups = page.getByTestId('curve-group')
    expect(await groups.count()).toBe(5)
    const byLr = new Map<string, number[]>()
    for (const r of listRuns()) byLr.set(String(r.config.lr), [...(byLr.get(String(r.config.lr)) ?? []), r.last!.mAP!])
    expect(curveNames(await curves.getAttribute('aria-label')).sort()).toEqual([...byLr.keys()].map((lr) => `lr=${lr} (n=12)`).sort())
    // Without smoothing, a group's mean at the last epoch is the mean of its runs' last mAP (all log 12 epochs).
    await page.getByTestId('smoothing-kind').selectOption('none')
    for (let i = 0; i < 5; i++) {
      await expect.poll(async () => /± \d/.test(await groups.nth(i).innerText())).toBe(true)
      const text = await groups.nth(i).innerText()
      const lr = /lr=(\S+)/.exec(text)![1]
      const vals = byLr.get(lr)!
      const mean = vals.reduce((x, y) => x + y, 0) / vals.length
      const std = Math.sqrt(vals.reduce((x, y) => x + (y - mean) ** 2, 0) / (vals.length - 1))
      const [, m, sd] = /(\d\.\d+) ± (\d\.\d+)/.exec(text)!
      expect(Number(m)).toBeCloseTo(mean, 2)
      expect(Number(sd)).toBeCloseTo(std, 2)
    }
    await groups.first().getByRole('button', { name: 'runs', exact: true }).click()
    const members = page.getByTestId('group-runs').getByRole('link')
    expect(await members.count()).toBe(12)
    const lr = Number(/lr=(\S+)/.exec(await groups.first().innerText())![1])
    for (const name of await members.allInnerTexts()) expect(name).toMatch(new RegExp(`^lr${String(lr).replace('.', '\\.')}-`))
    await app.shot('compare-grouped-by-lr')
    await page.getByTestId('group-mode').selectOption('none')
  })

  it('brushes a range of best mAP in parallel coordinates; the table and the curves follow', async () => {
    const { page } = app
    const sweep = page.getByTestId('sweep-parallel')
    await sweep.locator('canvas').first().waitFor()
    await sweep.scrollIntoViewIfNeeded()
    const [lo, hi] = (await sweep.getAttribute('data-metric-range'))!.split(',').map(Number)
    const box = (await sweep.locator('canvas').first().boundingBox())!
    // The metric is the last axis, at the plot's right edge (SweepView's PARALLEL layout: right 110, top 46, bottom 36).
    const axisX = box.x + box.width - 110
    const top = box.y + 46
    const bottom = box.y + box.height - 36
    const yOf = (v: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top)
    const mid = lo + 0.6 * (hi - lo)
    await page.mouse.move(axisX, yOf(hi) + 2)
    await page.mouse.down()
    await page.mouse.move(axisX, yOf(mid), { steps: 8 })
    await page.mouse.up()

    // The runs whose best mAP is above the brushed edge (one pixel either way: where the drag ended).
    const best = listRuns().map((r) => r.best!.mAP!)
    const px = (hi - lo) / (bottom - top)
    const atLeast = best.filter((b) => b >= mid + px && b <= hi - 3 * px).length
    const atMost = best.filter((b) => b >= mid - px).length
    await expect.poll(() => page.getByTestId('brush-chip').count()).toBe(1)
    const n = Number(/^(\d+) of 60 runs/.exec(await page.getByTestId('runs-count').innerText())![1])
    expect(n).toBeGreaterThanOrEqual(atLeast)
    expect(n).toBeLessThanOrEqual(atMost)
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan(RUNS)
    // Every listed row is inside the brush; the curves show the same runs.
    const rows = page.getByTestId('run-row')
    expect(await rows.count()).toBe(Math.min(n, await rows.count()))
    for (const text of await rows.allInnerTexts()) {
      const b = Number(/(\d\.\d{3}) @\d+/.exec(text)![1])
      expect(b).toBeGreaterThanOrEqual(mid - px - 0.001)
    }
    const curves = page.getByTestId('curves')
    await expect.poll(async () => curveNames(await curves.getAttribute('aria-label')).length).toBe(n)
    expect(await sweep.getAttribute('aria-label')).toContain(`${n} runs in the selection`)
    await app.shot('compare-brushed')

    // Clearing the brush brings every run back.
    await page.getByTestId('brush-chip').getByRole('button', { name: 'clear' }).click()
    await expect.poll(() => page.getByTestId('runs-count').innerText()).toMatch(/^60 of 60 runs/)
  })

  it('sorts on the test metric and on a setting', async () => {
    const { page } = app
    await expect.poll(() => page.getByTestId('runs-count').innerText()).toMatch(/^60 of 60 runs/)
    await page.getByRole('button', { name: 'Test mAP' }).click()
    // Cells: checkbox, name, status, dataset, settings…, best, last, test, samples/s, started.
    const cells = (await page.getByTestId('run-row').first().innerText()).split('\t')
    const firstTest = Number(cells[cells.length - 3])
    const tests = listRuns().map((r) => r.test!.mAP!)
    expect(firstTest).toBeCloseTo(Math.max(...tests), 3)
    await page.getByRole('button', { name: 'mixup', exact: true }).click()
    expect(await page.getByTestId('runs-table').locator('th[aria-sort="ascending"]').innerText()).toMatch(/mixup/)
  })
})
