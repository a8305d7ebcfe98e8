// Tagging files and folders with a model (run id, .onnx, checkpoint or Hugging Face AST folder).
// Files stream through: one file's audio and features are held at a time (plus the next one being
// decoded), cut into model-sized windows that fill fixed-size batches; while the model runs one batch
// the next one fills, and each file's result is finished as soon as its last window comes back. A file that cannot be read gets
// an `error` result and the rest go on.
import type { TagFileResult } from '../../../shared/types'
import { loadMono } from '../audio/decode'
import { astFbank } from '../audio/fbank'
import type { TagModel } from '../models/types'
import { progressTracker, type ProgressSink } from '../control/progress'
import { chooseActivation, type ActivationChoice, type ScoreActivation } from './activation'
import { DEFAULT_EVENT_OPTIONS, type EventOptions } from './events'
import { createFileScores, type Aggregate, type FileScores } from './fileScores'
import { expandAudioPaths } from './files'
import { resolveModel, type ResolvedModel } from './modelRef'
import type { OnnxModelMeta } from './onnxExport'
import type { ProviderChoice, SessionOutputs } from './ortSession'
import { ortAvailability, ortRunner, tfjsRunner, type WindowRunner } from './runner'
import { fillWindow, windowStarts } from './windows'

export interface TagOptions {
  /** Labels listed per file, best first. Default 5. */
  topK?: number
  /** Seconds between window starts. Default: half a window. */
  hopS?: number
  /** How window scores (and overlapping frames) combine. Default 'max'. */
  aggregate?: Aggregate
  /** Clip scores: 'auto' (default) uses the model's own (softmax for single-label training), or force one. */
  activation?: ActivationChoice
  /** ORT intra-op threads. Default: all cores. */
  threads?: number
  /** Windows per model call. Default 8. */
  batchSize?: number
  provider?: ProviderChoice
  /** 'auto': ORT when it loads, else tfjs. Default 'auto'. */
  engine?: 'auto' | 'ort' | 'tfjs'
  /** Collect the mean embedding per file (TagOutcome.embeddings). */
  embeddings?: boolean
  events?: Partial<EventOptions>
}

export interface BatchInfo {
  /** Windows in this model call. */
  windows: number
  /** Files with windows in this call. */
  files: number
  /** Files whose features are held in memory now (decoded, not yet finished). */
  filesInMemory: number
}

export interface TagHooks {
  onProgress?: ProgressSink
  signal?: AbortSignal
  /** Each file's result as soon as it is complete (index into TagOutcome.results). */
  onResult?: (result: TagFileResult, index: number) => void
  onBatch?: (info: BatchInfo) => void
}

export interface TagOutcome {
  /** One per file found, in order, then one per path that gave no files. */
  results: TagFileResult[]
  /** [results.length, embeddingDim] mean embeddings (NaN rows where a file failed), when asked for. */
  embeddings: Float32Array | null
  embeddingDim: number
  engine: 'ort' | 'tfjs'
  provider: string
  /** What ran the model, and what it fell back from; and when the activation was assumed, that (and how to override it). */
  note: string
  /** How clip logits became scores. */
  activation: ScoreActivation
  model: string
  labels: string[]
}

interface FileFeatures {
  data: Float32Array
  frames: number
  durationS: number
}

async function fileFeatures(file: string, meta: OnnxModelMeta): Promise<FileFeatures> {
  const f = meta.features
  const wave = await loadMono(file, f.sampleRate)
  const fb = astFbank(wave, f.melBins, f.sampleRate)
  if (fb.frames === 0) throw new Error(`${file}: too short to tag (${wave.length} samples at ${f.sampleRate} Hz, under one 25 ms frame)`)
  return { data: fb.data, frames: fb.frames, durationS: wave.length / f.sampleRate }
}

/** ORT on the model's ONNX export when it loads, else the tfjs model (the caller disposes `model`). */
export async function pickRunner(resolved: ResolvedModel, opts: TagOptions): Promise<{ runner: WindowRunner; model: TagModel | null }> {
  const engine = opts.engine ?? 'auto'
  const ort = ortAvailability()
  const f = resolved.meta.features
  if (engine !== 'tfjs' && ort.ok) return { runner: await ortRunner(await resolved.onnxFile(), f.targetLength, f.melBins, opts), model: null }
  if (engine === 'ort') throw new Error(`ONNX Runtime was asked for but ${ort.reason}`)
  if (!resolved.loadModel) throw new Error(`${resolved.description}: a .onnx file needs ONNX Runtime, and ${engine === 'tfjs' ? 'tfjs was asked for' : ort.reason}`)
  const model = await resolved.loadModel()
  return { runner: tfjsRunner(model, engine === 'tfjs' ? 'tfjs was asked for' : `ONNX Runtime is unavailable (${ort.reason})`), model }
}

export async function tagFiles(modelRef: string, paths: string[], opts: TagOptions = {}, hooks: TagHooks = {}): Promise<TagOutcome> {
  const resolved = resolveModel(modelRef)
  const { files, errors: pathErrors } = expandAudioPaths(paths)
  const { runner, model } = await pickRunner(resolved, opts)
  try {
    return await tagWithRunner(runner, resolved, files, pathErrors, opts, hooks)
  } finally {
    model?.dispose()
  }
}

