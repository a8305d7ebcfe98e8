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

/** Tagged events as an onset,offset,label CSV (seconds), the strong-label table form the import reads (with fname). */
export function eventsCsv(events: { label: string; onset: number; offset: number }[], fname?: string): string {
  const head = fname !== undefined ? 'fname,onset,offset,label' : 'onset,offset,label'
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const rows = events.map((e) => [...(fname !== undefined ? [quote(fname)] : []), e.onset.toFixed(3), e.offset.toFixed(3), quote(e.label)].join(','))
  return [head, ...rows].join('\n') + '\n'
}

/**
 * Tagged events as a 0/1 frame file in the import's form: one row per frame at `rate`, one column per
 * class in `labels` order (comma-separated); frame t is 1 for a class when an event of it covers the
 * frame's start t / rate. nFrames rows.
 */
export function eventsFrameFile(events: { label: string; onset: number; offset: number }[], labels: string[], nFrames: number, rate: number): string {
  const C = labels.length
  const index = new Map(labels.map((l, i) => [l, i]))
  const grid = new Uint8Array(nFrames * C)
  for (const e of events) {
    const c = index.get(e.label)
    if (c === undefined) continue
    const from = Math.max(0, Math.round(e.onset * rate))
    const to = Math.min(nFrames, Math.round(e.offset * rate))
    for (let t = from; t < to; t++) grid[t * C + c] = 1
  }
  const rows: string[] = []
  for (let t = 0; t < nFrames; t++) rows.push(Array.from(grid.subarray(t * C, (t + 1) * C)).join(','))
  return rows.join('\n') + '\n'
}
