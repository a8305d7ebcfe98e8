// From a raw fbank to a model input, as AST's dataloader does it: pad with zeros (log domain, before
// normalising) or cut to a fixed frame count, then (x - mean) / (2 · std) with the dataset's statistics.

/** [frames, melBins] → [targetLength, melBins]: zero rows appended at the end, or the tail cut off. */
export function padOrCut(fb: Float32Array, frames: number, melBins: number, targetLength: number): Float32Array {
  if (fb.length !== frames * melBins) throw new Error(`padOrCut: ${fb.length} values is not ${frames} × ${melBins}`)
  const out = new Float32Array(targetLength * melBins)
  out.set(fb.subarray(0, Math.min(frames, targetLength) * melBins))
  return out
}

/** AST's normalisation (x - mean) / (2 · std), into a new array. */
export function normalize(fb: Float32Array, mean: number, std: number): Float32Array {
  if (!(std > 0)) throw new Error(`normalize: std must be positive (got ${std})`)
  const out = new Float32Array(fb.length)
  const scale = 1 / (2 * std)
  for (let i = 0; i < fb.length; i++) out[i] = (fb[i] - mean) * scale
  return out
}

export interface FeatureStats {
  mean: number
  /** Population standard deviation. */
  std: number
  count: number
}

/**
 * Streaming mean/std over every value of many fbanks (a dataset's `norm`), without holding them all:
 * each array's own mean and squared deviations (two passes, float64) are merged with Chan's formula, so
 * millions of values near -5 do not lose the variance to rounding.
 */
export function statsAccumulator(): { add(fb: Float32Array): void; result(): FeatureStats } {
  let count = 0
  let mean = 0
  let m2 = 0
  return {
    add(fb) {
      const n = fb.length
      if (n === 0) return
      let sum = 0
      for (let i = 0; i < n; i++) sum += fb[i]
      const localMean = sum / n
      let localM2 = 0
      for (let i = 0; i < n; i++) {
        const d = fb[i] - localMean
        localM2 += d * d
      }
      const total = count + n
      const delta = localMean - mean
      mean += (delta * n) / total
      m2 += localM2 + (delta * delta * count * n) / total
      count = total
    },
    result() {
      if (count === 0) throw new Error('featureStats: no feature values given')
      return { mean, std: Math.sqrt(m2 / count), count }
    }
  }
}

/** Mean and std over every value of every fbank. Pass padded fbanks to count the padding, as AST's get_norm_stats does. */
export function featureStats(list: Float32Array[]): FeatureStats {
  const acc = statsAccumulator()
  for (const fb of list) acc.add(fb)
  return acc.result()
}
