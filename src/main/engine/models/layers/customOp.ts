// A typed front for tf.customGrad: the forward gets its tensor inputs as an array and a save
// function; the gradient returns one tensor per input.
import * as tf from '@tensorflow/tfjs-core'

export type CustomForward = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }

export function customOp(forward: CustomForward): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc
    const { value, gradFunc } = forward(args.slice(0, -1) as tf.Tensor[], save)
    // tfjs runs a custom gradient outside any tidy, so its intermediates would live until the whole
    // backward pass ends (gigabytes for AST at batch 8); keep only the gradients it returns.
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) }
  })
  return (...inputs) => op(...inputs)
}
