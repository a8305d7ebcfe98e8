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
  | { type: 'failed'; id: number; message: string }

if (!parentPort) throw new Error('cacheWorker.ts must run as a worker thread')
const port = parentPort

port.on('message', async (job: WorkerJob) => {
  let reply: WorkerReply
  try {
    const fb = await computeFeature(job.file, job.settings)
    await writeEntry(job.entry, fb)
    reply = { type: 'done', id: job.id, frames: fb.frames, melBins: fb.melBins }
  } catch (err) {
    reply = { type: 'failed', id: job.id, message: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(reply)
})
port.postMessage({ type: 'ready' } satisfies WorkerReply)
