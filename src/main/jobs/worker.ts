// Entry point of a job process (Electron utilityProcess or child_process.fork). It speaks the
// protocol in ./protocol over whichever channel the parent gave it.
import { RUNNERS } from './runners'
import type { JobMessage, ParentMessage } from './protocol'

interface Channel {
  send(msg: JobMessage): void
  onMessage(fn: (msg: ParentMessage) => void): void
}

function channel(): Channel {
  // Electron's utilityProcess exposes process.parentPort; a forked Node child has process.send.
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (e: { data: unknown }) => void): void } }).parentPort
  if (parentPort) {
    return {
      send: (msg) => parentPort.postMessage(msg),
      onMessage: (fn) => parentPort.on('message', (e) => fn(e.data as ParentMessage))
    }
  }
  if (!process.send) throw new Error('job worker started without a parent channel')
  return {
    // Once the parent is gone there is no one to tell: drop the message (the run store has everything)
    // rather than die on ERR_IPC_CHANNEL_CLOSED or EPIPE.
    send: (msg) => {
      if (process.connected) process.send!(msg, undefined, {}, () => undefined)
    },
    onMessage: (fn) => process.on('message', (m) => fn(m as ParentMessage))
  }
}

const OOM_PATTERN = /out of memory|Array buffer allocation failed|WebAssembly\.Memory|Cannot allocate|OOM/i

// The parent holds our stderr pipe: when it dies, a write there fails with EPIPE. That must not kill
// the job (a training run then stops cleanly through 'disconnect', and checkpoints).
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)

const port = channel()
const abort = new AbortController()
// Input that arrives before the runner listens (it may still be loading a model) waits here.
const held: unknown[] = []
let inputListener: ((data: unknown) => void) | null = null

port.onMessage(async (msg) => {
  if (msg.type === 'cancel') {
    abort.abort()
    return
  }
  if (msg.type === 'input') {
    if (inputListener) inputListener(msg.data)
    else held.push(msg.data)
    return
  }
  if (msg.type !== 'start') return
  const { spec } = msg
  Object.assign(process.env, spec.env ?? {})
  try {
    const load = RUNNERS[spec.runner]
    if (!load) throw new Error(`unknown job runner '${spec.runner}'`)
    const run = await load()
    const value = await run(spec.params, {
      jobId: msg.jobId,
      onProgress: (update) => port.send({ type: 'progress', update }),
      emit: (event) => port.send({ type: 'event', event }),
      signal: abort.signal,
      onInput: (listener) => {
        inputListener = listener
        for (const d of held.splice(0)) listener(d)
      }
    })
    port.send({ type: 'result', value })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    port.send({ type: 'error', message, oom: OOM_PATTERN.test(message) })
  }
  // Let the last message flush before the process ends.
  setTimeout(() => process.exit(0), 50)
})
