// Two writer processes at once, and a writer killed with SIGKILL in the middle of appending.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fork, type ChildProcess } from 'node:child_process'
import { appendMetrics, listRuns, loadRun, readMetrics, readRunState, runDir } from '../../../src/main/engine/runs/store'

const WRITER = path.join(__dirname, 'helpers/writer.ts')
let dataDir: string
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-runs-proc-'))
  process.env.TAGBENCH_DATA_DIR = dataDir
})
afterEach(() => {
  delete process.env.TAGBENCH_DATA_DIR
  fs.rmSync(dataDir, { recursive: true, force: true })
})

function start(args: string[]): { child: ChildProcess; id: Promise<string>; exit: Promise<number | null> } {
  const child = fork(WRITER, args, { execArgv: ['--import', 'tsx'], env: { ...process.env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const id = new Promise<string>((resolve, reject) => {
    child.on('message', (m) => resolve((m as { id: string }).id))
    child.on('exit', (code, signal) => reject(new Error(`writer exited (${code ?? signal}) before reporting: ${stderr}`)))
  })
  return { child, id, exit }
}

describe('run store across processes', () => {
  it('two processes writing different runs at once corrupt nothing', async () => {
    const a = start(['steady', '300'])
    const b = start(['steady', '300'])
    const [idA, idB] = await Promise.all([a.id, b.id])
    expect(await a.exit).toBe(0)
    expect(await b.exit).toBe(0)
    expect(idA).not.toBe(idB)
    for (const id of [idA, idB]) {
      const m = readMetrics(id)
      expect(m.map((e) => e.step)).toEqual(Array.from({ length: 300 }, (_, i) => i))
      const r = loadRun(id)
      expect(r.status).toBe('done')
      expect(r.epochsDone).toBe(29)
      expect(r.log).toHaveLength(60)
      expect(new Set(r.log.map((l) => l.split(' pid ')[1])).size).toBe(1) // only its own writer's lines
      const model = fs.readFileSync(path.join(runDir(id), 'ckpt', 'last', 'model.bin'), 'utf8')
      expect(model).toBe(`step 275 of ${r.log[0].split(' pid ')[1]}`)
    }
    expect(listRuns().map((r) => r.id).sort()).toEqual([idA, idB].sort())
  })

  it('SIGKILL mid-append: the reader gets every complete entry, and appending resumes cleanly', async () => {
    const w = start(['flood'])
    const id = await w.id
    // Let it write a while longer, then kill it without warning.
    await new Promise((r) => setTimeout(r, 300))
    w.child.kill('SIGKILL')
    await w.exit
    const file = path.join(runDir(id), 'metrics.jsonl')
    const text = fs.readFileSync(file, 'utf8')
    const complete = text.split('\n').length - 1
    const entries = readMetrics(id)
    expect(complete).toBeGreaterThanOrEqual(20)
    expect(entries).toHaveLength(complete)
    entries.forEach((e, i) => {
      expect(e.step).toBe(i)
      expect(e.ap).toHaveLength(2000)
    })
    // The run is reported interrupted, and a resumed writer appends after the last complete entry.
    expect(readRunState(id).status).toBe('running')
    expect(listRuns()[0].status).toBe('interrupted')
    appendMetrics(id, [{ kind: 'epoch', step: complete, epoch: 1, time: new Date().toISOString(), mAP: 0.3 }])
    const after = readMetrics(id)
    expect(after).toHaveLength(complete + 1)
    expect(after[complete].kind).toBe('epoch')
  })
})
