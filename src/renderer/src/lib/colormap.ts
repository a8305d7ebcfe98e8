// Colour scaling for spectrograms and activation maps: viridis (perceptually even, readable in grey
// and by colour-blind readers) as a 256-entry RGB lookup table, from d3-scale-chromatic's published
// ramp rather than a hand approximation.
import { interpolateViridis } from 'd3-scale-chromatic'

/** Viridis as 256 × [r, g, b]: entry i is interpolateViridis(i / 255), d3's 256-colour ramp itself. */
export const VIRIDIS: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3)
  for (let i = 0; i < 256; i++) {
    const hex = interpolateViridis(i / 255) // '#rrggbb'
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = parseInt(hex.slice(1 + 2 * ch, 3 + 2 * ch), 16)
  }
  return lut
})()

/** Low and high percentiles of finite values, a robust range for colour scaling. */
export function robustRange(values: ArrayLike<number>, lowPct = 0.02, highPct = 0.995): [number, number] {
  const finite: number[] = []
  const step = Math.max(1, Math.floor(values.length / 20000))
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) finite.push(values[i])
  if (finite.length === 0) return [0, 1]
  finite.sort((a, b) => a - b)
  const lo = finite[Math.floor(lowPct * (finite.length - 1))]
  const hi = finite[Math.floor(highPct * (finite.length - 1))]
  return hi > lo ? [lo, hi] : [lo, lo + 1]
}
