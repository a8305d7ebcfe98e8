// The model registry (src/main/engine/models/registry.ts) walked kind by kind: every registered kind has
// every piece (labels, sizes, capabilities, config maker, tfjs model, cost, ONNX graph) and each piece
// agrees with the others when a run config builds the model; and the lists the service, the CLI, the
// run-config check and the ORT engine report are exactly the registry's. Nothing here names a kind
// except as the registry lists it, so a newly registered kind is checked the same way.
import { beforeAll, describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import * as tf from '@tensorflow/tfjs-core'
import { Command } from 'commander'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { MODEL_KINDS, MODEL_SIZES, modelChoices, modelKind, modelKindIds, startImporter } from '../../../src/main/engine/models/registry'
import { createModel } from '../../../src/main/engine/models'
import { frameOutput } from '../../../src/main/engine/models/frameHead'
import { encodeOnnx } from '../../../src/main/engine/infer/onnxExport'
import { completeRunConfig, type DatasetFacts } from '../../../src/main/engine/train/config'
import { buildModel, needsNormStats } from '../../../src/main/engine/train/model'
import { estimateCost } from '../../../src/main/engine/train/estimate'
import { ortCoverage, trainingEngines } from '../../../src/main/engine/train/ort/coverage'
import { handlers } from '../../../src/main/service/runs'
import { modelOptionHelp, parseModelChoice, registerTrain } from '../../../src/main/cli/commands/train'
import { makeRng } from '../../../src/main/engine/util/rng'
import type { ModelChoice, RunConfig } from '../../../src/shared/types'

beforeAll(async () => {
  await initBackend('wasm')
})

const labels = ['dog', 'rain', 'siren']
// 0.64 s clips: 64 fbank frames, so every kind's model stays small.
const facts: DatasetFacts = { name: 'd', multiLabel: true, folds: null, hasStrongLabels: true, files: Array.from({ length: 4 }, () => ({ durationS: 0.64 })) }
const runOf = (kind: string, over: Partial<RunConfig> = {}): RunConfig =>
  completeRunConfig({ dataset: 'd', model: kind, size: 'tiny', depth: 1, fstride: 16, tstride: 16, targetLength: 64, melBins: 64, ...over }, facts, null)

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('the registry', () => {
  it('holds each kind once, with ids that make choice ids', () => {
    const ids = modelKindIds()
    expect(ids.length).toBeGreaterThan(0)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9]*$/)
    expect(MODEL_KINDS.filter((k) => k.frameDefault).length).toBeLessThanOrEqual(1)
    expect(() => modelKind('no-such-kind')).toThrow(new RegExp(`unknown model 'no-such-kind' \\(${ids.join(', ')}\\)`))
  })

  it.each(MODEL_KINDS.map((k) => [k.kind, k] as const))('%s has every piece', (_id, k) => {
    expect(k.label.trim()).not.toBe('')
    for (const size of MODEL_SIZES) expect(k.sizes[size]?.trim()).toBeTruthy()
    for (const s of k.starts) expect(['imagenet', 'audioset', 'run']).toContain(s)
    expect(['split', 'model']).toContain(k.inputNorm)
    expect(typeof k.framewise).toBe('boolean')
    expect(k.ortGap === null || (typeof k.ortGap === 'string' && k.ortGap.length > 0)).toBe(true)
    for (const f of [k.makeConfig, k.create, k.cost, k.nativeFrames, k.embeddingDim, k.buildOnnx]) expect(typeof f).toBe('function')
  })
})

