// The microphone as a stream of 16 kHz mono chunks, for live tagging. The browser resamples when the
// AudioContext runs at 16 kHz (Chromium, Electron); where it cannot (Firefox refuses to connect a
// microphone to a context of another rate), a streaming resampler here does it. Failures become
// sentences that say what to do.

export const LIVE_RATE = 16000

/** The message for a getUserMedia failure (or a page that cannot ask at all). */
export function microphoneError(err: unknown): string {
  const name = (err as { name?: string })?.name ?? ''
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return 'Microphone access was denied. Allow this page (or the Tagbench app) to use the microphone in the browser’s site settings or the system’s privacy settings, then press Listen again.'
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return 'No microphone was found. Connect one (or choose an input device in the system’s sound settings), then press Listen again.'
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError')
    return 'The microphone could not be started: another program may be using it. Close that program, then press Listen again.'
  return `The microphone could not be opened: ${(err as Error)?.message ?? String(err)}`
}

export const NO_MEDIA_DEVICES =
  'This page cannot use a microphone: browsers allow it only on https:// or http://localhost pages. Open Tagbench at http://localhost (an SSH tunnel to the server works) or in the desktop app.'

/**
 * A streaming resampler: linear interpolation after a moving-average low-pass as wide as the rate
 * ratio (enough against aliasing for tagging; the browser's own resampler is used where it can be).
 * Chunks may have any size; the output does not depend on how the input was cut.
 */
export function streamResampler(from: number, to: number): (chunk: Float32Array) => Float32Array {
  if (from === to) return (c) => c
  const step = from / to
  const taps = Math.max(1, Math.round(step))
  let history = new Float32Array(0)
  let pos = 0 // position of the next output sample, in input samples from the start of `history`
  return (chunk) => {
    const x = new Float32Array(history.length + chunk.length)
    x.set(history)
    x.set(chunk, history.length)
    // Low-passed copy: y[i] = mean of x[i - taps + 1 .. i] (only where a full window exists).
    const y = new Float32Array(x.length)
    let sum = 0
    for (let i = 0; i < x.length; i++) {
      sum += x[i]
      if (i >= taps) sum -= x[i - taps]
      y[i] = sum / Math.min(taps, i + 1)
    }
    const out: number[] = []
    while (pos + 1 < x.length) {
      const i = Math.floor(pos)
      const frac = pos - i
      out.push(y[i] * (1 - frac) + y[i + 1] * frac)
      pos += step
    }
    // Keep what the next chunk's filter and interpolation still need.
    const keep = Math.max(0, Math.floor(pos) - taps)
    history = x.subarray(keep)
    pos -= keep
    return Float32Array.from(out)
  }
}

export interface Microphone {
  /** The rate the audio was captured at before resampling. */
  captureRate: number
  stop(): void
}

/** Opens the default microphone and calls onChunk with 16 kHz mono samples about every 0.25 s. */
export async function openMicrophone(onChunk: (pcm: Float32Array) => void): Promise<Microphone> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error(NO_MEDIA_DEVICES)
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
  } catch (err) {
    throw new Error(microphoneError(err))
  }
  let ctx: AudioContext
  let source: MediaStreamAudioSourceNode
  try {
    ctx = new AudioContext({ sampleRate: LIVE_RATE })
    source = ctx.createMediaStreamSource(stream)
  } catch {
    ctx = new AudioContext()
    source = ctx.createMediaStreamSource(stream)
  }
  const resample = streamResampler(ctx.sampleRate, LIVE_RATE)
  // ScriptProcessor: deprecated but everywhere, and it needs no worklet module (the page's CSP allows
  // scripts from 'self' only). 4096 frames is a quarter second at 16 kHz.
  const processor = ctx.createScriptProcessor(4096, 1, 1)
  const mute = ctx.createGain()
  mute.gain.value = 0
  processor.onaudioprocess = (e) => {
    const out = resample(Float32Array.from(e.inputBuffer.getChannelData(0)))
    if (out.length) onChunk(out)
  }
  source.connect(processor)
  processor.connect(mute)
  mute.connect(ctx.destination)
  if (ctx.state === 'suspended') await ctx.resume()
  return {
    captureRate: ctx.sampleRate,
    stop() {
      processor.onaudioprocess = null
      source.disconnect()
      processor.disconnect()
      for (const t of stream.getTracks()) t.stop()
      void ctx.close()
    }
  }
}

/** Float32 samples as base64 of their little-endian bytes (what live.push takes). */
export function float32Base64(x: Float32Array): string {
  const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}
