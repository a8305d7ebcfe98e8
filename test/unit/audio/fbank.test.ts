// Kaldi fbank parity with torchaudio.compliance.kaldi.fbank on real clips (fixtures from make_fixtures.py).
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { FLOAT32_EPS, astFbank, kaldiFbank } from '../../../src/main/engine/audio/fbank'
import { loadMono } from '../../../src/main/engine/audio/decode'
import { readNpy } from '../../../src/main/engine/io/npy'

const FIX = path.resolve('test/fixtures/audio')
const CLIPS = ['music_trumpet_bass_drums', 'speech_yes', 'speech_stop']

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('astFbank equals AST’s torchaudio features on real audio', () => {
  for (const clip of CLIPS) {
    for (const mel of [128, 64]) {
      it(`${clip}, ${mel} mel bins`, async () => {
        const wave = await loadMono(path.join(FIX, 'clips', `${clip}.flac`), 16000)
        const fb = astFbank(wave, mel)
        const ref = readNpy(path.join(FIX, 'fbank', `${clip}.mel${mel}.npy`))
        expect([fb.frames, fb.melBins]).toEqual(ref.shape)
        // torchaudio computes in float32: its own rounding is ~2-4e-4 here (see manifest.json).
        expect(maxAbsDiff(fb.data, ref.data)).toBeLessThanOrEqual(1e-3)
        if (mel === 128) {
          // The same torchaudio code in float64 shows how close the algorithm itself is.
          const ref64 = readNpy(path.join(FIX, 'fbank', `${clip}.mel${mel}.f64.npy`))
          expect(maxAbsDiff(fb.data, ref64.data)).toBeLessThanOrEqual(1e-4)
        }
      })
    }
  }
})

describe('kaldiFbank options', () => {
  it('non-AST options (hamming, 80 mel, 60 Hz to Nyquist - 400, preemphasis 0.9, no snip_edges, no DC removal)', async () => {
    const wave = await loadMono(path.join(FIX, 'clips', 'speech_yes.flac'), 16000)
    const fb = kaldiFbank(wave, {
      sampleFrequency: 16000,
      windowType: 'hamming',
      numMelBins: 80,
      lowFreq: 60,
      highFreq: -400,
      preemphasisCoefficient: 0.9,
      snipEdges: false,
      removeDcOffset: false
    })
    const ref = readNpy(path.join(FIX, 'fbank', 'speech_yes.custom.npy'))
    expect([fb.frames, fb.melBins]).toEqual(ref.shape)
    expect(maxAbsDiff(fb.data, ref.data)).toBeLessThanOrEqual(1e-3)
  })

  it('frame counts follow snip_edges: 998 for 10 s, 498 for 5 s, 98 for 1 s, none under 25 ms', () => {
    for (const [seconds, frames] of [
      [10, 998],
      [5, 498],
      [1, 98]
    ]) {
      expect(astFbank(new Float32Array(seconds * 16000), 128).frames).toBe(frames)
    }
    const tiny = astFbank(new Float32Array(399), 128)
    expect(tiny.frames).toBe(0)
    expect(tiny.data.length).toBe(0)
    expect(astFbank(new Float32Array(400), 64).frames).toBe(1)
  })

  it('silence gives log(float32 eps) everywhere, not -Infinity or NaN', () => {
    const fb = astFbank(new Float32Array(16000).fill(0.25), 128)
    expect(fb.data.every((v) => v === Math.fround(Math.log(FLOAT32_EPS)))).toBe(true)
  })

  it('a pure tone peaks in the mel bin whose band holds it', () => {
    const n = 16000
    const wave = new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * 1000 * i) / 16000))
    const fb = astFbank(wave, 64)
    const row = fb.data.subarray(50 * 64, 51 * 64)
    const peak = row.indexOf(Math.max(...row))
    // Mel bin centres (HTK mel, 20 Hz to 8 kHz, 64 bins): 1000 Hz lies between centres 17 and 18.
    const mel = (f: number) => 1127 * Math.log(1 + f / 700)
    const centre = (m: number) => 700 * (Math.exp((mel(20) + ((m + 1) * (mel(8000) - mel(20))) / 65) / 1127) - 1)
    expect(centre(peak - 1)).toBeLessThan(1000)
    expect(centre(peak + 1)).toBeGreaterThan(1000)
  })

  it('rejects options torchaudio rejects', () => {
    expect(() => kaldiFbank(new Float32Array(1000), { numMelBins: 3 })).toThrow(/numMelBins/)
    expect(() => kaldiFbank(new Float32Array(1000), { lowFreq: 9000, sampleFrequency: 16000 })).toThrow(/Bad filterbank range/)
  })
})
