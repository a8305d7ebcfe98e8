// 16-bit PCM WAV bytes for test fixtures, written by the wavefile library (as the app's previews are).
import wavefile from 'wavefile'

/** One Int16Array per channel, all the same length. */
export function pcm16Wav(channels: Int16Array[], sampleRate: number): Buffer {
  const wav = new wavefile.WaveFile()
  wav.fromScratch(channels.length, sampleRate, '16', channels.length === 1 ? channels[0] : channels)
  return Buffer.from(wav.toBuffer())
}
