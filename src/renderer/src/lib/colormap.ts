// A perceptually even colour map (viridis, from its published anchor colours) as a 256-entry RGB
// lookup table, for spectrograms and activation maps.
const ANCHORS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [181, 222, 43],
  [253, 231, 37]
]

export const VIRIDIS: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3)
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * (ANCHORS.length - 1)
    const k = Math.min(ANCHORS.length - 2, Math.floor(pos))
    const t = pos - k
    for (let ch = 0; ch < 3; ch++) lut[i * 3 + ch] = Math.round(ANCHORS[k][ch] * (1 - t) + ANCHORS[k + 1][ch] * t)
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
