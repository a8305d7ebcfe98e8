// Feature cache: every audio file's raw fbank is computed once per (file version × settings) and kept on disk
// (layout and atomicity in cacheStore.ts). Misses are computed by a pool of worker threads, one per core;
// if workers cannot start (e.g. a bundle without the worker entry), extraction runs in this thread instead
// and says so. A file that cannot be decoded is reported with its reason and the rest go on.
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { workerEntryUrl } from '../platform/workerEntry'
import { progressTracker, type ProgressSink } from '../control/progress'
import { computeFeature, type FeatureSettings } from './extract'
import { entryPath, readEntry, readEntryWindow, writeEntry } from './cacheStore'
import { faultPoint } from '../control/faults'
import type { Fbank } from './fbank'
import type { WorkerJob, WorkerReply } from './cacheWorker'

export type { FeatureSettings } from './extract'

/** Where a file's features are, and their shape; load the values with loadCachedFeature. */
export interface CachedFeature {
  entry: string
  frames: number
  melBins: number
}

export interface ExtractOptions {
  onProgress?: ProgressSink
  /** Notes for the user's log, e.g. why extraction fell back to one thread. */
  onLog?: (message: string) => void
  signal?: AbortSignal
  /** Worker threads; default one per core. 0 computes in this thread. */
  threads?: number
  /** The worker script, for a bundle that emits the built cacheWorker elsewhere; default: beside this module. */
  workerEntry?: URL
}

export interface ExtractResult {
  ok: Map<string, CachedFeature>
  errors: { file: string; message: string }[]
  /** How many were already cached. */
  hits: number
  /** Worker threads used for the misses (0: in this thread). */
  workers: number
}

interface Job {
  file: string
  entry: string
}

const defaultWorkerEntry = (): URL => workerEntryUrl(import.meta.url, './cacheWorkerEntry.mjs', 'cacheWorker.js')

const cancelled = (): Error => new Error('Feature extraction cancelled')

/**
 * The cache itself could not be written (a full disk, no permission): every later file would fail the
 * same way, so extraction stops and the caller fails, rather than train on the clips that happened to fit.
 */
export class CacheWriteError extends Error {}

const cacheWriteError = (file: string, message: string): CacheWriteError =>
  new CacheWriteError(`The feature cache could not be written while extracting ${file}: ${message}`)

type JobResult = { frames: number; melBins: number } | { message: string; write?: boolean }

/** Start a worker and wait for its 'ready'; rejects with the reason it could not start. */
function spawnWorker(entry: URL): Promise<Worker> {
  return new Promise((resolve, reject) => {
    let worker: Worker
    try {
      worker = new Worker(entry)
    } catch (err) {
      reject(err)
      return
    }
    const onMessage = (msg: WorkerReply) => {
      if (msg.type !== 'ready') return
      worker.off('error', onError).off('exit', onExit).off('message', onMessage)
      resolve(worker)
    }
    const onError = (err: Error) => {
      void worker.terminate()
      reject(err)
    }
    const onExit = (code: number) => reject(new Error(`worker exited with code ${code} before it was ready`))
    worker.on('message', onMessage).once('error', onError).once('exit', onExit)
  })
}

/**
 * Run jobs on up to `count` workers. Resolves when all are done; a worker that dies takes only its current
 * file down (reported as that file's error) and is replaced. Rejects if no worker can start at all (before
 * any job, or after the last one died), or on abort; the caller then handles the jobs not yet reported.
 */
async function runOnWorkers(
  jobs: Job[],
  count: number,
  settings: FeatureSettings,
  entry: URL,
  onResult: (job: Job, result: JobResult) => void,
  signal?: AbortSignal
): Promise<void> {
  const startWorker = () => spawnWorker(entry)
  const first = await startWorker()
  const workers = new Set<Worker>()
  let next = 0
  let finished = 0
  return new Promise<void>((resolve, reject) => {
    let closed = false
    const close = () => {
      closed = true
      signal?.removeEventListener('abort', onAbort)
      for (const w of workers) void w.terminate()
      workers.clear()
    }
    const fail = (err: Error) => {
      if (closed) return
      close()
      reject(err)
    }
    const onAbort = () => fail(cancelled())
    signal?.addEventListener('abort', onAbort, { once: true })
    const report = (id: number, result: JobResult) => {
      if ('write' in result && result.write) return fail(cacheWriteError(jobs[id].file, result.message))
      onResult(jobs[id], result)
      if (++finished === jobs.length && !closed) {
        close()
        resolve()
      }
    }
    const add = (worker: Worker) => {
      if (closed) {
        void worker.terminate()
        return
      }
      workers.add(worker)
      let current = -1
      const feed = () => {
        if (closed || next >= jobs.length) return
        current = next++
        const job = jobs[current]
        worker.postMessage({ id: current, file: job.file, entry: job.entry, settings } satisfies WorkerJob)
      }
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready' || closed) return
        current = -1
        report(msg.id, msg.type === 'done' ? { frames: msg.frames, melBins: msg.melBins } : { message: msg.message, write: msg.write })
        feed()
      })
      const died = (reason: string) => {
        if (closed || !workers.delete(worker)) return
        if (current >= 0) {
          const id = current
          current = -1
          report(id, { message: `${jobs[id].file}: the feature worker stopped while processing it (${reason})` })
        }
        if (!closed && next < jobs.length) startWorker().then(add, (err: Error) => (workers.size === 0 ? fail(err) : undefined))
      }
      worker.on('error', (err) => died(err.message))
      worker.on('exit', (code) => died(`exit code ${code}`))
      feed()
    }
    add(first)
    for (let i = 1; i < Math.min(count, jobs.length); i++) startWorker().then(add, () => undefined)
    if (signal?.aborted) onAbort()
  })
}

