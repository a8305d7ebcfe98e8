// Model input from a .npy file for the CLI: [B, T, F] (or one clip [T, F]) fbank, either already
// normalised model input, or raw fbank (as `tagbench features` writes it) that gets AST's dataloader
// treatment here: zero-pad or cut to the model's frame count, then (x - mean) / (2 · std).
import { padOrCut, normalize } from '../audio/features'

export interface ModelInputShape {
  targetLength: number
  melBins: number
}

/**
 * Check and prepare `data` of `shape` read from `file` as [B, targetLength, melBins] float32.
 * `raw`: the features are raw fbank; pad/cut and normalise them with these statistics.
 */
export function prepareModelInput(
  file: string,
  shape: number[],
  data: Float32Array,
  want: ModelInputShape,
  raw?: { mean: number; std: number }
): { batch: number; data: Float32Array } {
  if (shape.length !== 2 && shape.length !== 3) throw new Error(`${file}: expected fbank [batch, frames, mel] or [frames, mel], got shape [${shape}]`)
  const [batch, frames, melBins] = shape.length === 3 ? shape : [1, ...shape]
  if (batch === 0) throw new Error(`${file}: holds no clips`)
  if (melBins !== want.melBins) throw new Error(`${file}: has ${melBins} mel bins, the model expects ${want.melBins}`)
  if (!raw) {
    if (frames !== want.targetLength)
      throw new Error(`${file}: has ${frames} frames, the model expects ${want.targetLength} (pass raw fbank with --raw to pad or cut it)`)
    return { batch, data }
  }
  const clip = frames * melBins
  const out = new Float32Array(batch * want.targetLength * melBins)
  for (let b = 0; b < batch; b++) {
    const fitted = padOrCut(data.subarray(b * clip, (b + 1) * clip), frames, melBins, want.targetLength)
    out.set(normalize(fitted, raw.mean, raw.std), b * want.targetLength * melBins)
  }
  return { batch, data: out }
}
