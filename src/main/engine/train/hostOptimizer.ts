// The optimizer of the ort engine: the same Adam/AdamW as optimizer.ts, term for term, but over
// Float32Arrays in one fused loop per parameter instead of a dozen tfjs-wasm ops that each allocate
// a full-size tensor. Every operation is rounded to float32 (Math.fround) in the order the tfjs path
// computes it, so both give the same weights and moments (bit for bit on wasm, which has no fused
// multiply-add), and its state is the tfjs optimizer's state: a run started on one engine resumes on
// the other. The weights live here, in host arrays the ort engine feeds to ONNX Runtime without a
// copy; after each update they are written into the tfjs variables, which stay the model of record
// (checkpoints, evaluation, export).
import * as tf from '@tensorflow/tfjs-core'
import type { Optimizer, OptimizerConfig, OptimizerState } from './optimizer'

export interface HostOptimizer extends Optimizer {
  /** The trainable weights, in the variables' order; updated in place by applyHost. */
  readonly weights: readonly Float32Array[]
  /** One update with host gradients aligned to the variables (read, not kept). */
  applyHost(grads: readonly Float32Array[], lr: number): void
}

const f = Math.fround

export function createHostOptimizer(variables: tf.Variable[], cfg: OptimizerConfig, restore?: OptimizerState): HostOptimizer {
  if (restore && (restore.m.length !== variables.length || restore.v.length !== variables.length))
    throw new Error(`optimizer state holds ${restore.m.length} moments for ${variables.length} trainable variables (was the model changed?)`)
  const moment = (i: number, saved: OptimizerState['m'][number] | undefined): Float32Array => {
    const v = variables[i]
    if (!saved) return new Float32Array(v.size)
    if (saved.shape.length !== v.shape.length || saved.shape.some((d, k) => d !== v.shape[k]))
      throw new Error(`optimizer state: moment of shape [${saved.shape}] for a variable of shape [${v.shape}]`)
    return Float32Array.from(saved.data)
  }
  const weights = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array))
  const m = variables.map((_, i) => moment(i, restore?.m[i]))
  const s = variables.map((_, i) => moment(i, restore?.v[i]))
  let step = restore?.step ?? 0
  const adamw = cfg.kind === 'adamw'
  // The constants as tfjs makes them: each a float32 scalar of the value JS computes in double.
  const [b1, b2, eps, wd] = [f(cfg.beta1), f(cfg.beta2), f(cfg.eps), f(cfg.weightDecay)]
  const [ob1, ob2] = [f(1 - cfg.beta1), f(1 - cfg.beta2)]
  const decay = cfg.weightDecay !== 0

  const applyHost = (grads: readonly Float32Array[], lr: number): void => {
    if (grads.length !== variables.length) throw new Error(`optimizer: ${grads.length} gradients for ${variables.length} variables`)
    step++
    const bc2 = f(Math.sqrt(1 - cfg.beta2 ** step))
    const stepSize = f(lr / (1 - cfg.beta1 ** step))
    const shrink = f(1 - lr * cfg.weightDecay)
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]
      const g = grads[i]
      const mi = m[i]
      const si = s[i]
      if (g.length !== w.length) throw new Error(`optimizer: gradient ${i} has ${g.length} values for a variable of ${w.length}`)
      if (process.env.HOSTOPT_DOUBLE === '1') {
        for (let k = 0; k < w.length; k++) {
          const wk = w[k]
          const gk = !adamw && decay ? g[k] + wk * wd : g[k]
          const mk = mi[k] * b1 + gk * ob1
          const sk = si[k] * b2 + gk * gk * ob2
          const base = adamw && decay ? wk * shrink : wk
          w[k] = base - (mk / (Math.sqrt(sk) / bc2 + eps)) * stepSize
          mi[k] = mk
          si[k] = sk
        }
        continue
      }
      for (let k = 0; k < w.length; k++) {
        const wk = w[k]
        const gk = !adamw && decay ? f(g[k] + f(wk * wd)) : g[k]
        const mk = f(f(mi[k] * b1) + f(gk * ob1))
        const sk = f(f(si[k] * b2) + f(f(gk * gk) * ob2))
        const denom = f(f(f(Math.sqrt(sk)) / bc2) + eps)
        const base = adamw && decay ? f(wk * shrink) : wk
        w[k] = f(base - f(f(mk / denom) * stepSize))
        mi[k] = mk
        si[k] = sk
      }
    }
    tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(weights[i], v.shape, 'float32'))))
  }

  return {
    get step() {
      return step
    },
    weights,
    applyHost,
    apply: (grads, lr) => applyHost(grads.map((g) => g.dataSync() as Float32Array), lr),
    state: () => ({
      step,
      m: m.map((x, i) => ({ shape: [...variables[i].shape], data: Float32Array.from(x) })),
      v: s.map((x, i) => ({ shape: [...variables[i].shape], data: Float32Array.from(x) }))
    }),
    dispose: () => undefined
  }
}

/**
 * clipByGlobalNorm over host gradients, in place: scale by min(1, maxNorm / (‖g‖ + 1e-6)). The norm is
 * summed as tfjs-wasm sums it (float32, in order, per tensor, then over the tensors), so that the
 * clipped gradients are tfjs's bit for bit, not merely within rounding. Returns the norm before clipping.
 */
export function clipHostByGlobalNorm(grads: readonly Float32Array[], maxNorm: number): number {
  let sq = 0
  for (const g of grads) {
    let t = 0
    for (let k = 0; k < g.length; k++) t = f(t + f(g[k] * g[k]))
    sq = f(sq + t)
  }
  const norm = f(Math.sqrt(sq))
  const coef = Math.min(f(f(maxNorm) / f(norm + f(1e-6))), 1)
  if (coef < 1) for (const g of grads) for (let k = 0; k < g.length; k++) g[k] = f(g[k] * coef)
  return norm
}

/** Adds `more` into `into`, element by element (float32 sums, as tf.add). */
export function addInto(into: readonly Float32Array[], more: readonly Float32Array[]): void {
  for (let i = 0; i < into.length; i++) {
    const a = into[i]
    const b = more[i]
    for (let k = 0; k < a.length; k++) a[k] += b[k]
  }
}
