// Weight initialisers as timm 0.4.5 uses them, drawn from the seeded Rng so that a seed gives the
// same model on every backend. Values are produced in PyTorch layout (see params.ts).
import type { Rng } from '../../util/rng'

/**
 * timm's trunc_normal_(std, a=-2, b=2): a normal(0, std) truncated at the ABSOLUTE bounds ±2
 * (not ±2 std), which at std 0.02 never bites; kept for fidelity.
 */
export function truncNormal(rng: Rng, n: number, std = 0.02, lo = -2, hi = 2): Float32Array {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let v: number
    do v = rng.normal() * std
    while (v < lo || v > hi)
    out[i] = v
  }
  return out
}

export const zeros = (n: number): Float32Array => new Float32Array(n)
export const ones = (n: number): Float32Array => new Float32Array(n).fill(1)

/** PyTorch's default Linear/Conv init (kaiming_uniform, a = √5): U(±1/√fan_in), weight and bias alike. */
export function torchDefault(rng: Rng, n: number, fanIn: number): Float32Array {
  const bound = 1 / Math.sqrt(fanIn)
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * bound)
}
