// Run store: layout, status and lock, metrics append/read with torn lines, checkpoint swap and recovery,
// predictions, deletion — each on a fresh data folder.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fork } from 'node:child_process'
import type { MetricEntry, RunConfig as RunConfig, ThresholdComparison } from '../../../src/shared/types'
import { appendLog, appendMetrics, checkpointDir, createRun, deleteRun, listRuns, loadPredictions, loadRun, readMetrics, readRunState, recoverCheckpoints, runDir, savePredictions, saveThresholds, updateRunStatus, writeCheckpoint } from '../../../src/main/engine/runs/store'

const config = { name: 'my run', dataset: 'ds', model: 'ast', size: 'tiny', epochs: 2, lr: 1e-4 } as unknown as RunConfig
const meta = { datasetName: 'Dataset', datasetFingerprint: 'abc123', classNames: ['dog', 'cat', 'bird'], valClips: 42, backend: 'wasm', device: 'cpu' }
const entry = (step: number): MetricEntry => ({ kind: 'step', step, epoch: 0, time: '2026-11-23T10:00:00.000Z', loss: 0.5 - step / 100 })

let dataDir: string
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-runs-'))
  process.env.TAGBENCH_DATA_DIR = dataDir
})
afterEach(() => {
  delete process.env.TAGBENCH_DATA_DIR
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('run folders', () => {
  it('createRun writes the layout; ids sort by time and carry model and size', () => {
    const a = createRun(config, meta, new Date('2026-11-23T10:50:01Z'))
    const b = createRun(config, meta, new Date('2026-11-23T10:50:02Z'))
    expect(a).toMatch(/^2026-11-23T10-50-01-ast-tiny-[0-9a-f]{4}$/)
    expect([b, a].sort()).toEqual([a, b])
    for (const f of ['config.json', 'run.json', 'metrics.jsonl', 'log.txt']) expect(fs.existsSync(path.join(runDir(a), f))).toBe(true)
    expect(JSON.parse(fs.readFileSync(path.join(runDir(a), 'config.json'), 'utf8'))).toEqual(config)
    const state = readRunState(a)
    expect(state).toMatchObject({ id: a, name: 'my run', status: 'queued', epochsDone: 0, datasetFingerprint: 'abc123', backend: 'wasm' })
    expect(state.codeVersion).toMatch(/^v\d+\.\d+\.\d+/)
    // Newest first; no staging folders left behind.
    expect(listRuns().map((r) => r.id)).toEqual([b, a])
    expect(fs.readdirSync(path.join(dataDir, 'runs')).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('rejects ids that could escape the runs folder', () => {
    expect(() => runDir('../etc')).toThrow(/Invalid run id/)
    expect(() => loadRun('a/b')).toThrow(/Invalid run id/)
    expect(() => readMetrics('nope')).toThrow(/No run nope/)
  })

  it('updateRunStatus merges atomically and stamps times; loadRun gathers everything', () => {
    const id = createRun(config, meta)
    updateRunStatus(id, { status: 'running' })
    expect(fs.existsSync(path.join(runDir(id), 'lock.json'))).toBe(true)
    expect(listRuns()[0].status).toBe('running') // this process holds the lock
    updateRunStatus(id, { epochsDone: 2, last: { epoch: 1, mAP: 0.4 }, best: { epoch: 1, mAP: 0.4 }, samplesPerS: 3.5 })
    updateRunStatus(id, { status: 'failed', failure: 'out of memory' })
    expect(fs.existsSync(path.join(runDir(id), 'lock.json'))).toBe(false)
    appendLog(id, 'first\nsecond')
    const r = loadRun(id)
    expect(r).toMatchObject({ status: 'failed', failure: 'out of memory', epochsDone: 2, samplesPerS: 3.5, valClips: 42, classNames: meta.classNames })
    expect(r.log).toHaveLength(2)
    expect(r.log[1]).toMatch(/^\d{4}-\d\d-\d\dT.* second$/)
    expect(r.testPredictions).toBeNull()
    expect(r.thresholds).toBeNull()
    expect(readRunState(id).endedAt).not.toBeNull()
    // Running again clears the failure.
    expect(updateRunStatus(id, { status: 'running' }).failure).toBeUndefined()
  })

  it("a 'running' run whose process died is listed as interrupted", async () => {
    const id = await new Promise<string>((resolve, reject) => {
      const child = fork(path.join(__dirname, 'helpers/writer.ts'), ['flood'], { execArgv: ['--import', 'tsx'], env: { ...process.env }, stdio: 'ignore' })
      child.on('message', (m) => {
        child.kill('SIGKILL')
        child.on('exit', () => resolve((m as { id: string }).id))
      })
      child.on('error', reject)
    })
    expect(readRunState(id).status).toBe('running')
    expect(listRuns().find((r) => r.id === id)?.status).toBe('interrupted')
    expect(loadRun(id).status).toBe('interrupted')
  })

  it('a damaged run folder is skipped with a message naming the file', () => {
    const good = createRun(config, meta)
    const bad = createRun(config, meta)
    fs.writeFileSync(path.join(runDir(bad), 'run.json'), '{ torn')
    const problems: string[] = []
    expect(listRuns((m) => problems.push(m)).map((r) => r.id)).toEqual([good])
    expect(problems[0]).toContain(path.join(runDir(bad), 'run.json'))
  })

  it('deleteRun removes the folder and refuses a live run', () => {
    const id = createRun(config, meta)
    updateRunStatus(id, { status: 'running' })
    expect(() => deleteRun(id)).toThrow(/still running/)
    updateRunStatus(id, { status: 'cancelled' })
    deleteRun(id)
    expect(fs.existsSync(runDir(id))).toBe(false)
    expect(listRuns()).toEqual([])
    expect(() => deleteRun(id)).toThrow(/No run/)
  })
})

describe('metrics.jsonl', () => {
  it('appends and reads back, with since = entries already held', () => {
    const id = createRun(config, meta)
    appendMetrics(id, [entry(0), entry(1)])
    appendMetrics(id, [entry(2)])
    expect(readMetrics(id).map((e) => e.step)).toEqual([0, 1, 2])
    expect(readMetrics(id, 2).map((e) => e.step)).toEqual([2])
    expect(readMetrics(id, 3)).toEqual([])
  })

  it('ignores a torn last line, and the next append cuts it off first', () => {
    const id = createRun(config, meta)
    appendMetrics(id, [entry(0), entry(1)])
    const f = path.join(runDir(id), 'metrics.jsonl')
    fs.appendFileSync(f, JSON.stringify(entry(2)).slice(0, 25)) // what kill -9 mid-write leaves
    expect(readMetrics(id).map((e) => e.step)).toEqual([0, 1])
    appendMetrics(id, [entry(3)])
    expect(readMetrics(id).map((e) => e.step)).toEqual([0, 1, 3])
    expect(fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).every((l) => JSON.parse(l))).toBe(true)
  })

  it('a torn file with no newline at all is emptied before appending', () => {
    const id = createRun(config, meta)
    fs.writeFileSync(path.join(runDir(id), 'metrics.jsonl'), '{"kind":"st')
    expect(readMetrics(id)).toEqual([])
    appendMetrics(id, [entry(5)])
    expect(readMetrics(id).map((e) => e.step)).toEqual([5])
  })
})

describe('checkpoints', () => {
  const write = (text: string) => (dir: string) => fs.writeFileSync(path.join(dir, 'model.safetensors'), text)
  const read = (id: string, slot: 'last' | 'best') => fs.readFileSync(path.join(checkpointDir(id, slot), 'model.safetensors'), 'utf8')

  it('swaps a new checkpoint in over the old one and leaves no temp folders', async () => {
    const id = createRun(config, meta)
    await writeCheckpoint(id, 'last', write('epoch 1'))
    await writeCheckpoint(id, 'last', write('epoch 2'))
    await writeCheckpoint(id, 'best', write('epoch 2'))
    expect(read(id, 'last')).toBe('epoch 2')
    expect(read(id, 'best')).toBe('epoch 2')
    expect(fs.readdirSync(path.join(runDir(id), 'ckpt')).sort()).toEqual(['best', 'last'])
  })

  it('a failing writer leaves the previous checkpoint untouched', async () => {
    const id = createRun(config, meta)
    await writeCheckpoint(id, 'last', write('good'))
    await expect(
      writeCheckpoint(id, 'last', (dir) => {
        fs.writeFileSync(path.join(dir, 'model.safetensors'), 'half')
        throw new Error('disk full')
      })
    ).rejects.toThrow(/disk full/)
    expect(read(id, 'last')).toBe('good')
    expect(fs.readdirSync(path.join(runDir(id), 'ckpt'))).toEqual(['last'])
  })

  it('recovers from a crash between the two renames, and clears stale temp folders', () => {
    const id = createRun(config, meta)
    const ckpt = path.join(runDir(id), 'ckpt')
    // Crash after "rename old away", before "rename new in": only -old- and -tmp- remain.
    fs.mkdirSync(path.join(ckpt, '.last-old-999999'), { recursive: true })
    fs.writeFileSync(path.join(ckpt, '.last-old-999999', 'model.safetensors'), 'previous')
    fs.mkdirSync(path.join(ckpt, '.last-tmp-999999'))
    // Crash while writing best: the slot is intact, the temp is junk.
    fs.mkdirSync(path.join(ckpt, 'best'))
    fs.writeFileSync(path.join(ckpt, 'best', 'model.safetensors'), 'best')
    fs.mkdirSync(path.join(ckpt, '.best-tmp-999998'))
    recoverCheckpoints(id)
    expect(read(id, 'last')).toBe('previous')
    expect(read(id, 'best')).toBe('best')
    expect(fs.readdirSync(ckpt).sort()).toEqual(['best', 'last'])
  })

  it('the next save after such a crash recovers first, then swaps', async () => {
    const id = createRun(config, meta)
    const ckpt = path.join(runDir(id), 'ckpt')
    fs.mkdirSync(path.join(ckpt, '.last-old-999999'), { recursive: true })
    fs.writeFileSync(path.join(ckpt, '.last-old-999999', 'model.safetensors'), 'previous')
    await writeCheckpoint(id, 'best', write('new best'))
    expect(read(id, 'last')).toBe('previous')
    expect(read(id, 'best')).toBe('new best')
    expect(fs.readdirSync(ckpt).sort()).toEqual(['best', 'last'])
  })
})

describe('predictions and thresholds', () => {
  it('saves test predictions as .npy and loadRun returns them as rows', () => {
    const id = createRun(config, meta)
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.7, 0.2, 0.3])
    const targets = Float32Array.from([0, 1, 0, 1, 0, 0])
    savePredictions(id, 'test', { scores, targets, nClips: 2, nClasses: 3, files: ['a.wav', 'b.wav'] })
    expect(fs.existsSync(path.join(runDir(id), 'predictions', 'test.npy'))).toBe(true)
    const p = loadPredictions(id, 'test')!
    expect(Array.from(p.scores)).toEqual(Array.from(scores))
    expect(loadRun(id).testPredictions).toEqual({ scores: [Array.from(scores.subarray(0, 3)), Array.from(scores.subarray(3))], targets: [[0, 1, 0], [1, 0, 0]], files: ['a.wav', 'b.wav'] })
    expect(() => savePredictions(id, 'test', { scores, targets, nClips: 3, nClasses: 3, files: [] })).toThrow(/do not fit/)
    const cmp: ThresholdComparison = { classNames: meta.classNames, methods: [{ method: 'default', thresholds: [0.5, 0.5, 0.5], microF1: 0.5, macroF1: 0.4 }] }
    saveThresholds(id, cmp)
    expect(loadRun(id).thresholds).toEqual(cmp)
  })
})
