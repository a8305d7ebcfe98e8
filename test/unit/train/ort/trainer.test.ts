// Training runs on the ort engine: the engine and its reason are recorded; a short run gives the
// tfjs engine's losses (within float32 drift, stated below); a job killed with SIGKILL mid-epoch
// resumes on ort from its checkpoint and reproduces the uninterrupted run (dropout and drop-path on,
// so the masks must match too); a run cancelled on ort resumes on tfjs from the same checkpoint;
// the same for HTS-AT (bn0's running statistics included); `auto` picks ort for AST and HTS-AT and
// falls back to tfjs for the CRNN, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../../src/main/engine/platform/backend'
import { createJobManager } from '../../../../src/main/jobs/manager'
import { forkLauncher, type JobProcess } from '../../../../src/main/jobs/launcher'
import { makeAstConfig } from '../../../../src/main/engine/models/ast/config'
import { makeHtsatConfig } from '../../../../src/main/engine/models/htsat/config'
import { createTrainingRun } from '../../../../src/main/engine/train/newRun'
import { resumeRun, trainRun } from '../../../../src/main/engine/train/trainer'
import { loadTrainingCheckpoint } from '../../../../src/main/engine/train/state'
import { chooseEngine } from '../../../../src/main/engine/train/ort/engine'
import { loadRun, readMetrics } from '../../../../src/main/engine/runs/store'
import { dataDir } from '../../../../src/main/engine/platform/paths'
import type { ApiEvent, MetricEntry } from '../../../../src/shared/api'
import { tempDir } from '../../data/helpers'
import { importTinyDataset, tinyRun, writeTinyDataset } from '../helpers'

// 28 training clips in batches of 2: 14 steps per epoch, 28 in all; ckpt/last every 4 steps.
const RUN = { melBins: 64, targetLength: 160, batchSize: 2, epochs: 2, checkpointEverySteps: 4, dropout: 0.1, dropPath: 0.1, depth: 2, engine: 'ort' as const }
const STEPS = 28
// HTS-AT tiny (64 mel, 160 frames resized to 1024): 28 clips in batches of 4, one epoch of 7 steps,
// ckpt/last every 2 steps. On tfjs one thread, so that bn0 normalises by the same batch as on ort.
const HTSAT_RUN = { model: 'htsat' as const, melBins: 64, targetLength: 160, batchSize: 4, epochs: 1, checkpointEverySteps: 2, dropout: 0.1, dropPath: 0.1, engine: 'ort' as const }
const HTSAT_STEPS = 7
/** Over its 7 steps the two engines' HTS-AT losses differed by 1.5e-7 at most (2026-12-05); float drift only. */
const HTSAT_TOLERANCE = 1e-5
/**
 * Engines agree per micro-batch to ~1e-6 (engineParity.test.ts); over 28 Adam steps at lr 1e-3 the
 * two float32 paths drift apart a little, so step losses are compared within 2e-3.
 */
const ENGINE_TOLERANCE = 2e-3

let data: { dir: string; cleanup: () => void }
let audio: { dir: string; cleanup: () => void }
let datasetId: string
let reference: MetricEntry[]
let htsatReference: MetricEntry[]
const stepLosses = (m: MetricEntry[]) => m.filter((e) => e.kind === 'step').map((e) => e.loss!)

