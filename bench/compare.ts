// Comparing many runs, timed as a user meets it: N finished runs of 12 epochs (bench/sweep.ts, written
// with the run store's own writers) in a fresh data folder, server mode, Debian's Chromium. For each N:
//   list       click "Runs" until the table shows "N of N runs"
//   selectAll  tick "Select all shown runs" until every mAP curve is fetched and drawn (the chart's
//              description lists N curves to epoch 12, nothing loading, two animation frames later)
//   group      "by everything but the seed" until the bands and the group table are drawn
//   loss       switch the curves to the training loss (per step) with everything selected
//   sort       sort the table on best mAP
//   brush      drag along the best-mAP axis of the parallel coordinates until the table follows
// plus the page's long tasks (main thread busy over 50 ms) during select-all.
//   node bin/run-ts.mjs bench/compare.ts [--runs 300,2000] [--steps-per-epoch 100]
// Needs `out/` from `npm run build`. Prints JSON and appends it to bench/results/<date>T<time>-compare.json.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { Command } from 'commander'
import { writeJsonAtomic } from '../src/main/engine/io/fsutil'
import { generateSweep } from './sweep'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const opts = new Command()
  .option('--runs <list>', 'comma-separated run counts', '300,2000')
  .option('--steps-per-epoch <n>', 'optimizer steps logged per epoch', (v) => Number(v), 100)
  .parse()
  .opts<{ runs: string; stepsPerEpoch: number }>()

/** Resolves after the page has painted twice: what was set up has been drawn. */
const painted = (page: Page) => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))))')

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return Math.round(performance.now() - t)
}

/** The chart's description when every curve is loaded: N curves, nothing loading. */
async function curvesReady(page: Page, n: number, marker: string): Promise<void> {
  await page.waitForFunction(
    ([n, marker]) => {
      const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null } }).document.querySelector('[data-testid="curves"]')
      return !!el && el.getAttribute('aria-busy') === 'false' && el.getAttribute('data-loaded') === `${n}/${n}` && (el.getAttribute('aria-label') ?? '').split(marker).length - 1 >= 1
    },
    [n, marker] as const,
    { timeout: 600_000, polling: 50 }
  )
  await painted(page)
}

async function benchOne(n: number): Promise<Record<string, unknown>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-compare-bench-'))
  process.env.TAGBENCH_DATA_DIR = path.join(work, 'data')
  const { startServer } = await import('../src/main/server/server')
  try {
    const genMs = await timed(() => generateSweep({ runs: n, stepsPerEpoch: opts.stepsPerEpoch, audioDir: path.join(work, 'audio') }))
    const server = await startServer({ rendererDir: path.join(ROOT, 'out/renderer'), port: 0 })
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
      await page.goto(server.url)
      await page.getByRole('link', { name: 'Datasets', exact: true }).waitFor()
      const load = os.loadavg()[0]

      const list = await timed(async () => {
        await page.getByRole('link', { name: 'Runs', exact: true }).click()
        await page.getByTestId('runs-count').filter({ hasText: new RegExp(`^${n} of ${n} runs`) }).waitFor({ timeout: 600_000 })
        await page.getByTestId('run-row').first().waitFor()
        await painted(page)
      })

      await page.evaluate(`(() => { window.__long = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' }) })()`)
      const selectAll = await timed(async () => {
        await page.getByRole('checkbox', { name: 'Select all shown runs' }).check()
        await curvesReady(page, n, '(to epoch 12)')
      })
      const long = (await page.evaluate('window.__long')) as number[]
      const drawn = ((await page.getByTestId('curves').getAttribute('aria-label')) ?? '').split('(to epoch 12)').length - 1
      if (drawn !== n) throw new Error(`select all drew ${drawn} curves, not ${n}`)

      const group = await timed(async () => {
        await page.getByTestId('group-mode').selectOption('all-but-seed')
        await page.getByTestId('curves').and(page.locator('[aria-label*="groups, band"]')).waitFor({ timeout: 600_000 })
        await page.getByTestId('curve-group').first().waitFor()
        await painted(page)
      })
      const groups = await page.getByTestId('curve-group').count()
      await page.getByTestId('group-mode').selectOption('none')
      await curvesReady(page, n, '(to epoch 12)')

      const loss = await timed(async () => {
        await page.getByTestId('curve-metric').selectOption('loss')
        await curvesReady(page, n, `(to step ${12 * opts.stepsPerEpoch})`)
      })
      await page.getByTestId('curve-metric').selectOption('mAP')
      await curvesReady(page, n, '(to epoch 12)')

      const sort = await timed(async () => {
        await page.getByRole('button', { name: 'Best mAP' }).click()
        await page.getByTestId('runs-table').locator('th[aria-sort="descending"]').filter({ hasText: 'Best mAP' }).waitFor()
        await painted(page)
      })

      // Brush the top 40% of the best-mAP axis (SweepView's layout: right 110 px, top 46, bottom 36).
      const sweep = page.getByTestId('sweep-parallel')
      await sweep.scrollIntoViewIfNeeded()
      const box = (await sweep.locator('canvas').first().boundingBox())!
      const x = box.x + box.width - 110
      const brush = await timed(async () => {
        await page.mouse.move(x, box.y + 47)
        await page.mouse.down()
        await page.mouse.move(x, box.y + 46 + 0.4 * (box.height - 82), { steps: 4 })
        await page.mouse.up()
        await page.getByTestId('brush-chip').waitFor({ timeout: 600_000 })
        await painted(page)
      })
      const brushed = Number(/^(\d+) of/.exec(await page.getByTestId('runs-count').innerText())?.[1] ?? NaN)
      await page.screenshot({ path: path.join(work, 'last.png') })
      return {
        runs: n,
        steps_per_run: 12 * opts.stepsPerEpoch,
        load_at_start: load,
        generate_ms: genMs,
        list_ms: list,
        select_all_ms: selectAll,
        select_all_long_tasks: long.length,
        select_all_long_task_ms_max: long.length ? Math.round(Math.max(...long)) : 0,
        select_all_long_task_ms_total: Math.round(long.reduce((a, b) => a + b, 0)),
        group_ms: group,
        groups,
        loss_curves_ms: loss,
        sort_ms: sort,
        brush_ms: brush,
        brushed_runs: brushed,
        load_at_end: os.loadavg()[0]
      }
    } finally {
      await browser.close()
      await server.close()
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

const results = []
for (const n of opts.runs.split(',').map(Number)) results.push(await benchOne(n))
const now = new Date()
const result = { date: now.toISOString(), machine: `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores`, results }
const out = path.join(ROOT, 'bench/results', `${now.toISOString().slice(0, 16).replace(':', '-')}-compare.json`)
// Appended: a file of its own per run of the bench, holding a list, so a rerun in the same minute adds to it.
const previous = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as unknown[]) : []
await writeJsonAtomic(out, [...previous, result])
console.log(JSON.stringify(result, null, 2))
console.log(`written to ${path.relative(ROOT, out)}`)
