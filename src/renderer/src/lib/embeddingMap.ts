// How the embedding map is drawn: the groups a colouring makes, and the padded extent of the points
// (fixed axis bounds, so a point's place on screen follows from its coordinates alone).
import type { EmbeddingPoint } from '../../../shared/api' // relative: the e2e tests place points with this module too

export type MapColouring = 'label' | 'split' | 'outcome'

/** The group a point falls in: its first label, its split, or right/wrong/unknown. */
export function groupOf(p: EmbeddingPoint, by: MapColouring): string {
  if (by === 'split') return p.split === 'val' ? 'validation' : p.split
  if (by === 'outcome') return p.correct === null ? 'no prediction' : p.correct ? 'right' : 'wrong'
  return p.labels[0] ?? '(no label)'
}

/** Bounds with 5% room on each side (a single value gets ±1). */
export function paddedExtent(values: number[]): [number, number] {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const pad = hi > lo ? (hi - lo) * 0.05 : 1
  return [lo - pad, hi + pad]
}

/** The chart's grid in pixels: fixed, so tests and hit-testing can place a point. */
export const MAP_GRID = { left: 16, right: 16, top: 40, bottom: 16 }