/**
 * Make sure every file has its features in the cache: cached ones are checked, the rest computed in
 * parallel. Files that fail are listed in `errors` with the reason; the others are in `ok`.
 */
export async function extractFeatures(files: string[], settings: FeatureSettings, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const unique = [...new Set(files)]
  const ok = new Map<string, CachedFeature>()
  const errors: { file: string; message: string }[] = []
  const tracker = progressTracker('Extracting features', unique.length, 'files', opts.onProgress ?? (() => undefined))
  let done = 0
  const step = () => tracker.update(++done, unique.length, done === unique.length)

  // 1. Hits: whole, valid entries for the file as it is now.
  const misses: Job[] = []
  for (const file of unique) {
    if (opts.signal?.aborted) throw cancelled()
    let entry: string
    try {
      entry = await entryPath(file, settings)
    } catch (err) {
      errors.push({ file, message: (err as Error).message })
      step()
      continue
    }
    const hit = await readEntry(entry, settings.melBins)
    if (hit) {
      ok.set(file, { entry, frames: hit.frames, melBins: hit.melBins })
      step()
    } else misses.push({ file, entry })
  }
  const hits = ok.size

  // 2. Misses: worker threads, or this thread if they cannot start.
  const reported = new Set<string>()
  const record = (job: Job, result: JobResult) => {
    reported.add(job.file)
    if ('message' in result) errors.push({ file: job.file, message: result.message })
    else {
      ok.set(job.file, { entry: job.entry, frames: result.frames, melBins: result.melBins })
      faultPoint('features')
    }
    step()
  }
  let workers = Math.min(opts.threads ?? os.availableParallelism(), misses.length)
  if (workers > 0) {
    try {
      await runOnWorkers(misses, workers, settings, opts.workerEntry ?? defaultWorkerEntry(), record, opts.signal)
    } catch (err) {
      if (opts.signal?.aborted) throw cancelled()
      if (err instanceof CacheWriteError) throw err
      opts.onLog?.(`Feature workers could not start (${(err as Error).message}); extracting in this thread instead`)
      workers = 0
    }
  }
  if (workers === 0) {
    for (const job of misses) {
      if (reported.has(job.file)) continue
      if (opts.signal?.aborted) throw cancelled()
      let fb: Fbank
      try {
        fb = await computeFeature(job.file, settings)
      } catch (err) {
        record(job, { message: (err as Error).message })
        continue
      }
      try {
        await writeEntry(job.entry, fb)
      } catch (err) {
        throw cacheWriteError(job.file, (err as Error).message)
      }
      record(job, fb)
    }
  }
  return { ok, errors, hits, workers }
}

/** A file's features: from the cache, or computed in this thread and stored on a miss. */
/** Frames [start, start + length) of a file's cached fbank (fewer at its end), read without loading the rest. */
export async function loadCachedWindow(file: string, settings: FeatureSettings, start: number, length: number): Promise<Fbank> {
  const hit = await readEntryWindow(await entryPath(file, settings), settings.melBins, start, length)
  if (hit) return hit.fb
  const fb = await loadCachedFeature(file, settings)
  const from = Math.min(Math.max(0, start), fb.frames)
  const frames = Math.max(0, Math.min(fb.frames, from + length) - from)
  return { data: fb.data.slice(from * fb.melBins, (from + frames) * fb.melBins), frames, melBins: fb.melBins }
}

export async function loadCachedFeature(file: string, settings: FeatureSettings): Promise<Fbank> {
  const entry = await entryPath(file, settings)
  const hit = await readEntry(entry, settings.melBins)
  if (hit) return hit
  const fb = await computeFeature(file, settings)
  await writeEntry(entry, fb)
  return fb
}

