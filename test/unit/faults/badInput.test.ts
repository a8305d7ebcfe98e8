// Bad input and small faults, each refused clearly and naming what is wrong: grid files, API
// parameters, pretrained folders, NaN scores and non-binary targets, an empty labels.csv, symlinks
// out of a tagged folder, an export over an existing file, unreadable metrics lines, temp files of
// dead writers, Host headers in server mode, and a cancel that reaches a single training thread.
import { describe, expect, it, vi } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createExperiment, experimentFinished, loadExperiment, readGridFile, runExperiment } from '../../../src/main/engine/experiments/experiment'
import { datasetsDir, experimentsDir } from '../../../src/main/engine/platform/paths'
import { listDatasets } from '../../../src/main/engine/data/record'
import { checkParams } from '../../../src/shared/apiSchema'
import { createTrainingRun } from '../../../src/main/engine/train/newRun'
import { trainRun } from '../../../src/main/engine/train/trainer'
import { loadTrainingCheckpoint } from '../../../src/main/engine/train/state'
import { appendMetrics, listRuns, loadRun, readMetrics, runDir } from '../../../src/main/engine/runs/store'
import { readScoresAndTargets } from '../../../src/main/cli/commands/metrics'
import { writeNpy } from '../../../src/main/engine/io/npy'
import { detectLayout } from '../../../src/main/engine/data/layouts'
import { expandAudioPaths } from '../../../src/main/engine/infer/files'
import { refuseOverwrite } from '../../../src/main/engine/io/fsutil'
import { pruneCache } from '../../../src/main/engine/audio/cacheAdmin'
import { settingsDir } from '../../../src/main/engine/audio/cacheStore'
import { allowedHosts, hostAllowed } from '../../../src/main/server/security'
import type { ApiEvent } from '../../../src/shared/api'
import { tempDir } from '../data/helpers'
import { tinyDatasetFixture, tinyRun } from '../train/helpers'

const fx = tinyDatasetFixture('faults-input')
const HF = path.resolve(__dirname, '../../fixtures/models/ast/hf_ast')

function grid(text: string, ext = 'yaml'): () => unknown {
  const dir = tempDir('grid')
  const file = path.join(dir.dir, `g.${ext}`)
  fs.writeFileSync(file, text)
  return () => readGridFile(file)
}

describe('grid files', () => {
  it('refuse wrong types of parallel, name and base, and unknown keys with a suggestion', () => {
    expect(grid('name: g\ndataset: d\nparallel: many\naxes: {seed: [1, 2]}\n')).toThrow(/g\.yaml: parallel must be an integer ≥ 1, got "many"/)
    expect(grid('name: 123\ndataset: d\n')).toThrow(/g\.yaml: name must be a non-empty string, got number 123/)
    expect(grid('name: g\ndataset: d\nbase: [1, 2, 3]\n')).toThrow(/g\.yaml: base must be an object, got a list of 3/)
    expect(grid('name: g\ndataset: d\nbase: {epoch: 3}\n')).toThrow(/g\.yaml: base: unknown field "epoch" \(did you mean "epochs"\?\)/)
    expect(grid('name: g\ndataset: d\naxes: {learning_rate: [0.1, 0.01]}\n')).toThrow(/g\.yaml: axes\[0\]: unknown axis "learning_rate" \(known: .*\blr\b/)
    expect(grid('name: g\ndataset: d\naxes: {epoch: [1, 2]}\n')).toThrow(/unknown axis "epoch" \(did you mean "epochs"\?\)/)
    expect(grid('name: g\ndataset: d\nseed: [1, 2]\n')).toThrow(/g\.yaml: unknown field "seed" \(did you mean "seeds"\?\)/)
    expect(grid('{"name": "g", "dataset": "d", "axes": [{"key": "lr", "values": [0.1, "fast"]}]}', 'json')).toThrow(/axes\[0\]\.lr\[1\] must be a finite number > 0, got "fast"/)
    expect(grid('{"name": "g", "dataset": "d", "axes": {"__proto__": [1]}}', 'json')).toThrow(/unknown axis "__proto__"/)
    expect(grid('{"name": "g", "dataset": "d", "base": {"__proto__": {"lr": 1}}}', 'json')).toThrow(/base: unknown field "__proto__"/)
    expect(grid('name: g\ndataset: d\naxes: {lr: [0.1, 0.01]}\nparallel: 2\n')()).toEqual({ name: 'g', base: { dataset: 'd' }, axes: [{ key: 'lr', values: [0.1, 0.01] }], parallel: 2 })
  })
})

describe('experiment queues', () => {
  it('a bad parallel in an experiment file still runs every run, and a done-but-unfinished experiment resumes', async () => {
    const exp = createExperiment({ name: 'q', base: tinyRun(fx.datasetId, { epochs: 1 }), axes: [{ key: 'seed', values: [1, 2] }] })
    const file = path.join(experimentsDir(), exp.id, 'experiment.json')
    // As an older version could write it: a parallel that is not a number, and 'done' before any run trained.
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), status: 'done', spec: { ...exp.spec, parallel: 'many' } }))
    expect(experimentFinished(loadExperiment(exp.id))).toBe(false)
    const started: string[] = []
    await runExperiment(exp.id, async (runId) => {
      started.push(runId)
    })
    expect(started).toEqual(exp.runIds)
  })
})

