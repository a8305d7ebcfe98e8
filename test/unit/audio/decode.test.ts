// Decoding every supported container/encoding, checked against torchaudio.load's samples of the same files
// (test/fixtures/audio/make_fixtures.py), and bad input of every kind: a clear error naming the file.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeAudioFile, downmix, loadMono, probeAudio } from '../../../src/main/engine/audio/decode'
import { readNpy } from '../../../src/main/engine/io/npy'

const FIX = path.resolve('test/fixtures/audio/formats')
const fix = (name: string) => path.join(FIX, name)
const source = readNpy(fix('source_s16.npy')).data as Float32Array
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-decode-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/** Best normalised cross-correlation of b against a within ±maxLag samples (lossy codecs add delay). */
function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): number {
  let best = -1
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0
    let aa = 0
    let bb = 0
    for (let i = 0; i < a.length; i++) {
      const j = i + lag
      if (j < 0 || j >= b.length) continue
      ab += a[i] * b[j]
      aa += a[i] * a[i]
      bb += b[j] * b[j]
    }
    if (aa > 0 && bb > 0) best = Math.max(best, ab / Math.sqrt(aa * bb))
  }
  return best
}

describe('decodeAudioFile: lossless formats equal torchaudio.load', () => {
  // torchaudio scales integers by 1/2^(bits-1); so must we (audio-decode alone does not): bit-exact up to
  // 16 bits; above that its other scaling may round one float32 step differently (≤ 2^-24 here).
  const lossless: [string, number][] = [
    ['pcm_s16.wav', 0],
    ['flac16.flac', 0],
    ['float32.wav', 0],
    ['pcm_s24.wav', 2 ** -24],
    ['extensible_s24.wav', 2 ** -24],
    ['flac24.flac', 2 ** -24],
    ['pcm_s32.wav', 2 ** -24]
  ]
  for (const [name, tolerance] of lossless) {
    it(name, async () => {
      const { sampleRate, channels } = await decodeAudioFile(fix(name))
      expect(sampleRate).toBe(16000)
      expect(channels).toHaveLength(1)
      expect(maxAbsDiff(channels[0], source)).toBeLessThanOrEqual(tolerance)
    })
  }

  it('8-bit unsigned WAV', async () => {
    const { channels } = await decodeAudioFile(fix('pcm_u8.wav'))
    expect(maxAbsDiff(channels[0], readNpy(fix('pcm_u8.npy')).data)).toBe(0)
  })

  it('the extensible file really is WAVE_FORMAT_EXTENSIBLE, the plain one is not', () => {
    expect(fs.readFileSync(fix('extensible_s24.wav')).readUInt16LE(20)).toBe(0xfffe)
    expect(fs.readFileSync(fix('pcm_s24.wav')).readUInt16LE(20)).toBe(1)
  })
})

describe('decodeAudioFile: lossy formats', () => {
  const lossy: [string, number][] = [
    ['mp3.mp3', 16000],
    ['vorbis.ogg', 16000],
    ['opus.opus', 48000],
    ['aac.m4a', 16000]
  ]
  for (const [name, rate] of lossy) {
    it(`${name} decodes to the same sound`, async () => {
      const { sampleRate, channels } = await decodeAudioFile(fix(name))
      expect(sampleRate).toBe(rate)
      const mono = await loadMono(fix(name), 16000)
      // Codec delay/padding: within 60 ms of the 0.3 s source, and the waveform itself closely correlated.
      expect(Math.abs(mono.length - source.length)).toBeLessThan(0.06 * 16000)
      expect(bestCorrelation(source, mono, 1200)).toBeGreaterThan(0.9)
      for (const ch of channels) expect(ch.every(Number.isFinite)).toBe(true)
    })
  }
})

describe('downmix and loadMono', () => {
  it('stereo is averaged sample by sample', async () => {
    const ref = readNpy(fix('stereo.npy'))
    expect(ref.shape).toEqual([2, source.length])
    const { channels } = await decodeAudioFile(fix('stereo.wav'))
    expect(channels).toHaveLength(2)
    const n = source.length
    const expected = new Float32Array(n).map((_, i) => (ref.data[i] + ref.data[n + i]) / 2)
    expect(maxAbsDiff(downmix(channels), expected)).toBeLessThan(1e-7)
    expect(maxAbsDiff(await loadMono(fix('stereo.wav'), 16000), expected)).toBeLessThan(1e-7)
  })

  it('resamples to the target rate', async () => {
    const y = await loadMono(fix('pcm_s16.wav'), 8000)
    expect(y.length).toBe(Math.ceil(source.length / 2))
  })
})

