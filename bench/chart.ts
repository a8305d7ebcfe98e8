// Live-chart smoothness: the Runs page overlays a run's training loss with 10,000 steps already logged
// while new steps stream in (50 every half second, as a fast GPU run logs them), in headless Chromium
// against server mode. The page records every animation frame's interval and every long task (a main
// thread busy for over 50 ms) while it updates: what "stays smooth" means, in numbers.
//   node bin/run-ts.mjs bench/chart.ts [--points 10000] [--seconds 10]
// Prints one JSON object and appends it as a line to bench/results/<YYYY-MM-DD>-chart.jsonl (earlier
// runs are never rewritten).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import wavefile from 'wavefile'
import type { MetricEntry } from '../src/shared/api'
import { appendResult, commandLine } from './results'
import { launchChromium } from '../test/chromium'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const opts = new Command()
  .option('--points <n>', 'steps already logged', (v) => Number(v), 10_000)
  .option('--seconds <s>', 'how long new steps stream in', (v) => Number(v), 10)
  .parse()
  .opts<{ points: number; seconds: number }>()

// A data folder of its own, set before the engine modules read it.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-chart-bench-'))
process.env.TAGBENCH_DATA_DIR = path.join(work, 'data')
const { importDataset } = await import('../src/main/engine/data/record')
const { createTrainingRun } = await import('../src/main/engine/train/newRun')
const { appendMetrics, updateRunStatus } = await import('../src/main/engine/runs/store')
const { startServer } = await import('../src/main/server/server')

/** A loss curve that falls with noise, as training logs it. */
const stepEntry = (step: number): MetricEntry => ({
  kind: 'step',
  step,
  epoch: Math.floor(step / 500) + 1,
  time: new Date().toISOString(),
  loss: 0.7 * Math.exp(-step / 4000) + 0.05 + 0.05 * Math.sin(step * 12.9898) ** 2,
  lr: 1e-4,
  samplesPerS: 100
})

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN
}

try {
  // A small dataset (the run needs one), and a run that is training: 10,000 steps logged so far.
  for (const cls of ['low', 'high']) {
    for (let i = 0; i < 3; i++) {
      const wav = new wavefile.WaveFile()
      wav.fromScratch(1, 16000, '16', Int16Array.from({ length: 16000 }, (_, n) => Math.round(8000 * Math.sin((2 * Math.PI * (cls === 'low' ? 300 : 3000) * n) / 16000))))
      fs.mkdirSync(path.join(work, 'audio', cls), { recursive: true })
      fs.writeFileSync(path.join(work, 'audio', cls, `${cls}_${i}.wav`), wav.toBuffer())
    }
  }
  const dataset = await importDataset({ folder: path.join(work, 'audio'), name: 'bench' })
  const { runId } = createTrainingRun({ dataset: dataset.id, depth: 1, melBins: 32, targetLength: 48, epochs: 100, name: 'live run' })
  updateRunStatus(runId, { status: 'running' })
  appendMetrics(runId, Array.from({ length: opts.points }, (_, i) => stepEntry(i + 1)))

  const server = await startServer({ rendererDir: path.join(ROOT, 'out/renderer'), port: 0 })
  const { browser, found } = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(server.url)
    await page.getByRole('link', { name: 'Runs', exact: true }).click()
    await page.getByRole('checkbox', { name: 'Select all shown runs' }).check()
    await page.getByTestId('curve-metric').selectOption('loss')
    await page.getByTestId('curves').locator('canvas').first().waitFor()
    await page.waitForTimeout(1000)

    // Frame intervals and long tasks in the page from here on.
    // A script string, not a function: the page is not Node (no tsx helpers, DOM types).
    await page.evaluate(`(() => {
      window.__frames = []
      window.__long = []
      new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push(e.duration))).observe({ type: 'longtask' })
      let last = performance.now()
      const tick = (t) => {
        window.__frames.push(t - last)
        last = t
        requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    })()`)
    let step = opts.points
    const started = Date.now()
    while (Date.now() - started < opts.seconds * 1000) {
      const entries = Array.from({ length: 50 }, () => stepEntry(++step))
      appendMetrics(runId, entries)
      server.emit({ type: 'run.metrics', runId, entries })
      await new Promise((r) => setTimeout(r, 500))
    }
    await page.waitForTimeout(1000)
    const { frames, long } = (await page.evaluate('({ frames: window.__frames.slice(1), long: window.__long })')) as { frames: number[]; long: number[] }
    // The chart's description says how far its curve goes: every streamed step has been drawn.
    const shown = (await page.getByTestId('curves').getAttribute('aria-label')) ?? ''
    const drawnTo = Number(/\(to step (\d+)\)/.exec(shown)?.[1] ?? NaN)
    if (drawnTo !== step) throw new Error(`the chart shows steps up to ${drawnTo}, not ${step}: ${shown}`)
    const result = {
      date: new Date().toISOString(),
      command: commandLine('node bin/run-ts.mjs bench/chart.ts'),
      machine: `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores`,
      load: os.loadavg()[0],
      browser: `${browser.version()} (${found.source}: ${found.executablePath})`,
      points_start: opts.points,
      points_end: step,
      stream_seconds: opts.seconds,
      frames: frames.length,
      fps: frames.length / (frames.reduce((a, b) => a + b, 0) / 1000),
      frame_ms_p50: percentile(frames, 50),
      frame_ms_p95: percentile(frames, 95),
      frame_ms_max: Math.max(...frames),
      long_tasks: long.length,
      long_task_ms_max: long.length ? Math.max(...long) : 0,
      long_task_ms_total: long.reduce((a, b) => a + b, 0),
      updates: Math.round((step - opts.points) / 50),
      chart: shown
    }
    const out = appendResult(result, '-chart')
    console.error(`appended to ${path.relative(ROOT, out)}`)
    console.log(JSON.stringify(result, null, 2))
  } finally {
    await browser.close()
    await server.close()
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true })
}
