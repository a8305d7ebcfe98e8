// Feature extraction speed: AST/Kaldi fbank (128 mel) of 10 s clips at 16 kHz, from the waveform, on one
// thread (decoding and disk excluded). REFERENCE.md's anchor: torchaudio's kaldi fbank, 1 thread, ~141
// clips/s (bench/reference_features.py measures it here, the same way: 5 untimed clips, then each
// timed clip on its own; the figure is 1 / the median clip time).
//   node bin/run-ts.mjs bench/features.ts [--clips 200] [--mel 128]
import { pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { astFbank } from '../src/main/engine/audio/fbank'
import { makeRng } from '../src/main/engine/util/rng'
import { median } from './results'

export interface FeaturesBenchOptions {
  /** Timed clips, after a few untimed warm-up clips. Default 200. */
  clips?: number
  melBins?: number
  /** Clip length in seconds. Default 10. */
  clipSeconds?: number
}

export interface FeaturesBenchResult {
  /** Wall-clock rate, 1 / the median clip time: what a user gets (on a busy machine, less than the hardware can do). */
  clips_per_s: number
  clips: number
  /** Timed wall-clock total. */
  seconds: number
  /** Rate by this process's CPU time: close to the unloaded wall-clock rate when other work shares the cores. */
  cpu_clips_per_s: number
  /** Wall seconds of each timed clip. */
  clip_s: number[]
}

/** Clips per second of astFbank on one thread. */
export async function benchFeatures(opts: FeaturesBenchOptions = {}): Promise<FeaturesBenchResult> {
  const clips = opts.clips ?? 200
  const melBins = opts.melBins ?? 128
  const n = Math.round((opts.clipSeconds ?? 10) * 16000)
  // A few seeded waveforms (tones + noise) so no single buffer stays hot in cache unrealistically.
  const rng = makeRng(1)
  const waves = Array.from({ length: 4 }, (_, k) => {
    const w = new Float32Array(n)
    for (let i = 0; i < n; i++) w[i] = 0.3 * Math.sin((2 * Math.PI * (220 * (k + 1)) * i) / 16000) + 0.05 * rng.normal()
    return w
  })
  for (let i = 0; i < 5; i++) astFbank(waves[i % waves.length], melBins)
  const cpu0 = process.cpuUsage()
  const clipS: number[] = []
  let sink = 0
  for (let i = 0; i < clips; i++) {
    const t0 = performance.now()
    sink += astFbank(waves[i % waves.length], melBins).data[0]
    clipS.push((performance.now() - t0) / 1000)
  }
  const cpu = process.cpuUsage(cpu0)
  const seconds = clipS.reduce((a, b) => a + b, 0)
  if (!Number.isFinite(sink)) throw new Error('fbank produced a non-finite value')
  return { clips_per_s: 1 / median(clipS), clips, seconds, cpu_clips_per_s: clips / ((cpu.user + cpu.system) / 1e6), clip_s: clipS.map((s) => Math.round(s * 1e5) / 1e5) }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? Number(process.argv[i + 1]) : undefined
  }
  console.log(JSON.stringify(await benchFeatures({ clips: arg('clips'), melBins: arg('mel') }), null, 2))
}