describe('probeAudio', () => {
  it('reads duration, rate and channels from headers', async () => {
    for (const name of ['pcm_s16.wav', 'extensible_s24.wav', 'flac16.flac', 'vorbis.ogg']) {
      const p = await probeAudio(fix(name))
      expect(p.sampleRate).toBe(16000)
      expect(p.channels).toBe(1)
      expect(p.durationS).toBeCloseTo(0.3, 2)
    }
    expect(await probeAudio(fix('stereo.wav'))).toMatchObject({ channels: 2, sampleRate: 16000 })
    const opus = await probeAudio(fix('opus.opus'))
    expect(opus.sampleRate).toBe(48000)
    expect(Math.abs(opus.durationS - 0.3)).toBeLessThan(0.03)
  })

  it('finds a WAV cut off after its header without decoding it', async () => {
    const whole = fs.readFileSync(fix('pcm_s16.wav'))
    const cut = path.join(tmp, 'cut-probe.wav')
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)))
    await expect(probeAudio(cut)).rejects.toThrow(`${cut} is truncated: its header declares ${whole.length} bytes, the file has ${Math.floor(whole.length * 0.6)}`)
  })

  it('gives the decoder’s error for a file that is not audio', async () => {
    const bad = path.join(tmp, 'notes.wav')
    fs.writeFileSync(bad, 'this is a text file, renamed to .wav\n'.repeat(20))
    await expect(probeAudio(bad)).rejects.toThrow(/notes\.wav is not a recognised audio file/)
  })
})

describe('bad input: an error naming the file and the reason, never a crash or NaN', () => {
  const write = (name: string, data: Uint8Array | string): string => {
    const p = path.join(tmp, name)
    fs.writeFileSync(p, data)
    return p
  }
  const wavBytes = fs.readFileSync(fix('pcm_s16.wav'))
  const flacBytes = fs.readFileSync(fix('flac16.flac'))

  it('missing file', async () => {
    const p = path.join(tmp, 'missing.wav')
    await expect(decodeAudioFile(p)).rejects.toThrow(`Cannot read ${p}: ENOENT`)
  })

  it('empty file (0 bytes)', async () => {
    const p = write('empty.wav', new Uint8Array(0))
    await expect(decodeAudioFile(p)).rejects.toThrow(`${p} is empty (0 bytes)`)
  })

  it('text file renamed .wav', async () => {
    const p = write('text.wav', 'hello, I am not audio\n'.repeat(50))
    await expect(decodeAudioFile(p)).rejects.toThrow(`${p} is not a recognised audio file`)
  })

  it('truncated WAV (cut in the middle of the data)', async () => {
    const p = write('truncated.wav', wavBytes.subarray(0, Math.floor(wavBytes.length / 2)))
    await expect(decodeAudioFile(p)).rejects.toThrow(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is truncated`))
  })

  it('truncated FLAC: nothing decodable, or only the first part', async () => {
    const short = write('truncated-short.flac', flacBytes.subarray(0, Math.floor(flacBytes.length * 0.6)))
    await expect(decodeAudioFile(short)).rejects.toThrow(`${short} is truncated or damaged: its header declares 0.300 s, only 0.000 s`)
    const music = fs.readFileSync(path.resolve('test/fixtures/audio/clips/music_trumpet_bass_drums.flac'))
    const half = write('truncated-half.flac', music.subarray(0, Math.floor(music.length / 2)))
    await expect(decodeAudioFile(half)).rejects.toThrow(new RegExp(`truncated-half\\.flac is truncated or damaged: its header declares 4\\.000 s, only [12]\\.\\d+ s could be decoded`))
  })

  it('WAV header only, no samples (zero-length audio)', async () => {
    // A valid 44-byte PCM header whose data chunk is empty (sizes say so: not truncated).
    const header = Buffer.from(wavBytes.subarray(0, 44))
    expect(header.toString('latin1', 36, 40)).toBe('data')
    header.writeUInt32LE(36, 4)
    header.writeUInt32LE(0, 40)
    const p = write('zero-length.wav', header)
    await expect(decodeAudioFile(p)).rejects.toThrow(`${p} holds no audio samples`)
  })

  it('unsupported format (a MIDI file)', async () => {
    const midi = Buffer.concat([
      Buffer.from('MThd'),
      Buffer.from([0, 0, 0, 6, 0, 0, 0, 1, 0, 96]),
      Buffer.from('MTrk'),
      Buffer.from([0, 0, 0, 4, 0, 0xff, 0x2f, 0])
    ])
    const p = write('tune.mid', midi)
    await expect(decodeAudioFile(p)).rejects.toThrow(`${p}: unsupported audio format (mid;`)
  })

  it('float WAV holding NaN', async () => {
    const bytes = Buffer.from(fs.readFileSync(fix('float32.wav')))
    const data = bytes.indexOf('data') + 8
    bytes.writeFloatLE(Number.NaN, data + 4 * 100)
    const p = write('nan.wav', bytes)
    await expect(decodeAudioFile(p)).rejects.toThrow(`${p} contains invalid samples (NaN or infinity at 0.006 s)`)
  })

  it('a folder', async () => {
    await expect(decodeAudioFile(tmp)).rejects.toThrow(`Cannot read ${tmp}: it is a folder`)
  })
})