/** Trains `cfg` in a job, SIGKILLs it once step `killAt` is reported, resumes it, and checks the losses against `want`. */
async function killAndResume(cfg: Parameters<typeof tinyRun>[1], killAt: number, checkpointAt: number, steps: number, want: MetricEntry[]): Promise<void> {
  const { runId } = createTrainingRun(tinyRun(datasetId, cfg))
  let proc: JobProcess | null = null
  let killedAfter = 0
  const onEvent = (e: ApiEvent) => {
    if (e.type !== 'run.metrics' || e.runId !== runId || !proc) return
    const step = e.entries.find((m) => m.kind === 'step')?.step ?? 0
    if (step >= killAt && killedAfter === 0) {
      killedAfter = step
      proc.kill()
    }
  }
  const jobs = createJobManager((name, o) => (proc = forkLauncher(name, o)), onEvent)
  const spec = { kind: 'train' as const, runner: 'train', label: `train ${runId}`, env: { TAGBENCH_DATA_DIR: dataDir() } }
  const first = jobs.start({ ...spec, params: { runId } }, { runId })
  await expect(first.done).rejects.toThrow(/SIGKILL/)
  const saved = loadTrainingCheckpoint(runId)!
  expect(saved.state.step).toBeGreaterThanOrEqual(checkpointAt)
  expect(saved.state.step).toBeLessThan(steps)
  const second = jobs.start({ ...spec, params: { runId, resume: true } }, { runId })
  await second.done
  jobs.shutdown()
  const run = loadRun(runId)
  expect(run.status).toBe('done')
  expect(run.engine?.name).toBe('ort')
  const got = stepLosses(readMetrics(runId))
  expect(got).toHaveLength(steps)
  got.forEach((l, i) => expect(Math.abs(l - stepLosses(want)[i]), `step ${i + 1}`).toBeLessThan(1e-6))
}

