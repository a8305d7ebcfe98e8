// Live tagging: 16 kHz mono audio arrives in chunks (a microphone); every hop, the latest model-sized
// window (padded while the stream is shorter) goes through the same features, normalisation and model
// runner as file tagging, and its clip scores come out. One window at a time: a live stream needs
// the newest answer, not a backlog.
import type { LiveFrame, LiveReady } from '../../../shared/types'
import { astFbank } from '../audio/fbank'
import { chooseActivation, clipScores, type ActivationChoice } from './activation'
import { resolveModel } from './modelRef'
import { pickRunner } from './tag'
import { fillWindow } from './windows'

export const LIVE_RATE = 16000

export interface LiveTagger {
  ready: LiveReady
  /** Add samples; returns the frames scored for every hop completed by them. */
  push(samples: Float32Array): Promise<LiveFrame[]>
  dispose(): void
}

export interface LiveOptions {
  /** Seconds between scored windows (default 0.5, at least 0.1). */
  hopS?: number
  activation?: ActivationChoice
  engine?: 'auto' | 'ort' | 'tfjs'
}

export async function openLiveTagger(modelRef: string, opts: LiveOptions = {}): Promise<LiveTagger> {
  const resolved = resolveModel(modelRef)
  const { runner, model } = await pickRunner(resolved, { engine: opts.engine, threads: 1, batchSize: 1 })
  const meta = resolved.meta
  const f = meta.features
  if (f.sampleRate !== LIVE_RATE) throw new Error(`${resolved.description} expects ${f.sampleRate} Hz audio; live tagging streams ${LIVE_RATE} Hz`)
  const { activation, note } = chooseActivation(opts.activation ?? 'auto', { activation: meta.activation, assumed: resolved.activationAssumed })
  const T = f.targetLength
  const F = f.melBins
  // Samples whose fbank (25 ms windows, 10 ms hop) gives exactly T frames.
  const windowSamples = (T - 1) * Math.round(f.frameShiftS * LIVE_RATE) + Math.round(0.025 * LIVE_RATE)
  const hopSamples = Math.max(Math.round(0.1 * LIVE_RATE), Math.round((opts.hopS ?? 0.5) * LIVE_RATE))
  let buffer = new Float32Array(0)
  let received = 0
  let nextAt = hopSamples
  const input = new Float32Array(T * F)

  const score = async (): Promise<number[]> => {
    const wave = buffer.length > windowSamples ? buffer.subarray(buffer.length - windowSamples) : buffer
    const fb = astFbank(wave, F, LIVE_RATE)
    fillWindow(fb.data, fb.frames, F, 0, T, f.norm, input, 0)
    const out = await runner.run(input, 1)
    return Array.from(clipScores(out.logits.subarray(0, meta.labels.length), activation))
  }

  return {
    ready: { labels: meta.labels, windowS: windowSamples / LIVE_RATE, hopS: hopSamples / LIVE_RATE, note: [runner.note, note].filter(Boolean).join('; ') },
    async push(samples) {
      for (const v of samples) if (!Number.isFinite(v)) throw new Error('Live audio holds a non-finite sample')
      const joined = new Float32Array(Math.min(windowSamples, buffer.length + samples.length))
      // Keep only the latest window of audio.
      if (samples.length >= joined.length) joined.set(samples.subarray(samples.length - joined.length))
      else {
        joined.set(buffer.subarray(buffer.length - (joined.length - samples.length)))
        joined.set(samples, joined.length - samples.length)
      }
      buffer = joined
      received += samples.length
      const frames: LiveFrame[] = []
      // Several hops in one chunk: score once, for the latest (older windows are gone).
      if (received >= nextAt && buffer.length >= Math.round(0.025 * LIVE_RATE)) {
        frames.push({ t: received / LIVE_RATE, scores: await score() })
        nextAt = received - (received % hopSamples) + hopSamples
      }
      return frames
    },
    dispose() {
      model?.dispose()
    }
  }
}