describe('API parameters', () => {
  it('are checked against the contract with messages that name the method and field', () => {
    expect(() => checkParams('run.get', { id: ['x'] })).toThrow('run.get: id must be a non-empty string, got a list of 1')
    expect(() => checkParams('run.get', undefined)).toThrow('run.get: the value must be an object, got nothing')
    expect(() => checkParams('run.metrics', { id: 'r', since: -1 })).toThrow('run.metrics: since must be an integer ≥ 0, got number -1')
    expect(() => checkParams('run.start', { dataset: 'd', pretrained: { kind: 'imagenet' } })).toThrow('run.start: pretrained.path is missing (a non-empty string)')
    expect(() => checkParams('run.start', { dataset: 'd', pretrained: { kind: 'web' } })).toThrow(/run\.start: pretrained\.kind must be one of "none", "imagenet", "audioset", "run", got "web"/)
    expect(() => checkParams('run.exportMetrics', { id: 'r', format: 'xml' })).toThrow(/format must be one of "csv", "json", "tensorboard", got "xml"/)
    expect(() => checkParams('app.info', { x: 1 })).toThrow(/app\.info: the value must be empty \(this request takes no parameters\)/)
    expect(checkParams('run.metrics', { id: 'r' })).toEqual({ id: 'r' })
  })
})

describe('pretrained starts are checked before a run is created', () => {
  const copy = (name: string, edit: (dir: string) => void): string => {
    const dir = path.join(tempDir(name).dir, 'hf')
    fs.cpSync(HF, dir, { recursive: true })
    edit(dir)
    return dir
  }
  const start = (p: string) => createTrainingRun(tinyRun(fx.datasetId, { melBins: undefined, targetLength: undefined, fstride: undefined, tstride: undefined, pretrained: { kind: 'audioset', path: p } }))

  it('refuses a Hugging Face model that is not an AST, and broken weights, leaving no run', () => {
    const before = listRuns().length
    const vit = copy('hf-vit', (d) => {
      const cfg = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'))
      fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...cfg, model_type: 'vit' }))
    })
    expect(() => start(vit)).toThrow(/holds a Hugging Face "vit" model, not an Audio Spectrogram Transformer/)
    const broken = copy('hf-broken', (d) => fs.writeFileSync(path.join(d, 'model.safetensors'), Buffer.alloc(100)))
    expect(() => start(broken)).toThrow(/hf.model\.safetensors: not a safetensors file/)
    const deit = path.join(tempDir('deit').dir, 'deit.safetensors')
    fs.writeFileSync(deit, 'not weights')
    expect(() => createTrainingRun(tinyRun(fx.datasetId, { pretrained: { kind: 'imagenet', path: deit } }))).toThrow(/deit\.safetensors: .*not a safetensors file/)
    expect(listRuns()).toHaveLength(before)
  })

  it('accepts a folder saved without preprocessor_config.json, with the AST feature defaults', () => {
    const bare = copy('hf-bare', (d) => fs.rmSync(path.join(d, 'preprocessor_config.json')))
    const { runId, config } = start(bare)
    expect(config.pretrained).toEqual({ kind: 'audioset', path: bare })
    expect(config.melBins).toBe(48)
    expect(loadRun(runId).status).toBe('queued')
  })
})