describe('the ort training engine in the trainer', () => {
  beforeAll(async () => {
    data = tempDir('ort-train-data')
    audio = tempDir('ort-train-audio')
    process.env.TAGBENCH_DATA_DIR = data.dir
    await initBackend('wasm')
    writeTinyDataset(audio.dir, 40, 1.6)
    datasetId = (await importTinyDataset(audio.dir)).id
    const { runId } = createTrainingRun(tinyRun(datasetId, RUN))
    await trainRun(runId)
    reference = readMetrics(runId)
    expect(stepLosses(reference)).toHaveLength(STEPS)
    const run = loadRun(runId)
    expect(run.status).toBe('done')
    expect(run.engine?.name).toBe('ort')
    expect(run.engine?.reason).toMatch(/--engine ort.*ONNX Runtime on (CPU|CUDA)/)
    expect(run.backend).toMatch(/ONNX Runtime/)
    expect(run.log.some((l) => /Training engine: ort \(/.test(l))).toBe(true)
    const htsat = createTrainingRun(tinyRun(datasetId, HTSAT_RUN)).runId
    await trainRun(htsat)
    htsatReference = readMetrics(htsat)
    expect(stepLosses(htsatReference)).toHaveLength(HTSAT_STEPS)
    expect(loadRun(htsat).engine?.name).toBe('ort')
  })

  afterAll(() => {
    data.cleanup()
    audio.cleanup()
  })

  it('gives the tfjs engine\'s losses on the same run', async () => {
    const { runId } = createTrainingRun(tinyRun(datasetId, { ...RUN, engine: 'tfjs' }))
    await trainRun(runId)
    expect(loadRun(runId).engine?.name).toBe('tfjs')
    const tfjs = stepLosses(readMetrics(runId))
    const ort = stepLosses(reference)
    // The very first step sees identical weights: float round-off only.
    expect(Math.abs(tfjs[0] - ort[0])).toBeLessThan(1e-5)
    tfjs.forEach((l, i) => expect(Math.abs(l - ort[i]), `step ${i + 1}`).toBeLessThan(ENGINE_TOLERANCE))
    // Validation is scored by ONNX Runtime on the ort run, by tfjs on the other: the same losses.
    const valLoss = (m: MetricEntry[]) => m.filter((e) => e.kind === 'epoch').map((e) => e.valLoss!)
    valLoss(readMetrics(runId)).forEach((l, i) => expect(Math.abs(l - valLoss(reference)[i])).toBeLessThan(ENGINE_TOLERANCE))
  })

  it('a job killed mid-epoch resumes on ort and reproduces the uninterrupted run', async () => {
    // Step 18 is in epoch 2, two steps after the checkpoint at step 16.
    await killAndResume(RUN, 18, 16, STEPS, reference)
  })

  it('a run cancelled on ort resumes on tfjs from the same checkpoint (optimizer moments included)', async () => {
    const { runId } = createTrainingRun(tinyRun(datasetId, RUN))
    const abort = new AbortController()
    const emit = (e: ApiEvent) => {
      if (e.type === 'run.metrics' && e.entries.some((m) => m.kind === 'step' && m.step === 9)) abort.abort()
    }
    await expect(trainRun(runId, { emit, signal: abort.signal })).rejects.toThrow(/cancelled/)
    expect(loadTrainingCheckpoint(runId)!.optimizer?.step).toBe(9)
    await resumeRun(runId, { engine: 'tfjs' })
    const run = loadRun(runId)
    expect(run.status).toBe('done')
    expect(run.engine?.name).toBe('tfjs')
    const got = stepLosses(readMetrics(runId))
    const want = stepLosses(reference)
    expect(got).toHaveLength(STEPS)
    got.slice(0, 9).forEach((l, i) => expect(l).toBe(want[i]))
    got.forEach((l, i) => expect(Math.abs(l - want[i]), `step ${i + 1}`).toBeLessThan(ENGINE_TOLERANCE))
  })

  it('HTS-AT: gives the tfjs engine\'s losses on the same run', async () => {
    const { runId } = createTrainingRun(tinyRun(datasetId, { ...HTSAT_RUN, engine: 'tfjs' }))
    await trainRun(runId)
    expect(loadRun(runId).engine?.name).toBe('tfjs')
    const tfjs = stepLosses(readMetrics(runId))
    const ort = stepLosses(htsatReference)
    expect(Math.abs(tfjs[0] - ort[0])).toBeLessThan(1e-5)
    tfjs.forEach((l, i) => expect(Math.abs(l - ort[i]), `step ${i + 1}`).toBeLessThan(HTSAT_TOLERANCE))
    // Validation runs through the export graph (bn0 folded with the running statistics) on ort.
    const valLoss = (m: MetricEntry[]) => m.filter((e) => e.kind === 'epoch').map((e) => e.valLoss!)
    valLoss(readMetrics(runId)).forEach((l, i) => expect(Math.abs(l - valLoss(htsatReference)[i])).toBeLessThan(HTSAT_TOLERANCE))
  })

  it('HTS-AT: a job killed mid-run resumes on ort and reproduces the uninterrupted run', async () => {
    await killAndResume(HTSAT_RUN, 5, 4, HTSAT_STEPS, htsatReference)
  })
})

describe('engine choice', () => {
  const ast = makeAstConfig({ numClasses: 3, depth: 1, targetLength: 64, melBins: 32 })
  const htsat = makeHtsatConfig({ labels: ['a', 'b'], melBins: 64, targetLength: 256 })
  it('auto: ort for AST and HTS-AT, tfjs for the CRNN with the reason', () => {
    expect(chooseEngine('auto', ast.kind)).toMatchObject({ engine: 'ort', reason: expect.stringMatching(/auto: ONNX Runtime/) })
    expect(chooseEngine('auto', htsat.kind)).toMatchObject({ engine: 'ort', reason: expect.stringMatching(/auto: ONNX Runtime, which covers HTS-AT/) })
    expect(chooseEngine('auto', 'crnn')).toMatchObject({ engine: 'tfjs', reason: expect.stringMatching(/auto: TensorFlow.js, because .*GRU/) })
    expect(chooseEngine('tfjs', ast.kind).engine).toBe('tfjs')
  })
  it('--engine ort on the CRNN is an error that names the gap', () => {
    expect(() => chooseEngine('ort', 'crnn')).toThrow(/--engine ort: .*crnn.*use --engine tfjs or auto/)
  })
})
