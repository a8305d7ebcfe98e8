// The live tab's resampler and messages: a 48 kHz sine resampled to 16 kHz is that sine at 16 kHz
// (within the interpolation's error), whatever the chunk sizes; getUserMedia failures read as advice.
import { describe, expect, it } from 'vitest'
import { microphoneError, streamResampler } from '../../../src/renderer/src/lib/microphone'

describe('streaming resampler', () => {
  it('resamples a 48 kHz sine to 16 kHz, independent of chunking', () => {
    const n = 48000
    const f = 440
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / 48000))
    const run = (chunk: number) => {
      const r = streamResampler(48000, 16000)
      const parts: number[] = []
      for (let at = 0; at < n; at += chunk) parts.push(...r(x.subarray(at, at + chunk)))
      return parts
    }
    const a = run(4096)
    const b = run(1000)
    expect(b.length).toBe(a.length)
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6)
    expect(Math.abs(a.length - 16000)).toBeLessThanOrEqual(1)
    // The 3-tap moving average delays by one input sample (1/48000 s) and damps 440 Hz by under 0.2%.
    let err = 0
    for (let i = 10; i < a.length - 10; i++) err = Math.max(err, Math.abs(a[i] - Math.sin(2 * Math.PI * f * (i / 16000 - 1 / 48000))))
    expect(err).toBeLessThan(0.01)
    expect(streamResampler(16000, 16000)(Float32Array.of(1, 2))).toEqual(Float32Array.of(1, 2))
  })
  it('says what to do when the microphone cannot be opened', () => {
    expect(microphoneError({ name: 'NotAllowedError' })).toMatch(/denied.*site settings/)
    expect(microphoneError({ name: 'NotFoundError' })).toMatch(/No microphone was found/)
    expect(microphoneError({ name: 'NotReadableError' })).toMatch(/another program/)
  })
})
