// Audio file → float PCM. The codecs are audio-decode's (WAV incl. WAVE_FORMAT_EXTENSIBLE, FLAC, MP3, Ogg
// Vorbis/Opus, M4A/AAC and more); music-metadata reads the container header (bit depth, declared length,
// fast probing). What this module adds: errors that name the file and say what is wrong, checks that a
// decoder would let through silently (truncation, no samples, NaN), and torchaudio's integer scaling.
import fs from 'node:fs'
import decode from 'audio-decode'
import { parseBuffer, parseFile, type IFormat } from 'music-metadata'
import { resample } from './resample'

export interface DecodedAudio {
  sampleRate: number
  /** One array per channel, all the same length. */
  channels: Float32Array[]
}

export interface AudioProbe {
  durationS: number
  sampleRate: number
  channels: number
}

const SUPPORTED = 'WAV, FLAC, MP3, Ogg Vorbis/Opus, M4A/AAC, AIFF, WebM'

async function readBytes(file: string): Promise<Uint8Array> {
  let bytes: Buffer
  try {
    bytes = await fs.promises.readFile(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new Error(`Cannot read ${file}: ${code === 'EISDIR' ? 'it is a folder' : (code ?? (err as Error).message)}`)
  }
  if (bytes.length === 0) throw new Error(`${file} is empty (0 bytes)`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

/** Container facts, or null when music-metadata cannot read the header (the decoder then has the last word). */
async function headerFormat(bytes: Uint8Array): Promise<IFormat | null> {
  try {
    return (await parseBuffer(bytes, undefined, { duration: false, skipCovers: true })).format
  } catch {
    return null
  }
}

const isRiffWave = (b: Uint8Array): boolean =>
  b.length >= 12 && String.fromCharCode(b[0], b[1], b[2], b[3]) === 'RIFF' && String.fromCharCode(b[8], b[9], b[10], b[11]) === 'WAVE'

/**
 * A cut-off WAV still decodes (the decoder reads what is there), so compare the RIFF size field with the
 * bytes present. Streaming writers put a placeholder there (0 or ≥ 0x7FFFF000) and are not checked; one
 * missing pad byte is tolerated.
 */
function checkRiffLength(file: string, b: Uint8Array, fileSize = b.length): void {
  if (!isRiffWave(b)) return
  const declared = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0
  if (declared === 0 || declared >= 0x7ffff000) return
  const expected = declared + 8
  if (fileSize + 1 < expected) throw new Error(`${file} is truncated: its header declares ${expected} bytes, the file has ${fileSize}`)
}

/** checkRiffLength from the first 12 bytes and the file's size, without reading the audio. */
async function checkRiffLengthOnDisk(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r')
  try {
    const head = new Uint8Array(12)
    const { bytesRead } = await handle.read(head, 0, 12, 0)
    checkRiffLength(file, head.subarray(0, bytesRead), (await handle.stat()).size)
  } finally {
    await handle.close()
  }
}

/** True when every sample times its scale (by sign) is an integer in [-full, full - 1]. */
function onIntegerGrid(channels: Float32Array[], posScale: number, negScale: number, full: number): boolean {
  const tol = 4e-3 // float32 rounding of k/32767 is at most 32767 · 6e-8 ≈ 2e-3 off the integer
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const x = ch[i] * (ch[i] >= 0 ? posScale : negScale)
      const k = Math.round(x)
      if (Math.abs(x - k) > tol || k < -full || k > full - 1) return false
    }
  }
  return true
}

/**
 * audio-decode scales integer PCM by 1/(2^(b-1) - 1) (FLAC) or asymmetrically (WAV: 1/32767 above zero,
 * 1/32768 below), whereas torchaudio, libsndfile and AST's pipeline use 1/2^(b-1). For 8- and 16-bit data
 * the integers are recoverable exactly, so find which scaling the samples sit on and rescale to 1/2^(b-1).
 * Data on no such grid (μ-law, ADPCM: already on the 16-bit grid or something else) is left untouched.
 * Above 16 bits the grids cannot be told apart in float32, and the scalings differ by at most one float32
 * rounding step (≤ 6e-8), far below anything the features can see.
 */
function restoreIntegerScale(channels: Float32Array[], bits: number): void {
  if (!(bits >= 2 && bits <= 16)) return
  const full = 2 ** (bits - 1)
  if (onIntegerGrid(channels, full, full, full)) return
  const scalings: [number, number][] = [
    [full - 1, full], // asymmetric (audio-decode's WAV)
    [full - 1, full - 1] // symmetric (audio-decode's FLAC)
  ]
  for (const [pos, neg] of scalings) {
    if (!onIntegerGrid(channels, pos, neg, full)) continue
    for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i] * (ch[i] >= 0 ? pos : neg)) / full
    return
  }
}

