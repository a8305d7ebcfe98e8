import { describe, expect, it } from 'vitest'
import fixtures from '../../fixtures/renderer/renderer.json'
import { centredMovingAverage, debiasedEma, smooth } from '../../../src/renderer/src/lib/smoothing'

const fx = fixtures.smoothing as {
  values: (number | null)[]
  ema: Record<string, (number | null)[]>
  cma: Record<string, (number | null)[]>
}

function expectClose(got: (number | null)[], want: (number | null)[]): void {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    if (want[i] == null) expect(g).toBeNull()
    else expect(g as number).toBeCloseTo(want[i] as number, 10)
  })
}

describe('debiased EMA (TensorBoard) against the closed form Σ wⁱ x / Σ wⁱ', () => {
  for (const w of ['0', '0.6', '0.9', '0.99']) {
    it(`weight ${w}`, () => expectClose(debiasedEma(fx.values, Number(w)), fx.ema[w === '0' ? '0.0' : w]))
  }
  it('starts at the first value (no pull towards 0) and keeps gaps', () => {
    const s = debiasedEma([5, null, 5, 5], 0.9)
    expect(s[0]).toBeCloseTo(5, 12)
    expect(s[1]).toBeNull()
    expect(s[3]).toBeCloseTo(5, 12)
  })
})

describe('centred moving average against numpy', () => {
  for (const k of ['3', '5', '11']) it(`window ${k}`, () => expectClose(centredMovingAverage(fx.values, Number(k)), fx.cma[k]))
  it('an even window widens to the next odd one', () => {
    expect(centredMovingAverage([0, 0, 3, 0, 0], 2)).toEqual(centredMovingAverage([0, 0, 3, 0, 0], 3))
  })
})

describe('smooth()', () => {
  it('dispatches on the kind and leaves the curve alone for none', () => {
    expect(smooth([1, 2, 3], { kind: 'none', weight: 0.9, window: 5 })).toEqual([1, 2, 3])
    expectClose(smooth(fx.values, { kind: 'ema', weight: 0.9, window: 1 }), fx.ema['0.9'])
    expectClose(smooth(fx.values, { kind: 'cma', weight: 0, window: 5 }), fx.cma['5'])
  })
})
