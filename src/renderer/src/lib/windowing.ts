// Windowing for long tables: only the rows in view (plus a few either side) are in the DOM; spacer
// rows above and below keep the scroll height that of the whole table. Rows have one fixed height.

export interface RowWindow {
  /** First row rendered. */
  start: number
  /** One past the last row rendered. */
  end: number
  /** Height of the spacer above and below the rendered rows, in px. */
  padTop: number
  padBottom: number
}

export function rowWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const start = Math.max(0, Math.min(count - 1, first) - overscan)
  const end = Math.min(count, first + Math.ceil(Math.max(0, viewport) / rowHeight) + 1 + overscan)
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight }
}