describe('scores, targets and label tables', () => {
  it('metrics and thresholds refuse NaN scores and targets outside {0, 1}, naming file and position', () => {
    const dir = tempDir('npy').dir
    const write = (name: string, values: number[]) => {
      writeNpy(path.join(dir, name), Float32Array.from(values), [2, 2])
      return path.join(dir, name)
    }
    const scores = write('s.npy', [0.1, 0.9, 0.4, 0.6])
    const targets = write('t.npy', [0, 1, 1, 0])
    expect(readScoresAndTargets(scores, targets).scores.rows).toBe(2)
    expect(() => readScoresAndTargets(write('nan.npy', [0.1, NaN, 0.4, 0.6]), targets)).toThrow(/nan\.npy: score NaN at row 0, class 1; scores must be finite numbers/)
    for (const bad of [0.5, 7, -1, NaN]) expect(() => readScoresAndTargets(scores, write('bad.npy', [0, 1, bad, 0]))).toThrow(new RegExp(`bad\\.npy: target ${bad} at row 1, class 0; targets must be 0 or 1`))
  })

  it('an empty labels.csv is an error, not a one-class dataset', async () => {
    const dir = tempDir('empty-labels').dir
    fs.mkdirSync(path.join(dir, 'audio'))
    fs.writeFileSync(path.join(dir, 'audio', 'a.wav'), '')
    fs.writeFileSync(path.join(dir, 'labels.csv'), '')
    await expect(detectLayout(dir)).rejects.toThrow(/labels\.csv is empty \(0 bytes\): a clip table needs a header row "fname,labels\[,split\]"/)
    fs.writeFileSync(path.join(dir, 'labels.csv'), 'file,tag\na,dog\n')
    await expect(detectLayout(dir)).rejects.toThrow(/labels\.csv has no "fname" and "labels" columns \(its header: file, tag\)/)
  })
})

describe('datasets', () => {
  it('an empty dataset folder left by an older failed import is neither listed nor warned about', () => {
    const before = listDatasets().length
    const empty = path.join(datasetsDir(), 'leftover-0000')
    fs.mkdirSync(empty, { recursive: true })
    const warn = vi.spyOn(console, 'warn')
    try {
      expect(listDatasets()).toHaveLength(before)
      expect(warn).not.toHaveBeenCalled()
    } finally {
      warn.mockRestore()
      fs.rmSync(empty, { recursive: true })
    }
  })
})

describe('tag paths', () => {
  it('does not follow a folder symlink out of the given folder, and reports dangling links', () => {
    const root = tempDir('tag-links').dir
    const given = path.join(root, 'given')
    fs.mkdirSync(path.join(given, 'sub'), { recursive: true })
    fs.writeFileSync(path.join(given, 'sub', 'in.wav'), '')
    fs.writeFileSync(path.join(root, 'outside.wav'), '')
    fs.symlinkSync('..', path.join(given, 'loop'))
    fs.symlinkSync('sub', path.join(given, 'alias'))
    fs.symlinkSync('nowhere.wav', path.join(given, 'dangling.wav'))
    const { files, errors } = expandAudioPaths([given])
    expect(files).toEqual([path.join(given, 'alias', 'in.wav')])
    expect(errors.map((e) => e.message)).toEqual([
      `${path.join(given, 'dangling.wav')}: a symlink to nowhere.wav, which does not exist; skipped`,
      `${path.join(given, 'loop')}: a symlink to a folder outside ${fs.realpathSync(given)} (${fs.realpathSync(root)}); not followed`
    ])
  })
})

