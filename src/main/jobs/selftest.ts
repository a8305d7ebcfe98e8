// A job that exercises the job machinery itself: it reports the tfjs backend chosen inside the job
// process, and on request crashes, exhausts memory or waits to be killed, so the tests can check that
// each way of dying is reported with the right reason and never takes the app down.
import { initBackend } from '../engine/platform/backend'
import type { RunnerContext } from './runners'

export interface SelftestParams {
  mode: 'ok' | 'crash' | 'oom' | 'hang' | 'throw'
  steps?: number
}

export async function selftest(params: SelftestParams, ctx: RunnerContext): Promise<unknown> {
  const steps = params.steps ?? 3
  for (let i = 1; i <= steps; i++) {
    if (ctx.signal.aborted) throw new Error('cancelled')
    ctx.onProgress({ label: 'selftest', done: i, total: steps, rate: 0, unit: 'steps', etaS: null })
    await new Promise((r) => setTimeout(r, 20))
  }
  switch (params.mode) {
    case 'crash':
      process.abort()
      break
    case 'oom': {
      const hog: number[][] = []
      for (;;) hog.push(new Array(1e6).fill(Math.random()))
    }
    case 'hang':
      await new Promise((r) => setTimeout(r, 3_600_000))
      break
    case 'throw':
      throw new Error('selftest failed on purpose')
  }
  const backend = await initBackend()
  // What the process was started with (training jobs: train/ort/jobEnv.ts), for the launcher's tests.
  return { pid: process.pid, backend: backend.chosen, summary: backend.summary, mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ ?? null }
}
