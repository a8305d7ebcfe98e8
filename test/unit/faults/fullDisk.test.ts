// A full disk at each kind of write: the feature cache, a checkpoint, the metrics, a dataset record
// and an export. Each must fail clearly (naming the file, saying the disk is full), leave nothing
// half-written that later reads as valid, and lose no run or epoch once there is space again.
// ENOSPC comes from mocked writes (as test/unit/runs/fullDisk.test.ts does), so no real tmpfs is needed.
import { afterEach, describe, expect, it, vi } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../src/main/engine/train/trainer'
import { loadRun, readMetrics } from '../../../src/main/engine/runs/store'
import { extractFeatures } from '../../../src/main/engine/audio/cache'
import { clearCache } from '../../../src/main/engine/audio/cacheAdmin'
import { settingsDir } from '../../../src/main/engine/audio/cacheStore'
import { importDataset, listDatasets } from '../../../src/main/engine/data/record'
import { exportMetrics } from '../../../src/main/engine/runs/export'
import { exportModelRef } from '../../../src/main/engine/infer/modelRef'
import { datasetsDir } from '../../../src/main/engine/platform/paths'
import { tempDir } from '../data/helpers'
import { tinyDatasetFixture, tinyRun, writeTinyDataset } from '../train/helpers'

const fx = tinyDatasetFixture('faults-disk')
const EPOCHS = 2
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
const DISK_FULL = /the disk is full \(ENOSPC\)/

afterEach(() => vi.restoreAllMocks())

/** fs.promises.open handles whose writeFile fails for targets matching `when` (atomic async writes). */
function failAsyncWrites(when: (file: string) => boolean): void {
  const open = fs.promises.open.bind(fs.promises)
  vi.spyOn(fs.promises, 'open').mockImplementation(async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await open(...args)
    if (when(String(args[0]))) handle.writeFile = () => Promise.reject(enospc())
    return handle
  })
}

function expectIntact(runId: string): void {
  const entries = readMetrics(runId)
  expect(entries.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1, 2])
  const steps = entries.filter((e) => e.kind === 'step').map((e) => e.step)
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1))
  expect(loadRun(runId).status).toBe('done')
}

describe('a full disk at each kind of write', () => {
  it('feature cache, in this thread: extraction stops with the reason, no clip is silently dropped', async () => {
    await clearCache()
    const files = fs.readdirSync(path.join(fx.audioDir, 'audio')).map((f) => path.join(fx.audioDir, 'audio', f))
    failAsyncWrites((f) => f.startsWith(settingsDir({ sampleRate: 16000, melBins: 32 })))
    await expect(extractFeatures(files, { sampleRate: 16000, melBins: 32 }, { threads: 0 })).rejects.toThrow(
      /The feature cache could not be written while extracting \S+clip\d+\.wav: Could not write \S+\.npy: the disk is full \(ENOSPC\)/
    )
  })

  it('feature cache, in worker threads: the run fails clearly instead of training on what fitted', async () => {
    await clearCache()
    // Workers cannot be mocked: a file where the settings folder belongs makes every entry write fail.
    const dir = settingsDir({ sampleRate: 16000, melBins: 32 })
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    fs.writeFileSync(dir, 'not a folder')
    try {
      const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: EPOCHS }))
      await expect(trainRun(runId)).rejects.toThrow(/The feature cache could not be written while extracting/)
      const run = loadRun(runId)
      expect(run.status).toBe('failed')
      expect(run.log.some((l) => /Clips: \d+ train/.test(l))).toBe(false)
      expect(run.log.some((l) => /Skipping/.test(l))).toBe(false)
      // Space again: the same run resumes and completes.
      fs.rmSync(dir)
      await resumeRun(runId)
      expectIntact(runId)
    } finally {
      fs.rmSync(dir, { force: true, recursive: true })
    }
  })

  it('checkpoint: the run fails naming the file, and resumes with no epoch lost', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: EPOCHS }))
    // The disk fills when epoch 2 is checkpointed.
    let epochEntries = 0
    const append = fs.appendFileSync.bind(fs)
    vi.spyOn(fs, 'appendFileSync').mockImplementation((...a: Parameters<typeof fs.appendFileSync>) => {
      append(...a)
      if (String(a[1]).includes('"kind":"epoch"')) epochEntries++
    })
    failAsyncWrites((f) => epochEntries >= 1 && f.includes(`${path.sep}ckpt${path.sep}`))
    await expect(trainRun(runId)).rejects.toThrow(/Could not write \S+ckpt\S+: the disk is full \(ENOSPC\)/)
    vi.restoreAllMocks()
    expect(readMetrics(runId).filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([1])
    await resumeRun(runId)
    expectIntact(runId)
  })

  it('metrics: the epoch entry that could not be appended comes back from the checkpoint on resume', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: EPOCHS }))
    const append = fs.appendFileSync.bind(fs)
    vi.spyOn(fs, 'appendFileSync').mockImplementation((...a: Parameters<typeof fs.appendFileSync>) => {
      if (String(a[0]).endsWith('metrics.jsonl') && String(a[1]).includes('"kind":"epoch"')) throw enospc()
      append(...a)
    })
    await expect(trainRun(runId)).rejects.toThrow(/Could not write \S+metrics\.jsonl: the disk is full \(ENOSPC\)/)
    vi.restoreAllMocks()
    expect(readMetrics(runId).filter((e) => e.kind === 'epoch')).toEqual([])
    await resumeRun(runId)
    expectIntact(runId)
    expect(loadRun(runId).log.some((l) => /Restored the metrics entry of epoch 1/.test(l))).toBe(true)
  })

  it('dataset record: a failed import leaves no dataset and no folder behind', async () => {
    const audio = tempDir('faults-disk-import')
    try {
      writeTinyDataset(audio.dir, 6, 0.3)
      const before = listDatasets().length
      const entriesBefore = fs.readdirSync(datasetsDir()).sort()
      failAsyncWrites((f) => f.startsWith(datasetsDir()) && f.includes('summary.json'))
      await expect(importDataset({ folder: audio.dir, name: 'full', layout: 'csv' })).rejects.toThrow(/Could not write \S+summary\.json: the disk is full \(ENOSPC\)/)
      vi.restoreAllMocks()
      expect(listDatasets()).toHaveLength(before)
      expect(fs.readdirSync(datasetsDir()).sort()).toEqual(entriesBefore)
    } finally {
      audio.cleanup()
    }
  })

  it('exports: metrics and ONNX fail naming the file and leave no partial file', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 1 }))
    await trainRun(runId)
    const out = tempDir('faults-disk-export')
    try {
      vi.spyOn(fs, 'writeSync').mockImplementation(() => {
        throw enospc()
      })
      const csv = path.join(out.dir, 'm.csv')
      expect(() => exportMetrics(runId, 'csv', csv)).toThrow(DISK_FULL)
      vi.restoreAllMocks()
      const onnx = path.join(out.dir, 'm.onnx')
      failAsyncWrites((f) => f.includes('m.onnx'))
      await expect(exportModelRef(runId, onnx)).rejects.toThrow(/Could not write \S+m\.onnx: the disk is full \(ENOSPC\)/)
      vi.restoreAllMocks()
      expect(fs.readdirSync(out.dir)).toEqual([])
    } finally {
      out.cleanup()
    }
  })
})
