// Positional-embedding grid adaptation, as AST does it for ImageNet DeiT (14×14 → f_dim × t_dim) and
// for its AudioSet model (12×101 → another grid): the time axis first, then frequency; each axis is
// centre-cropped when it shrinks (or stays) and bilinearly interpolated (align_corners=False) when it
// grows. The two token positions (cls, dist) pass through unchanged.
import type { HostTensor } from '../../types'

export interface Grid {
  fDim: number
  tDim: number
}

/**
 * 1-D linear resampling with PyTorch's align_corners=False rule: source = (dst + 0.5)·in/out - 0.5,
 * clamped at 0, neighbours i0 = floor(source) and min(i0 + 1, in - 1). Bilinear interpolation along
 * one axis of a 2-D grid is exactly this, since the other axis keeps its size.
 */
function linearResampleWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float64Array } {
  const scale = inSize / outSize
  const i0 = new Int32Array(outSize)
  const i1 = new Int32Array(outSize)
  const w1 = new Float64Array(outSize)
  for (let d = 0; d < outSize; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0)
    const lo = Math.floor(src)
    i0[d] = lo
    i1[d] = lo < inSize - 1 ? lo + 1 : lo
    w1[d] = src - lo
  }
  return { i0, i1, w1 }
}

/** Grid values [D][rows][cols] → the same with `cols` cropped or resampled to `outCols`. */
function adaptCols(g: Float32Array, D: number, rows: number, cols: number, outCols: number): Float32Array {
  const out = new Float32Array(D * rows * outCols)
  if (outCols <= cols) {
    // AST: [S//2 - n//2 : S//2 - n//2 + n]
    const start = Math.floor(cols / 2) - Math.floor(outCols / 2)
    for (let r = 0; r < D * rows; r++) out.set(g.subarray(r * cols + start, r * cols + start + outCols), r * outCols)
    return out
  }
  const { i0, i1, w1 } = linearResampleWeights(cols, outCols)
  for (let r = 0; r < D * rows; r++) {
    const base = r * cols
    for (let c = 0; c < outCols; c++) out[r * outCols + c] = (1 - w1[c]) * g[base + i0[c]] + w1[c] * g[base + i1[c]]
  }
  return out
}

/** Swap the last two axes of [D][a][b]. */
function swapLast(g: Float32Array, D: number, a: number, b: number): Float32Array {
  const out = new Float32Array(g.length)
  for (let d = 0; d < D; d++)
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[(d * b + j) * a + i] = g[(d * a + i) * b + j]
  return out
}

/**
 * pos_embed [1, 2 + from.fDim·from.tDim, D] (patches frequency-major) → [1, 2 + to.fDim·to.tDim, D].
 * `source` names the checkpoint in errors.
 */
export function adaptPosEmbed(pos: HostTensor, from: Grid, to: Grid, source: string): HostTensor {
  const [one, n, D] = pos.shape
  if (pos.shape.length !== 3 || one !== 1 || n !== 2 + from.fDim * from.tDim)
    throw new Error(`${source}: pos_embed has shape [${pos.shape}], expected [1, ${2 + from.fDim * from.tDim}, D] for a ${from.fDim}×${from.tDim} grid`)
  if (from.fDim === to.fDim && from.tDim === to.tDim) return { shape: [...pos.shape], data: Float32Array.from(pos.data) }
  // tokens [P, D] → grid [D][f][t], as reshape(1, P, D).transpose(1, 2).reshape(1, D, f, t)
  const P = from.fDim * from.tDim
  let g: Float32Array = new Float32Array(D * P)
  for (let p = 0; p < P; p++) for (let d = 0; d < D; d++) g[d * P + p] = pos.data[(2 + p) * D + d]
  g = adaptCols(g, D, from.fDim, from.tDim, to.tDim) // time axis first
  g = swapLast(adaptCols(swapLast(g, D, from.fDim, to.tDim), D, to.tDim, from.fDim, to.fDim), D, to.tDim, to.fDim)
  const Q = to.fDim * to.tDim
  const out = new Float32Array((2 + Q) * D)
  out.set(pos.data.subarray(0, 2 * D))
  for (let q = 0; q < Q; q++) for (let d = 0; d < D; d++) out[(2 + q) * D + d] = g[d * Q + q]
  return { shape: [1, 2 + Q, D], data: out }
}
