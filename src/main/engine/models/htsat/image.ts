// From mel frames to the patch tokens of HTS-AT's Swin backbone, as the reference's reshape_wav2img
// and PatchEmbed do, written with ops that have gradients on tfjs-wasm (no Conv2D backprop there).
import * as tf from '@tensorflow/tfjs-core'
import { linear } from '../layers/linear'

/** PyTorch's cubic convolution kernel (A = -0.75), |x| ≤ 1 and 1 < |x| < 2. */
const A = -0.75
const cubicNear = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1
const cubicFar = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

/**
 * The [outLen, inLen] matrix of F.interpolate(mode='bicubic', align_corners=True) along one axis:
 * row i holds the 4 tap weights at source position i · (inLen - 1) / (outLen - 1), with taps past
 * either end clamped onto the edge sample, as upsample_bicubic2d does. Resizing is linear, so one
 * constant matrix product does it (frameHead's resampleFrames; it carries the gradient back to bn0).
 */
export function bicubicResizeMatrix(outLen: number, inLen: number): Float32Array {
  const m = new Float32Array(outLen * inLen)
  const scale = outLen > 1 ? (inLen - 1) / (outLen - 1) : 0
  for (let i = 0; i < outLen; i++) {
    const real = scale * i
    const base = Math.floor(real)
    const t = real - base
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)]
    for (let k = 0; k < 4; k++) {
      const src = Math.min(Math.max(base - 1 + k, 0), inLen - 1)
      m[i * inLen + src] += w[k]
    }
  }
  return m
}

/**
 * reshape_wav2img then the patch conv's receptive fields. x [B, S·r, F] (r = freqRatio, S = r·F the
 * image side) becomes the image [B, S, S] whose row ri·F + f, column t holds frame ri·S + t, bin f:
 * the r consecutive time chunks stacked along frequency. Each non-overlapping p×p patch then becomes
 * one row [B·(S/p)², p·p] (row order h-major as the conv's flatten(2), taps in (kh, kw) order).
 */
function imagePatches(x: tf.Tensor3D, freqRatio: number, patch: number): tf.Tensor2D {
  const [b, frames, f] = x.shape
  const side = frames / freqRatio
  const image = tf.transpose(tf.reshape(x, [b, freqRatio, side, f]), [0, 1, 3, 2]) // B, r, F, S
  const g = side / patch
  const tiles = tf.transpose(tf.reshape(image, [b, g, patch, g, patch]), [0, 1, 3, 2, 4])
  return tf.reshape(tiles, [b * g * g, patch * patch]) as tf.Tensor2D
}

/** Patch embedding: the p×p, stride-p conv (1 → D channels) as a product over extracted patches. */
export function patchEmbed(x: tf.Tensor3D, freqRatio: number, patch: number, w: tf.Tensor2D, bias: tf.Tensor1D, inputGrad: boolean): tf.Tensor2D {
  return linear(imagePatches(x, freqRatio, patch), w, bias, inputGrad)
}
