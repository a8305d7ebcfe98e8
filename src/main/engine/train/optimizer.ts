// Adam and AdamW over tf variables, written out rather than taken from tf.train.adam for two reasons:
// tfjs's Adam has no weight decay (AST trains with Adam + L2 5e-7, HTS-AT with AdamW 0.05), and its
// moments are private, while a resumed run must continue with the very same moments. The update is
// PyTorch 1.13's, term for term:
//   Adam:  g ← g + wd·w;                       AdamW: w ← w·(1 − lr·wd)
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//   w ← w − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
import * as tf from '@tensorflow/tfjs-core'
import type { HostTensor } from '../models/types'

export interface OptimizerConfig {
  kind: 'adam' | 'adamw'
  beta1: number
  beta2: number
  eps: number
  weightDecay: number
}

/** What a checkpoint keeps of the optimizer: the update count and both moments per variable (tfjs layout). */
export interface OptimizerState {
  step: number
  m: HostTensor[]
  v: HostTensor[]
}

export interface Optimizer {
  /** Updates applied so far (PyTorch's per-parameter `step`). */
  readonly step: number
  /** One update with grads aligned to the variables given at creation. Disposes nothing it is given. */
  apply(grads: tf.Tensor[], lr: number): void
  /** Host copy of the state for a checkpoint. */
  state(): OptimizerState
  dispose(): void
}

function hostCopy(t: tf.Tensor): HostTensor {
  return { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) }
}

export function createOptimizer(variables: tf.Variable[], cfg: OptimizerConfig, restore?: OptimizerState): Optimizer {
  if (restore && (restore.m.length !== variables.length || restore.v.length !== variables.length))
    throw new Error(`optimizer state holds ${restore.m.length} moments for ${variables.length} trainable variables (was the model changed?)`)
  const moment = (saved: HostTensor | undefined, v: tf.Variable): tf.Variable => {
    if (saved && (saved.shape.length !== v.shape.length || saved.shape.some((d, i) => d !== v.shape[i])))
      throw new Error(`optimizer state: moment of shape [${saved.shape}] for a variable of shape [${v.shape}]`)
    const init = saved ? tf.tensor(saved.data, saved.shape, 'float32') : tf.zerosLike(v)
    const out = tf.variable(init, false)
    init.dispose()
    return out
  }
  const m = variables.map((v, i) => moment(restore?.m[i], v))
  const s = variables.map((v, i) => moment(restore?.v[i], v))
  let step = restore?.step ?? 0
  const { beta1: b1, beta2: b2, eps, weightDecay: wd } = cfg

  return {
    get step() {
      return step
    },
    apply(grads, lr) {
      if (grads.length !== variables.length) throw new Error(`optimizer: ${grads.length} gradients for ${variables.length} variables`)
      step++
      const bc1 = 1 - b1 ** step
      const bc2Sqrt = Math.sqrt(1 - b2 ** step)
      tf.tidy(() => {
        variables.forEach((w, i) => {
          let g = grads[i]
          if (cfg.kind === 'adam' && wd !== 0) g = tf.add(g, tf.mul(w, wd))
          const mi = tf.add(tf.mul(m[i], b1), tf.mul(g, 1 - b1))
          const vi = tf.add(tf.mul(s[i], b2), tf.mul(tf.square(g), 1 - b2))
          const denom = tf.add(tf.div(tf.sqrt(vi), bc2Sqrt), eps)
          const base = cfg.kind === 'adamw' && wd !== 0 ? tf.mul(w, 1 - lr * wd) : w
          w.assign(tf.sub(base, tf.mul(tf.div(mi, denom), lr / bc1)))
          m[i].assign(mi)
          s[i].assign(vi)
        })
      })
    },
    state: () => ({ step, m: m.map(hostCopy), v: s.map(hostCopy) }),
    dispose() {
      for (const t of [...m, ...s]) t.dispose()
    }
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: scale every gradient by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the
 * global L2 norm over all of them. Returns new tensors (the caller disposes them and the inputs) and
 * the norm before clipping as a scalar tensor.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar
    const coef = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1)
    return { grads: grads.map((g) => tf.mul(g, coef)), norm }
  })
}
