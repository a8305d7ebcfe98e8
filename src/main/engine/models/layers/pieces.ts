// Taking tensors apart without tfjs-wasm's slow paths. wasm's Slice, Unpack and SplitV kernels read
// the WHOLE input back into JavaScript for every piece they cut (readSync copies the tensor), so
// unstacking 24 attention heads copies the scores 24 times; its Gather and StridedSlice run
// element by element. Here, on wasm, the pieces are allocated first and then filled by one typed-
// array copy each from views of the wasm heap. Other backends use the ordinary ops. None of these
// record a gradient: use them on inputs or inside custom ops (customOp.ts) with their own gradient.
import * as tf from '@tensorflow/tfjs-core'
import { customOp } from './customOp'

interface WasmHeap {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array
}

/** The wasm backend's heap access, or null on other backends (and for non-float tensors). */
function wasmHeap(x: tf.Tensor): WasmHeap | null {
  if (x.dtype !== 'float32' || tf.getBackend() !== 'wasm') return null
  return tf.backend() as unknown as WasmHeap
}

/**
 * Copy runs of x's data into fresh tensors: out[i] gets `runs[i]` = list of [srcOffset, length].
 * All outputs are allocated before any view is taken: an allocation may grow the wasm memory,
 * which detaches earlier views.
 */
function copyRuns(heap: WasmHeap, x: tf.Tensor, shapes: number[][], runs: [number, number][][]): tf.Tensor[] {
  const outs = shapes.map((s) => tf.zeros(s))
  const src = heap.typedArrayFromHeap(x)
  outs.forEach((o, i) => {
    const dst = heap.typedArrayFromHeap(o)
    let at = 0
    for (const [from, n] of runs[i]) {
      dst.set(src.subarray(from, from + n), at)
      at += n
    }
  })
  return outs
}

/** x [G, ...rest] → G tensors [...rest] (tf.unstack along axis 0). */
export function unstack0(x: tf.Tensor): tf.Tensor[] {
  const heap = wasmHeap(x)
  if (!heap) return tf.unstack(x)
  const [g, ...rest] = x.shape
  const n = rest.reduce((a, b) => a * b, 1)
  return copyRuns(heap, x, Array.from({ length: g }, () => rest), Array.from({ length: g }, (_, i) => [[i * n, n]]))
}

/** x[:, begin : begin + size, :] of x [B, T, D]. */
export function sliceAxis1(x: tf.Tensor3D, begin: number, size: number): tf.Tensor3D {
  const heap = wasmHeap(x)
  if (!heap) return tf.slice(x, [0, begin, 0], [-1, size, -1])
  const [b, t, d] = x.shape
  const runs = Array.from({ length: b }, (_, i): [number, number] => [(i * t + begin) * d, size * d])
  return copyRuns(heap, x, [[b, size, d]], [runs])[0] as tf.Tensor3D
}

/** x[:, begin : begin + size, :] with its gradient (zero padding back to T). */
const takeAxis1Op = (begin: number, size: number) =>
  customOp(([x]) => {
    const t = (x.shape as number[])[1]
    return {
      value: sliceAxis1(x as tf.Tensor3D, begin, size),
      gradFunc: (dy) => [tf.pad(dy, [[0, 0], [begin, t - begin - size], [0, 0]])]
    }
  })

export function takeAxis1(x: tf.Tensor3D, begin: number, size: number): tf.Tensor3D {
  return takeAxis1Op(begin, size)(x) as tf.Tensor3D
}

/** tf.concat along axis 1 of [B, Ti, D] tensors, whose gradient cuts dy with sliceAxis1 instead of SplitV. */
const concatAxis1Op = customOp((parts) => {
  const sizes = parts.map((p) => (p.shape as number[])[1])
  return {
    value: tf.concat(parts, 1),
    gradFunc: (dy) => {
      let at = 0
      return sizes.map((n) => {
        const piece = sliceAxis1(dy as tf.Tensor3D, at, n)
        at += n
        return piece
      })
    }
  }
})

export function concatAxis1(parts: tf.Tensor3D[]): tf.Tensor3D {
  return concatAxis1Op(...parts) as tf.Tensor3D
}
