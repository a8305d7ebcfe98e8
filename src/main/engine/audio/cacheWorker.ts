// Worker thread of the feature cache: computes and stores one entry per request, answers with its shape
// or the error message. Only small messages cross the thread boundary; the features go through the disk.
import { parentPort } from 'node:worker_threads'
import { computeFeature, type FeatureSettings } from './extract'
import { writeEntry } from './cacheStore'

export interface WorkerJob {
  id: number
  file: string
  entry: string
  settings: FeatureSettings
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; frames: number; melBins: number }
  /** `write`: the cache could not be written (a full disk): the whole extraction stops, not just this file. */
  | { type: 'failed'; id: number; message: string; write?: boolean }

if (!parentPort) throw new Error('cacheWorker.ts must run as a worker thread')
const port = parentPort

port.on('message', async (job: WorkerJob) => {
  let reply: WorkerReply
  let stage: 'read' | 'write' = 'read'
  try {
    const fb = await computeFeature(job.file, job.settings)
    stage = 'write'
    await writeEntry(job.entry, fb)
    reply = { type: 'done', id: job.id, frames: fb.frames, melBins: fb.melBins }
  } catch (err) {
    reply = { type: 'failed', id: job.id, message: err instanceof Error ? err.message : String(err), ...(stage === 'write' ? { write: true } : {}) }
  }
  port.postMessage(reply)
})
port.postMessage({ type: 'ready' } satisfies WorkerReply)