describe.each(MODEL_KINDS.map((k) => [k.kind] as const))('kind %s from a run config', (kind) => {
  it('builds a model whose outputs, cost, frame output and ONNX graph agree', async () => {
    const k = modelKind(kind)
    const run = runOf(kind)
    expect(run.model).toBe(kind)
    // The kind's own defaults reach the run config.
    if (k.defaults?.lr !== undefined) expect(run.lr).toBe(k.defaults.lr)
    expect(run.dropPath).toBe(k.defaults?.dropPath ?? 0)
    const plain = completeRunConfig({ dataset: 'd', model: kind }, { ...facts, files: [{ durationS: 30 }] }, null)
    expect(plain.melBins).toBe(k.defaults?.melBins ?? 64)
    expect(plain.targetLength).toBe(Math.min(1024, k.defaults?.maxTargetLength ?? Infinity))
    expect(needsNormStats(run)).toBe(k.inputNorm === 'split')
    const norm = k.inputNorm === 'split' ? { mean: -4, std: 4 } : null
    const model = buildModel(run, labels, norm, 25)
    const config = model.config
    expect(config.kind).toBe(kind)
    expect(config.labels).toEqual(labels)
    // The factory builds the same kind from the config alone (checkpoints and importers use it).
    const again = createModel(config, run.seed)
    expect(again.config).toEqual(config)
    again.dispose()

    const { targetLength: T, melBins: F } = config
    const rng = makeRng(7)
    const x = Float32Array.from({ length: 2 * T * F }, () => rng.normal())
    const input = tf.tensor3d(x, [2, T, F])
    const o = model.apply(input, false)
    expect(o.logits.shape).toEqual([2, labels.length])
    expect(o.embedding.shape).toEqual([2, k.embeddingDim(config)])
    // A frame output of its own exactly when the kind says so, of the length frameOutput reports.
    const native = k.nativeFrames(config)
    expect(native !== null).toBe(k.framewise)
    expect(Boolean(o.frameLogits)).toBe(k.framewise)
    if (o.frameLogits) expect(o.frameLogits.shape).toEqual([2, frameOutput(config)!.frames, labels.length])
    const ref = { logits: o.logits.dataSync() as Float32Array, embedding: o.embedding.dataSync() as Float32Array }

    // The estimate counts this model: parameters within 10% of its weights (AST's exactly).
    let params = 0
    for (const [, t] of model.namedWeights()) {
      params += t.size
      t.dispose()
    }
    const cost = estimateCost(run, labels.length, 100)
    expect(cost.gflopsPerClip).toBeGreaterThan(0)
    expect(cost.secondsPerEpoch).toBeGreaterThan(0)
    expect(Math.abs(cost.params - params) / params).toBeLessThan(0.1)

    // The ONNX graph is the same model.
    const { bytes, meta } = encodeOnnx(model)
    expect(meta.modelKind).toBe(kind)
    expect(meta.embeddingDim).toBe(k.embeddingDim(config))
    expect(meta.frameOutput?.frames ?? null).toBe(native)
    expect(meta.features.norm === null).toBe(k.inputNorm === 'model')
    const session = await ort.InferenceSession.create(bytes)
    const out = await session.run({ fbank: new ort.Tensor('float32', x, [2, T, F]) })
    expect(maxAbsDiff(out.logits.data as Float32Array, ref.logits)).toBeLessThan(1e-3)
    expect(maxAbsDiff(out.embedding.data as Float32Array, ref.embedding)).toBeLessThan(1e-3)
    await session.release()
    tf.dispose([input, o.logits, o.embedding, ...(o.frameLogits ? [o.frameLogits] : [])])
    model.dispose()
  })

  it('takes a frame head, and the pretrained starts it says it takes (only those)', () => {
    const k = modelKind(kind)
    const framed = buildModel(runOf(kind, { frameHead: true, frameRate: 25 }), labels, { mean: -4, std: 4 }, 25)
    expect(frameOutput(framed.config)?.frameRate).toBeCloseTo(25, 0)
    framed.dispose()
    for (const start of ['imagenet', 'audioset', 'run'] as const) {
      const pretrained = start === 'run' ? { kind: start, runId: 'r' } : { kind: start, path: '/x' }
      const attempt = () => runOf(kind, { pretrained })
      if ((k.starts as string[]).includes(start)) expect(attempt).not.toThrow()
      else expect(attempt).toThrow(new RegExp(`${k.label} does not take ${start} starts`))
    }
  })

  it('has an importer for each file start it takes, and for no other', () => {
    const k = modelKind(kind)
    const fileStarts = k.starts.filter((s) => s !== 'run')
    expect(Object.keys(k.importers ?? {}).sort()).toEqual([...fileStarts].sort())
    for (const s of fileStarts) expect(startImporter(s)).toBe(k.importers?.[s])
  })
})

describe('the lists are the registry', () => {
  const expected = MODEL_KINDS.flatMap((k) => MODEL_SIZES.map((size) => `${k.kind}-${size}`))

  it("the service's model.choices: every kind at every width, with the kind's labels and capabilities", async () => {
    const choices = (await handlers['model.choices']!(undefined as never, {} as never)) as ModelChoice[]
    expect(choices.map((c) => c.id)).toEqual(expected)
    expect(choices).toEqual(modelChoices())
    for (const c of choices) {
      const k = modelKind(c.model)
      expect(c.size && c.sizeLabel).toBe(k.sizes[c.size!])
      expect(c.kindLabel.startsWith(k.label)).toBe(true)
      expect(c.label).toContain(k.sizes[c.size!])
      expect(c.starts).toEqual(k.starts)
      expect(c.framewise).toBe(k.framewise)
      expect(c.defaults).toEqual({ lr: k.defaults?.lr, dropPath: k.defaults?.dropPath })
    }
  })

  it("the CLI's --model: accepts every choice id (and a kind's id alone as its tiny width), lists them all in its help", () => {
    for (const id of expected) expect(parseModelChoice(id)).toEqual({ model: id.split('-')[0], size: id.split('-')[1] })
    for (const kind of modelKindIds()) expect(parseModelChoice(kind)).toEqual({ model: kind, size: 'tiny' })
    expect(() => parseModelChoice('resnet-tiny')).toThrow(new RegExp(`Unknown model "resnet-tiny" \\(use ${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}\\)`))
    const program = new Command()
    registerTrain(program)
    const option = program.commands.find((c) => c.name() === 'train')!.options.find((o) => o.long === '--model')!
    expect(option.description).toBe(modelOptionHelp())
    expect(option.description.split(' (')[0].split(' | ')).toEqual(expected)
  })

  it('the run-config check names every kind; the ORT report covers every kind as its descriptor says', () => {
    expect(() => runOf('resnet')).toThrow(`unknown model 'resnet' (${modelKindIds().join(', ')})`)
    const report = trainingEngines({ available: true, version: '1', providers: ['cpu'], reason: 'r' } as never, 2)
    expect(report.auto.map((a) => a.model)).toEqual(modelKindIds())
    for (const k of MODEL_KINDS) {
      expect(ortCoverage(k.kind) === null).toBe(k.ortGap === null)
      expect(report.auto.find((a) => a.model === k.kind)!.engine).toBe(k.ortGap === null ? 'ort' : 'tfjs')
      if (k.ortGap) expect(() => runOf(k.kind, { engine: 'ort' })).toThrow(k.ortGap)
    }
  })
})