function isIntegerPcm(format: IFormat | null): format is IFormat {
  if (!format?.bitsPerSample) return false
  if (format.container === 'FLAC') return true
  // WAVE 'PCM', or WAVE_FORMAT_EXTENSIBLE (music-metadata: 'non-PCM (65534)'); float WAVs are 32/64-bit.
  return format.container === 'WAVE' && (format.codec === 'PCM' || format.codec === 'non-PCM (65534)')
}

/** Decode a whole file. Throws an Error naming the file and what is wrong with it. */
export async function decodeAudioFile(file: string): Promise<DecodedAudio> {
  const bytes = await readBytes(file)
  checkRiffLength(file, bytes)
  const format = await headerFormat(bytes)
  let result: { channelData: Float32Array[]; sampleRate: number }
  try {
    result = await decode(bytes)
  } catch (err) {
    const msg = (err as Error).message ?? String(err)
    if (/unknown audio format/i.test(msg)) throw new Error(`${file} is not a recognised audio file (supported: ${SUPPORTED})`)
    if (/no decoder for/i.test(msg)) throw new Error(`${file}: unsupported audio format (${msg.replace(/^no decoder for\s*/i, '')}; supported: ${SUPPORTED})`)
    throw new Error(`${file} could not be decoded: ${msg}`)
  }
  const length = result.channelData[0]?.length ?? 0
  // FLAC's STREAMINFO states the exact length; a cut-off or damaged stream decodes to less (or nothing).
  if (format?.container === 'FLAC' && format.duration && format.sampleRate) {
    const decodedS = length / format.sampleRate
    if (decodedS < format.duration - 0.001)
      throw new Error(`${file} is truncated or damaged: its header declares ${format.duration.toFixed(3)} s, only ${decodedS.toFixed(3)} s could be decoded`)
  }
  if (result.channelData.length === 0 || length === 0) throw new Error(`${file} holds no audio samples (only a header, or a damaged stream)`)
  const sampleRate = result.sampleRate
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new Error(`${file} has an invalid sample rate (${sampleRate})`)
  // Copy out: the decoder's arrays may be views into WebAssembly memory that it reuses.
  const channels = result.channelData.map((ch) => ch.slice(0, length))
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i])) throw new Error(`${file} contains invalid samples (NaN or infinity at ${(i / sampleRate).toFixed(3)} s)`)
    }
  }
  if (isIntegerPcm(format)) restoreIntegerScale(channels, format.bitsPerSample!)
  return { sampleRate, channels }
}

/** Average the channels (a mono file is returned as is). */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]
  const n = channels[0].length
  const out = new Float32Array(n)
  const k = channels.length
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let c = 0; c < k; c++) s += channels[c][i]
    out[i] = s / k
  }
  return out
}

/** Decode, downmix to mono and resample to `targetRate` (torchaudio's band-limited sinc resampler). */
export async function loadMono(file: string, targetRate = 16000): Promise<Float32Array> {
  const { sampleRate, channels } = await decodeAudioFile(file)
  return resample(downmix(channels), sampleRate, targetRate)
}

const PROBED_CONTAINERS = new Set(['WAVE', 'FLAC', 'MPEG', 'Ogg', 'AIFF', 'AIFF-C'])

/**
 * Duration, sample rate and channel count from the header when it states them (milliseconds instead of a
 * full decode). Falls back to decoding, which also gives the proper error for a file that is not audio.
 * A WAV shorter than its RIFF header declares is reported as truncated here; the audio data itself is
 * validated by decodeAudioFile.
 */
export async function probeAudio(file: string): Promise<AudioProbe> {
  try {
    const { format } = await parseFile(file, { duration: false, skipCovers: true })
    const known = PROBED_CONTAINERS.has(format.container ?? '') || /^M4A|^MP4|isom/i.test(format.container ?? '')
    if (known && format.sampleRate && format.numberOfChannels && format.duration && format.duration > 0) {
      // A WAV cut off after its header still has a header to read: its RIFF size tells.
      if (format.container === 'WAVE') await checkRiffLengthOnDisk(file)
      // Opus always decodes at 48 kHz; its header's rate is only the original input's.
      const sampleRate = format.codec === 'Opus' ? 48000 : format.sampleRate
      return { durationS: format.duration, sampleRate, channels: format.numberOfChannels }
    }
  } catch (err) {
    if (err instanceof Error && / is truncated: /.test(err.message)) throw err
    // Unreadable header: decoding below reports why.
  }
  const { sampleRate, channels } = await decodeAudioFile(file)
  return { durationS: channels[0].length / sampleRate, sampleRate, channels: channels.length }
}
