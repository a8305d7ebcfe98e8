// Child process for the run-store tests: writes one run the way a trainer does.
//   writer.ts steady <entries>   create a run, mark it running, append entries in small batches with log
//                                lines and checkpoint swaps, mark it done, send { id } and exit
//   writer.ts flood              create a run, mark it running, append large entries until killed;
//                                sends { id } once the first entries are on disk
import fs from 'node:fs'
import path from 'node:path'
import type { MetricEntry, RunConfig as RunConfig } from '../../../../src/shared/types'
import { appendLog, appendMetrics, createRun, updateRunStatus, writeCheckpoint } from '../../../../src/main/engine/runs/store'

const config = { dataset: 'ds', model: 'ast', size: 'tiny', epochs: 3 } as unknown as RunConfig
const meta = { datasetName: 'ds', datasetFingerprint: 'fp', classNames: ['a', 'b'], valClips: 10 }
const send = (msg: unknown) => process.send?.(msg)

function entry(step: number, apLength: number): MetricEntry {
  return { kind: 'step', step, epoch: Math.floor(step / 10), time: new Date().toISOString(), loss: 1 / (step + 1), ap: Array.from({ length: apLength }, (_, i) => (i * step) % 97 / 97) }
}

async function steady(n: number): Promise<void> {
  const id = createRun(config, meta)
  updateRunStatus(id, { status: 'running' })
  for (let step = 0; step < n; step += 5) {
    appendMetrics(id, [0, 1, 2, 3, 4].map((k) => entry(step + k, 3)))
    appendLog(id, `step ${step} pid ${process.pid}`)
    if (step % 25 === 0) {
      await writeCheckpoint(id, 'last', (dir) => fs.writeFileSync(path.join(dir, 'model.bin'), `step ${step} of ${process.pid}`))
    }
    updateRunStatus(id, { epochsDone: Math.floor(step / 10) })
  }
  updateRunStatus(id, { status: 'done' })
  send({ id })
}

function flood(): void {
  const id = createRun(config, meta)
  updateRunStatus(id, { status: 'running' })
  let step = 0
  // Large lines (about 40 kB each) so that a kill can land while a write is under way.
  for (;;) {
    appendMetrics(id, [entry(step, 2000)])
    step++
    if (step === 20) send({ id })
  }
}

const [mode, arg] = process.argv.slice(2)
if (mode === 'steady') await steady(Number(arg))
else if (mode === 'flood') flood()
else throw new Error(`unknown mode ${mode}`)
