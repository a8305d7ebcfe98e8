// onnxruntime-node sessions for exported models: loaded lazily (the app still tags through tfjs when
// ORT cannot load), CUDA tried when its provider is installed with a fall back to CPU, and one cached
// session per model file, mtime and options, since creating one costs seconds for a large model.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import type * as OrtNs from 'onnxruntime-node'
import { ortReport } from '../platform/ortInfo'

const require = createRequire(import.meta.url)

export type OrtModule = typeof OrtNs
export type ProviderChoice = 'auto' | 'cpu' | 'cuda'

let loaded: { ort: OrtModule | null; reason: string } | null = null

/** onnxruntime-node, or null with the reason it did not load (a missing native library, say). */
export function loadOrt(): { ort: OrtModule | null; reason: string } {
  if (!loaded) {
    try {
      loaded = { ort: require('onnxruntime-node') as OrtModule, reason: 'loaded' }
    } catch (err) {
      loaded = { ort: null, reason: `onnxruntime-node failed to load: ${(err as Error).message.split('\n')[0]}` }
    }
  }
  return loaded
}

export interface SessionOptions {
  /** Intra-op threads; default: all cores. */
  threads?: number
  provider?: ProviderChoice
}

export interface ModelSession {
  session: OrtNs.InferenceSession
  /** The execution provider that runs the model. */
  provider: 'cpu' | 'cuda'
  /** One sentence: what runs it, and why not CUDA when CUDA was asked for or is installed. */
  note: string
  outputNames: readonly string[]
}

export interface SessionOutputs {
  logits: Float32Array
  embedding: Float32Array
  /** [n, T', C] when the model has a frame output. */
  frameLogits?: Float32Array
}

const cache = new Map<string, Promise<ModelSession>>()

function cacheKey(file: string, opts: SessionOptions): string {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch (err) {
    throw new Error(`Cannot open model ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return JSON.stringify([path.resolve(file), st.mtimeMs, st.size, opts.threads ?? 0, opts.provider ?? 'auto'])
}

async function create(file: string, opts: SessionOptions): Promise<ModelSession> {
  const { ort, reason } = loadOrt()
  if (!ort) throw new Error(reason)
  const base: OrtNs.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(opts.threads ? { intraOpNumThreads: opts.threads } : {})
  }
  const want = opts.provider ?? 'auto'
  const report = ortReport()
  let cudaNote = want === 'cpu' ? 'CPU asked for' : want === 'cuda' ? `CUDA asked for, but: ${report.reason}` : report.reason
  // Only try CUDA where its provider library is installed: elsewhere the attempt just fails noisily.
  if (want !== 'cpu' && report.providers.includes('cuda')) {
    try {
      const session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cuda'] })
      return { session, provider: 'cuda', note: 'ONNX Runtime on CUDA', outputNames: session.outputNames }
    } catch (err) {
      cudaNote = `the CUDA provider failed: ${(err as Error).message.split('\n')[0]}`
    }
  }
  let session: OrtNs.InferenceSession
  try {
    session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] })
  } catch (err) {
    throw new Error(`${file}: ONNX Runtime cannot load it: ${(err as Error).message.split('\n')[0]}`)
  }
  return { session, provider: 'cpu', note: `ONNX Runtime on CPU (${cudaNote})`, outputNames: session.outputNames }
}

/** A cached session for the model file; a changed file (mtime or size) gets a new one. */
export function openSession(file: string, opts: SessionOptions = {}): Promise<ModelSession> {
  const key = cacheKey(file, opts)
  let s = cache.get(key)
  if (!s) {
    s = create(file, opts)
    cache.set(key, s)
    // A failed load is not cached: the next call tries again.
    s.catch(() => cache.delete(key))
  }
  return s
}

/** Runs n windows x [n, T, F] through the model. */
export async function runSession(ms: ModelSession, x: Float32Array, n: number, frames: number, melBins: number): Promise<SessionOutputs> {
  const { ort } = loadOrt()
  const input = new ort!.Tensor('float32', x.subarray(0, n * frames * melBins), [n, frames, melBins])
  const out = await ms.session.run({ fbank: input })
  const data = (name: string) => out[name].data as Float32Array
  const result: SessionOutputs = { logits: data('logits'), embedding: data('embedding') }
  if (ms.outputNames.includes('frame_logits')) result.frameLogits = data('frame_logits')
  return result
}

/** Releases every cached session (tests, and the app when a model file is replaced). */
export async function closeSessions(): Promise<void> {
  const all = [...cache.values()]
  cache.clear()
  for (const s of all) await s.then((m) => m.session.release()).catch(() => undefined)
}