async function tagWithRunner(
  runner: WindowRunner,
  resolved: ResolvedModel,
  files: string[],
  pathErrors: { file: string; message: string }[],
  opts: TagOptions,
  hooks: TagHooks
): Promise<TagOutcome> {
  const meta = resolved.meta
  const { targetLength: T, melBins: F, frameShiftS } = meta.features
  const C = meta.labels.length
  const D = meta.embeddingDim
  const topK = opts.topK ?? 5
  const batchSize = Math.max(1, opts.batchSize ?? 8)
  const aggregate = opts.aggregate ?? 'max'
  const { activation, note: activationNote } = chooseActivation(opts.activation ?? 'auto', { activation: meta.activation, assumed: resolved.activationAssumed })
  const hopFrames = opts.hopS !== undefined ? Math.max(1, Math.round(opts.hopS / frameShiftS)) : Math.max(1, Math.floor(T / 2))
  // A hop longer than a window would skip audio between windows.
  if (hopFrames > T) throw new Error(`The hop (${opts.hopS} s) is longer than the model's window (${(T * frameShiftS).toFixed(2)} s)`)
  const thresholds = meta.thresholds ?? new Array<number>(C).fill(0.5)
  const events = { ...DEFAULT_EVENT_OPTIONS, ...opts.events }
  const fo = meta.frameOutput

  const results: TagFileResult[] = new Array(files.length)
  const embeddings = opts.embeddings ? new Float32Array((files.length + pathErrors.length) * D).fill(NaN) : null
  const progress = progressTracker('tag', files.length, 'files', hooks.onProgress ?? (() => {}))
  let done = 0

  // Two batch buffers: one fills (decoding the next files) while the model runs the other.
  const buffers = [new Float32Array(batchSize * T * F), new Float32Array(batchSize * T * F)]
  let filling = 0
  let slots: { index: number; window: number }[] = []
  const flight: { batch: Promise<void> | null } = { batch: null }
  const open = new Map<number, FileScores>()

  const finish = (index: number, result: TagFileResult) => {
    results[index] = result
    done++
    progress.update(done)
    hooks.onResult?.(result, index)
  }
  const checkAbort = () => {
    if (hooks.signal?.aborted) throw new Error('Tagging cancelled')
  }

  const dispatch = (batchSlots: typeof slots, out: SessionOutputs) => {
    const perWindowFrames = fo ? fo.frames * C : 0
    batchSlots.forEach(({ index, window }, k) => {
      const scores = open.get(index)!
      scores.add(
        window,
        out.logits.subarray(k * C, (k + 1) * C),
        out.embedding.subarray(k * D, (k + 1) * D),
        out.frameLogits ? out.frameLogits.subarray(k * perWindowFrames, (k + 1) * perWindowFrames) : null
      )
      if (scores.complete()) {
        open.delete(index)
        if (embeddings) embeddings.set(scores.embedding(), index * D)
        finish(index, scores.result(files[index], { topK, thresholds, events }))
      }
    })
  }

  /** Waits for the batch in flight, then sends the filled one and switches buffers. */
  const flush = async () => {
    if (flight.batch) await flight.batch
    flight.batch = null
    if (slots.length === 0) return
    const batchSlots = slots
    slots = []
    hooks.onBatch?.({ windows: batchSlots.length, files: new Set(batchSlots.map((s) => s.index)).size, filesInMemory: open.size })
    flight.batch = runner.run(buffers[filling], batchSlots.length).then((out) => dispatch(batchSlots, out))
    filling = 1 - filling
  }

  const load = (i: number): Promise<FileFeatures | Error> | null =>
    i < files.length ? fileFeatures(files[i], meta).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))) : null

  // Decode the next file while this one's windows run through the model.
  let next = load(0)
  try {
    for (let i = 0; i < files.length; i++) {
      checkAbort()
      const feats = await next!
      next = load(i + 1)
      if (feats instanceof Error) {
        const message = feats.message.includes(files[i]) ? feats.message : `${files[i]}: ${feats.message}`
        finish(i, { file: files[i], error: message, top: [], positive: [] })
        continue
      }
      const starts = windowStarts(feats.frames, T, hopFrames)
      open.set(i, createFileScores({ labels: meta.labels, embeddingDim: D, aggregate, activation, starts, featureFrames: feats.frames, frameShiftS, durationS: feats.durationS, frameOutput: fo ? { frameRate: fo.frameRate, framesPerWindow: fo.frames } : null }))
      for (let w = 0; w < starts.length; w++) {
        fillWindow(feats.data, feats.frames, F, starts[w], T, meta.features.norm, buffers[filling], slots.length * T * F)
        slots.push({ index: i, window: w })
        if (slots.length === batchSize) {
          await flush()
          checkAbort()
        }
      }
    }
    await flush()
    await flush()
  } finally {
    // Cancelled or failed: nobody awaits the batch in flight any more.
    flight.batch?.catch(() => undefined)
  }
  progress.update(done, files.length, true)

  return {
    results: [...results, ...pathErrors.map((e) => ({ file: e.file, error: e.message, top: [], positive: [] }))],
    embeddings,
    embeddingDim: D,
    engine: runner.engine,
    provider: runner.provider,
    note: activationNote ? `${runner.note}; ${activationNote}` : runner.note,
    activation,
    model: resolved.description,
    labels: meta.labels
  }
}
