// The order in which an epoch visits the training clips. It is a pure function of (seed, epoch), so
// a resumed run rebuilds the interrupted epoch's order from the two numbers and skips the steps it
// has already done: the "sampler position" in a checkpoint is just the step.
import { makeRng } from '../util/rng'

/** A seed for one (run seed, epoch, stream) triple; streams keep shuffling and augmentation apart. */
export function derivedSeed(seed: number, epoch: number, stream: number): number {
  // splitmix32-style mixing so that neighbouring epochs get unrelated sequences.
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

const ORDER_STREAM = 1

/**
 * PSLA's balanced-sampling weights (gen_weight_file.py): each class weighs 1000 / (count + 0.01),
 * and a clip weighs the sum of its labels' weights, so clips of rare classes are drawn more often.
 */
export function labelFrequencyWeights(labels: number[][], nClasses: number): Float64Array {
  const count = new Float64Array(nClasses)
  for (const ls of labels) for (const c of ls) count[c]++
  const classWeight = Array.from(count, (n) => 1000 / (n + 0.01))
  return Float64Array.from(labels, (ls) => ls.reduce((sum, c) => sum + classWeight[c], 0))
}

/**
 * Clip indices for one epoch: a seeded permutation of 0..n-1, or, with weights, n draws with
 * replacement in proportion to them (PyTorch's WeightedRandomSampler, as PSLA uses it).
 */
export function epochOrder(n: number, epoch: number, seed: number, weights?: ArrayLike<number>): Int32Array {
  const rng = makeRng(derivedSeed(seed, epoch, ORDER_STREAM))
  if (!weights) {
    const order = Array.from({ length: n }, (_, i) => i)
    return Int32Array.from(rng.shuffle(order))
  }
  if (weights.length !== n) throw new Error(`balanced sampling: ${weights.length} weights for ${n} clips`)
  const cumulative = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0)) throw new Error(`balanced sampling: clip ${i} has weight ${weights[i]}`)
    total += weights[i]
    cumulative[i] = total
  }
  if (!(total > 0)) throw new Error('balanced sampling: every clip has weight 0')
  const out = new Int32Array(n)
  for (let k = 0; k < n; k++) {
    const u = rng.next() * total
    // First index whose cumulative weight exceeds u.
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid] > u) hi = mid
      else lo = mid + 1
    }
    out[k] = lo
  }
  return out
}

/**
 * How an epoch divides into optimizer steps: micro-batches of `batch` clips (the last one may be
 * short, as PyTorch's DataLoader keeps it), and `accum` micro-batches per step (the last step may
 * take fewer).
 */
export function stepLayout(nClips: number, batch: number, accum: number): { microBatches: number; stepsPerEpoch: number } {
  if (nClips < 1) throw new Error('the training split is empty')
  const microBatches = Math.ceil(nClips / batch)
  return { microBatches, stepsPerEpoch: Math.ceil(microBatches / accum) }
}

/** The clip indices of each micro-batch of optimizer step `stepInEpoch`. */
export function stepBatches(order: Int32Array, batch: number, accum: number, stepInEpoch: number): Int32Array[] {
  const out: Int32Array[] = []
  for (let k = 0; k < accum; k++) {
    const from = (stepInEpoch * accum + k) * batch
    if (from >= order.length) break
    out.push(order.subarray(from, Math.min(order.length, from + batch)))
  }
  return out
}
