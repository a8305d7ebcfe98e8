// Events from one class's frame scores at a threshold, as the engine's SED metrics find them (runs of
// frames strictly above the threshold: onset = first frame / rate, offset = (last + 1) / rate), for the
// run page's curve; and the frame grid as onset,offset,label CSV and 0/1 frame files for export.
export interface FrameEvent {
  onset: number
  offset: number
}

/** Runs of frames t with values[t * stride + c] > threshold (stride: classes per frame). */
export function runsAbove(values: ArrayLike<number>, frames: number, stride: number, c: number, threshold: number, rate: number): FrameEvent[] {
  const out: FrameEvent[] = []
  let start = -1
  for (let t = 0; t <= frames; t++) {
    const on = t < frames && values[t * stride + c] > threshold
    if (on && start < 0) start = t
    if (!on && start >= 0) {
      out.push({ onset: start / rate, offset: t / rate })
      start = -1
    }
  }
  return out
}

/** A 0/1 frame file in the import's form: one row per frame, one column per class, comma-separated. */
export function frameFileText(values: number[][], thresholds: number[]): string {
  return values.map((row) => row.map((v, c) => (v > thresholds[c] ? 1 : 0)).join(',')).join('\n') + '\n'
}
