// Seeded random numbers for everything that must be reproducible: splits, sampling order,
// augmentation, initialisation. mulberry32 is small, fast and good enough for these uses.
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [0, n). */
  int(n: number): number
  normal(): number
  /** Beta(a, b) via two gamma draws (Marsaglia–Tsang). */
  beta(a: number, b: number): number
  shuffle<T>(items: T[]): T[]
  /** The generator's state, so a resumed run continues the same sequence. */
  state(): number
}

export function makeRng(seed: number, state?: number): Rng {
  let s = state ?? (seed >>> 0) ^ 0x9e3779b9
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = (): number => {
    // Box–Muller; 1 - next() keeps the log argument in (0, 1].
    const u = 1 - next()
    const v = next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  const gamma = (k: number): number => {
    if (k < 1) return gamma(k + 1) * Math.pow(next(), 1 / k)
    const d = k - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = next()
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
    }
  }
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal,
    beta(a, b) {
      const x = gamma(a)
      return x / (x + gamma(b))
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j], items[i]]
      }
      return items
    },
    state: () => s
  }
}

/**
 * Plain mulberry32 started from `seed` itself (makeRng mixes the seed first): uniform numbers in
 * [0, 1). The generated test recordings (test/frameData.ts) and the synthetic sweep (bench/sweep.ts)
 * draw from this exact sequence, so their data stays the same.
 */
export const mulberry32 = (seed: number): (() => number) => makeRng(seed, seed >>> 0).next
