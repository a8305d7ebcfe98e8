import { describe, expect, it } from 'vitest'
import { VIRIDIS } from '../../../src/renderer/src/lib/colormap'

const rgb = (i: number): number[] => [VIRIDIS[3 * i], VIRIDIS[3 * i + 1], VIRIDIS[3 * i + 2]]

describe('the viridis lookup table', () => {
  it("has matplotlib's end colours (viridis(0) = (0.267004, 0.004874, 0.329415), viridis(1) = (0.993248, 0.906157, 0.143936))", () => {
    expect(VIRIDIS).toHaveLength(256 * 3)
    const close = (got: number[], want: number[]) => got.forEach((g, ch) => expect(Math.abs(g - want[ch] * 255)).toBeLessThanOrEqual(1))
    close(rgb(0), [0.267004, 0.004874, 0.329415])
    close(rgb(255), [0.993248, 0.906157, 0.143936])
  })

  it('rises in lightness from end to end, the property viridis is made for (relative luminance, sRGB)', () => {
    const lin = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4)
    const luminance = (i: number) => {
      const [r, g, b] = rgb(i).map(lin)
      return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    // 8-bit rounding can set a neighbour a hair darker; over 8 steps the rise always shows.
    for (let i = 8; i < 256; i++) expect(luminance(i)).toBeGreaterThan(luminance(i - 8))
    for (let i = 1; i < 256; i++) expect(luminance(i)).toBeGreaterThan(luminance(i - 1) - 1e-3)
  })
})
