// Epoch order (seeded permutation, or PSLA's weighted draws with replacement) and the step layout.
import { describe, expect, it } from 'vitest'
import { epochOrder, labelFrequencyWeights, stepBatches, stepLayout } from '../../../src/main/engine/train/sampler'

describe('epochOrder', () => {
  it('is a permutation fixed by (seed, epoch) and different across epochs and seeds', () => {
    const a = epochOrder(50, 3, 7)
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(epochOrder(50, 3, 7)).toEqual(a)
    expect(epochOrder(50, 4, 7)).not.toEqual(a)
    expect(epochOrder(50, 3, 8)).not.toEqual(a)
  })

  it('with weights, draws clips with replacement in proportion to their weights', () => {
    const weights = [1, 2, 7, 0]
    const counts = [0, 0, 0, 0]
    for (let e = 0; e < 5000; e++) for (const i of epochOrder(4, e, 1, weights)) counts[i]++
    const total = counts.reduce((a, b) => a + b, 0)
    expect(total).toBe(20000)
    expect(counts[3]).toBe(0)
    // Binomial standard error at 20000 draws is under 0.004.
    expect(counts[0] / total).toBeCloseTo(0.1, 1)
    expect(Math.abs(counts[1] / total - 0.2)).toBeLessThan(0.015)
    expect(Math.abs(counts[2] / total - 0.7)).toBeLessThan(0.015)
  })

  it('refuses weights that cannot be sampled', () => {
    expect(() => epochOrder(2, 0, 0, [0, 0])).toThrow(/weight 0/)
    expect(() => epochOrder(2, 0, 0, [1])).toThrow(/1 weights for 2 clips/)
  })
})

describe('labelFrequencyWeights', () => {
  it("is PSLA's: a clip weighs the sum of 1000 / (count + 0.01) over its labels", () => {
    // counts: class 0 three times, class 1 once, class 2 once
    const w = labelFrequencyWeights([[0], [0], [0, 1], [2]], 3)
    const c0 = 1000 / 3.01
    const c1 = 1000 / 1.01
    expect(Array.from(w)).toEqual([c0, c0, c0 + c1, c1])
  })
})

describe('step layout', () => {
  it('keeps the short last micro-batch and the short last step, as a DataLoader does', () => {
    expect(stepLayout(10, 3, 2)).toEqual({ microBatches: 4, stepsPerEpoch: 2 })
    const order = Int32Array.from({ length: 10 }, (_, i) => 9 - i)
    expect(stepBatches(order, 3, 2, 0).map((b) => [...b])).toEqual([[9, 8, 7], [6, 5, 4]])
    expect(stepBatches(order, 3, 2, 1).map((b) => [...b])).toEqual([[3, 2, 1], [0]])
    expect(() => stepLayout(0, 3, 1)).toThrow(/training split is empty/)
  })
})
