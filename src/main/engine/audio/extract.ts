// One file → its raw features, the unit of work of the feature cache (run in a worker thread or in-process).
import { loadMono } from './decode'
import { astFbank, type Fbank } from './fbank'

/** What a cached feature depends on besides the audio: raw (unpadded, unnormalised) AST fbank settings. */
export interface FeatureSettings {
  sampleRate: number
  melBins: number
}

/** Decode, downmix, resample to settings.sampleRate, AST fbank with settings.melBins. */
export async function computeFeature(file: string, settings: FeatureSettings): Promise<Fbank> {
  const wave = await loadMono(file, settings.sampleRate)
  return astFbank(wave, settings.melBins, settings.sampleRate)
}