describe('small faults', () => {
  it('an export refuses to overwrite an existing file unless asked', () => {
    const out = path.join(tempDir('export').dir, 'm.onnx')
    expect(() => refuseOverwrite({ out })).not.toThrow()
    fs.writeFileSync(out, 'mine')
    expect(() => refuseOverwrite({ out })).toThrow(`${out} already exists; export with overwrite to replace it, or choose another file`)
    expect(() => refuseOverwrite({ out, overwrite: true })).not.toThrow()
  })

  it('readMetrics says how many lines were unreadable', () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId))
    appendMetrics(runId, [{ kind: 'step', step: 1, epoch: 1, time: 't' }])
    fs.appendFileSync(path.join(runDir(runId), 'metrics.jsonl'), '{broken\n')
    appendMetrics(runId, [{ kind: 'step', step: 2, epoch: 1, time: 't' }])
    const said: string[] = []
    expect(readMetrics(runId, 0, (m) => said.push(m)).map((e) => e.step)).toEqual([1, 2])
    expect(said).toEqual([`${path.join(runDir(runId), 'metrics.jsonl')}: 1 unreadable line skipped (line 2)`])
  })

  it('cache prune removes temp files of dead writers, keeps a live writer\'s', async () => {
    const shard = path.join(settingsDir({ sampleRate: 16000, melBins: 32 }), 'ab')
    fs.mkdirSync(shard, { recursive: true })
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    const deadTemp = path.join(shard, `.${'a'.repeat(40)}.npy.tmp-${dead}-0a0b0c0d`)
    const liveTemp = path.join(shard, `.${'b'.repeat(40)}.npy.tmp-${process.pid}-0a0b0c0d`)
    fs.writeFileSync(deadTemp, 'half')
    fs.writeFileSync(liveTemp, 'in progress')
    await pruneCache([])
    expect(fs.existsSync(deadTemp)).toBe(false)
    expect(fs.existsSync(liveTemp)).toBe(true)
    fs.rmSync(liveTemp)
  })

  it('server mode on 0.0.0.0 accepts the machine\'s own names, still refuses foreign ones', () => {
    const hosts = allowedHosts('0.0.0.0', 8800, { hostname: 'gpubox', addresses: ['127.0.0.1', '10.1.2.3', 'fe80::1%eth0', '::1'] })
    for (const h of ['10.1.2.3:8800', 'gpubox:8800', 'GPUBOX.local:8800', '[fe80::1]:8800', 'localhost:8800']) expect(hostAllowed(h, hosts), h).toBe(true)
    for (const h of ['evil.example:8800', '10.1.2.4:8800', '10.1.2.3:8801', 'gpubox.evil.example:8800']) expect(hostAllowed(h, hosts), h).toBe(false)
    expect(hostAllowed('10.1.2.3:8800', allowedHosts('127.0.0.1', 8800, { hostname: 'gpubox', addresses: ['10.1.2.3'] }))).toBe(false)
  })
})

describe('cancel with one training thread', () => {
  it('a cancel that arrives as an event (not from inside the loop) stops at the next step and checkpoints there', async () => {
    const { runId } = createTrainingRun(tinyRun(fx.datasetId, { epochs: 2, threads: 1 }))
    const abort = new AbortController()
    // As an IPC message or a signal would: from the event loop, not synchronously inside the trainer.
    const emit = (e: ApiEvent) => {
      if (e.type === 'run.metrics' && e.entries.some((m) => m.kind === 'step' && m.step === 2)) setImmediate(() => abort.abort())
    }
    await expect(trainRun(runId, { emit, signal: abort.signal })).rejects.toThrow(/cancelled/)
    expect(loadTrainingCheckpoint(runId)!.state.step).toBe(2)
    expect(loadRun(runId).log.at(-1)).toMatch(/Cancelled at step 2: a checkpoint was written there and a resume continues from it/)
  })
})
