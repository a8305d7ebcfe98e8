// A full disk: atomic writes never leave a half-written file in place (short writes are completed,
// a failed write leaves the old file and no temp file), their errors name the file and say the disk
// is full, and a training run that hits a full disk fails with that message, keeps its last
// checkpoint, and resumes to the end once there is space again.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/main/engine/io/fsutil'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { loadTrainingCheckpoint } from '../../../src/main/engine/train/state'
import { loadRun, readMetrics } from '../../../src/main/engine/runs/store'
import { tempDir } from '../data/helpers'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

describe('atomic writes on a full disk', () => {
  let dir: { dir: string; cleanup: () => void }
  beforeAll(() => (dir = tempDir('full-disk')))
  afterAll(() => dir.cleanup())
  afterEach(() => vi.restoreAllMocks())

  it('completes short writes instead of renaming a truncated file into place', () => {
    const target = path.join(dir.dir, 'short.bin')
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251)
    const real = fs.writeSync.bind(fs) as (fd: number, b: Uint8Array, off: number, len: number) => number
    // The system takes at most 7 bytes per call, as write(2) may when the disk is nearly full.
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, b: Uint8Array, off: number, len: number) => real(fd, b, off, Math.min(len, 7))) as typeof fs.writeSync)
    writeFileAtomicSync(target, data)
    expect(spy.mock.calls.length).toBe(Math.ceil(1000 / 7))
    expect(new Uint8Array(fs.readFileSync(target))).toEqual(data)
  })

  it('a failed write names the file, says the disk is full, keeps the old file and leaves no temp file', async () => {
    const target = path.join(dir.dir, 'run.json')
    fs.writeFileSync(target, '{"old": true}')
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw enospc()
    })
    expect(() => writeFileAtomicSync(target, '{"new": true}')).toThrow(`Could not write ${target}: the disk is full (ENOSPC)`)
    vi.restoreAllMocks()
    const open = fs.promises.open.bind(fs.promises)
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
      const handle = await open(...args)
      handle.writeFile = () => Promise.reject(enospc())
      return handle
    })
    await expect(writeFileAtomic(target, '{"new": true}')).rejects.toThrow(`Could not write ${target}: the disk is full (ENOSPC)`)
    expect(fs.readFileSync(target, 'utf8')).toBe('{"old": true}')
    expect(fs.readdirSync(dir.dir).filter((n) => n.includes('.tmp-'))).toEqual([])
  })
})

describe('a training run that fills the disk', () => {
  const fx = tinyDatasetFixture('full-disk')
  afterAll(() => vi.restoreAllMocks())

  it('fails naming the file, keeps its last checkpoint, and resumes to the end once there is space', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 3, threads: 1 }))
    // The disk fills while the second epoch's checkpoint is written: every write fails from then on.
    let full = false
    const real = fs.writeSync.bind(fs) as (...a: unknown[]) => number
    vi.spyOn(fs, 'writeSync').mockImplementation(((...a: unknown[]) => {
      if (full) throw enospc()
      return real(...a)
    }) as typeof fs.writeSync)
    const append = fs.appendFileSync.bind(fs)
    vi.spyOn(fs, 'appendFileSync').mockImplementation((...a: Parameters<typeof fs.appendFileSync>) => {
      if (full) throw enospc()
      append(...a)
      // The first epoch entry is appended after its checkpoint: the disk fills right after it.
      if (String(a[0]).endsWith('metrics.jsonl') && String(a[1]).includes('"kind":"epoch"')) full = true
    })
    await expect(trainRun(runId)).rejects.toThrow(/Could not write \S+: the disk is full \(ENOSPC\)/)
    vi.restoreAllMocks()

    // Nothing could record the failure; the trainer gave up its lock, so the run reads as interrupted.
    expect(loadRun(runId).status).toBe('interrupted')
    const saved = loadTrainingCheckpoint(runId)!
    expect(saved.state.epoch).toBe(1)
    expect(readMetrics(runId).filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1])
    const result = await resumeRun(runId)
    expect(result.epochsDone).toBe(3)
    expect(loadRun(runId).status).toBe('done')
    const entries = readMetrics(runId)
    expect(entries.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1, 2, 3])
    const steps = entries.filter((e) => e.kind === 'step').map((e) => e.step)
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1))
  })
})
