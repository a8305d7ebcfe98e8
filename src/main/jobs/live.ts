// The 'live' job: loads a model once, then scores the audio chunks the app hands it (job input) and
// emits live.scores events, until the job is cancelled (the user stops listening). Chunks are scored
// in order, one at a time; a chunk that arrives while one is being scored waits its turn.
import { LIVE_RATE, openLiveTagger } from '../engine/infer/live'
import type { RunnerContext } from './runners'

export async function liveRunner(params: { model: string; hopS?: number; activation?: 'auto' | 'sigmoid' | 'softmax' }, ctx: RunnerContext): Promise<{ seconds: number }> {
  const jobId = ctx.jobId
  const tagger = await openLiveTagger(params.model, { hopS: params.hopS, activation: params.activation })
  let seconds = 0
  try {
    ctx.emit({ type: 'live.ready', jobId, ready: tagger.ready })
    ctx.onProgress({ label: 'listening', done: 0, total: 0, unit: 's', rate: 0, etaS: null })
    let chain: Promise<void> = Promise.resolve()
    let failure: Error | null = null
    ctx.onInput((data) => {
      const pcm = Buffer.from(String((data as { pcm?: string }).pcm ?? ''), 'base64')
      const samples = new Float32Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength - (pcm.byteLength % 4)))
      chain = chain.then(async () => {
        if (failure || ctx.signal.aborted) return
        try {
          const frames = await tagger.push(samples)
          seconds += samples.length / LIVE_RATE
          if (frames.length) ctx.emit({ type: 'live.scores', jobId, frames })
        } catch (err) {
          failure = err as Error
        }
      })
    })
    // Until the user stops (cancel) or scoring fails.
    await new Promise<void>((resolve, reject) => {
      const tick = setInterval(() => {
        if (failure) {
          clearInterval(tick)
          reject(failure)
        }
      }, 100)
      ctx.signal.addEventListener('abort', () => {
        clearInterval(tick)
        resolve()
      })
    })
    await chain
    return { seconds }
  } finally {
    tagger.dispose()
  }
}
