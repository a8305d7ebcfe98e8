// Long recordings are tagged as a sequence of model-sized windows: targetLength fbank frames each,
// starting every hop frames, the last one ending on the last frame (so no window of a long file holds
// padding). A file shorter than one window is zero-padded (in the log-mel domain, before
// normalising, as the AST dataloader pads short clips).
import { normalize, padOrCut } from '../audio/features'

/** Start frame of every window: 0, hop, 2·hop, … while a window ends before the last frame, then frames - targetLength. */
export function windowStarts(frames: number, targetLength: number, hopFrames: number): number[] {
  if (hopFrames < 1) throw new Error(`window hop must be at least one frame (got ${hopFrames})`)
  if (frames <= targetLength) return [0]
  const starts: number[] = []
  for (let s = 0; s + targetLength < frames; s += hopFrames) starts.push(s)
  starts.push(frames - targetLength)
  return starts
}

/**
 * Window [start, start + targetLength) of fb ([frames, melBins], row-major), zero-padded past the end
 * and normalised when norm is given, written into out at outOffset (a slot of a batch).
 */
export function fillWindow(
  fb: Float32Array,
  frames: number,
  melBins: number,
  start: number,
  targetLength: number,
  norm: { mean: number; std: number } | null,
  out: Float32Array,
  outOffset: number
): void {
  const rest = Math.max(0, frames - start)
  const win = padOrCut(fb.subarray(start * melBins, (start + rest) * melBins), rest, melBins, targetLength)
  out.set(norm ? normalize(win, norm.mean, norm.std) : win, outOffset)
}
