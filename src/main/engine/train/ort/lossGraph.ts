// The training losses (train/losses.ts) as ONNX nodes, each with its gradient w.r.t. the logits
// written in closed form: the loss is where the backward pass starts, and these forms are shorter
// and steadier than differentiating the loss's own ops (BCE's gradient is σ(x) − y, CE's is
// softmax(x)·Σq − q). Reductions are PyTorch's 'mean', as in losses.ts: over every element for the
// sigmoid losses, over rows for CE; frame losses average over the real (unmasked) frames only.
import type { GraphBuilder } from '../../infer/onnxGraph'
import type { LossOptions } from '../losses'

export interface LossTerm {
  /** Scalar loss. */
  loss: string
  /** d loss / d logits, the logits' shape. */
  grad: string
}

/** Elementwise sigmoid loss and its derivative for logits x and (smoothed) targets y, before any reduction. */
function sigmoidTerms(g: GraphBuilder, x: string, y: string, opts: LossOptions, classes: number): { l: string; dl: string } {
  const p = g.op('Sigmoid', [x])
  // max(x, 0) − x·y + log(1 + e^−|x|)
  const ce = g.op('Add', [g.op('Sub', [g.op('Relu', [x]), g.op('Mul', [x, y])]), g.op('Log', [g.op('Add', [g.op('Exp', [g.op('Neg', [g.op('Abs', [x])])]), g.scalar(1)])])], {}, 'bce')
  const pMinusY = g.op('Sub', [p, y])
  switch (opts.kind) {
    case 'bce':
      return { l: ce, dl: pMinusY }
    case 'weighted-bce': {
      if (!opts.classWeights) throw new Error("loss 'weighted-bce' needs classWeights (one per class)")
      if (opts.classWeights.length !== classes) throw new Error(`loss 'weighted-bce': ${opts.classWeights.length} class weights for ${classes} classes`)
      const w = g.weight(`class_weights_${classes}_${g.nodes().length}`, [classes], Float32Array.from(opts.classWeights))
      return { l: g.op('Mul', [ce, w]), dl: g.op('Mul', [pMinusY, w]) }
    }
    case 'focal': {
      // torchvision's sigmoid_focal_loss: ce·m^γ·α_t with m = 1 − p_t = p + y − 2py.
      // d/dx = α_t·((p − y)·m^γ + ce·γ·m^(γ−1)·p(1 − p)(1 − 2y)).
      const gamma = opts.focalGamma ?? 2
      const alpha = opts.focalAlpha ?? 0.25
      const py = g.op('Mul', [p, y])
      const m = g.op('Sub', [g.op('Add', [p, y]), g.op('Add', [py, py])])
      const mg = gamma === 0 ? g.scalar(1) : g.op('Pow', [m, g.scalar(gamma)])
      let l = g.op('Mul', [ce, mg])
      let dl = g.op('Mul', [pMinusY, mg])
      if (gamma !== 0) {
        const dm = g.op('Mul', [g.op('Mul', [p, g.op('Sub', [g.scalar(1), p])]), g.op('Sub', [g.scalar(1), g.op('Add', [y, y])])])
        const mg1 = gamma === 1 ? g.scalar(1) : g.op('Pow', [m, g.scalar(gamma - 1)])
        dl = g.op('Add', [dl, g.op('Mul', [g.op('Mul', [ce, g.op('Mul', [mg1, g.scalar(gamma)])]), dm])])
      }
      if (alpha >= 0) {
        // α_t = α·y + (1 − α)(1 − y) = (1 − α) + (2α − 1)·y
        const at = g.op('Add', [g.op('Mul', [y, g.scalar(2 * alpha - 1)]), g.scalar(1 - alpha)])
        l = g.op('Mul', [l, at])
        dl = g.op('Mul', [dl, at])
      }
      return { l, dl }
    }
    default:
      throw new Error(`loss '${opts.kind}' is not a sigmoid loss`)
  }
}

/** y(1 − ε) + ε/k: PyTorch's label smoothing (k = 2 for the sigmoid losses, C for CE). */
function smooth(g: GraphBuilder, y: string, eps: number, k: number): string {
  return eps > 0 ? g.op('Add', [g.op('Mul', [y, g.scalar(1 - eps)]), g.scalar(eps / k)]) : y
}

/** Mean clip loss of logits/targets [B, C] (losses.ts clipLoss), scaled by the scalar tensor `scale`. */
export function clipLossTerm(g: GraphBuilder, logits: string, targets: string, opts: LossOptions, B: number, C: number, scale: string): LossTerm {
  const eps = opts.labelSmoothing ?? 0
  if (opts.kind === 'ce') {
    const q = smooth(g, targets, eps, C)
    const rows = g.op('ReduceSum', [g.op('Mul', [q, g.op('LogSoftmax', [logits], { axis: -1 })]), g.ints([0, 1])], { keepdims: 0 })
    const loss = g.op('Mul', [rows, g.op('Mul', [scale, g.scalar(-1 / B)])], {}, 'loss_ce')
    const qSum = g.op('ReduceSum', [q, g.ints([1])], { keepdims: 1 })
    const dl = g.op('Sub', [g.op('Mul', [g.op('Softmax', [logits], { axis: -1 }), qSum]), q])
    return { loss, grad: g.op('Mul', [dl, g.op('Mul', [scale, g.scalar(1 / B)])], {}, 'grad_logits') }
  }
  const { l, dl } = sigmoidTerms(g, logits, smooth(g, targets, eps, 2), opts, C)
  const k = g.op('Mul', [scale, g.scalar(1 / (B * C))])
  return { loss: g.op('Mul', [g.op('ReduceSum', [l, g.ints([0, 1])], { keepdims: 0 }), k], {}, 'loss'), grad: g.op('Mul', [dl, k], {}, 'grad_logits') }
}

/**
 * Frame loss of [B, T, C] logits/targets with mask [B, T] (losses.ts frameLoss): padded frames add
 * nothing, the mean is over real frames × C, and an all-padding batch gives 0. Always a sigmoid
 * loss (CE runs become BCE here, as in evaluate.ts's batchLoss). Scaled by `scale`.
 */
export function frameLossTerm(g: GraphBuilder, logits: string, targets: string, mask: string, opts: LossOptions, C: number, scale: string): LossTerm {
  const frameOpts: LossOptions = opts.kind === 'ce' ? { kind: 'bce' } : opts
  const { l, dl } = sigmoidTerms(g, logits, smooth(g, targets, frameOpts.labelSmoothing ?? 0, 2), frameOpts, C)
  const m = g.op('Unsqueeze', [mask, g.ints([2])])
  const count = g.op('Max', [g.op('Mul', [g.op('ReduceSum', [mask, g.ints([0, 1])], { keepdims: 0 }), g.scalar(C)]), g.scalar(1)])
  const k = g.op('Div', [scale, count])
  return {
    loss: g.op('Mul', [g.op('ReduceSum', [g.op('Mul', [l, m]), g.ints([0, 1, 2])], { keepdims: 0 }), k], {}, 'frame_loss'),
    grad: g.op('Mul', [g.op('Mul', [dl, m]), k], {}, 'grad_frame_logits')
  }
}
