// NumPy .npy files (format v1.0, little-endian float32/int32/uint8): the exchange format for the CLI's
// features, embeddings, logits, scores and targets, so that numpy.load reads what we write.
import fs from 'node:fs'
import { writeFileAtomicSync } from './fsutil'

export type NpyDtype = '<f4' | '<f8' | '<i4' | '|u1' | '|b1' | '<i8'
export interface NpyArray {
  shape: number[]
  data: Float32Array | Float64Array | Int32Array | Uint8Array
  dtype: NpyDtype
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])

export function encodeNpy(data: Float32Array | Int32Array | Uint8Array | Float64Array, shape: number[]): Buffer {
  const dtype: NpyDtype = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : '|u1'
  const count = shape.reduce((a, b) => a * b, 1)
  if (count !== data.length) throw new Error(`npy: shape [${shape}] holds ${count} values, data has ${data.length}`)
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`
  // v1.0: magic(6) + version(2) + header length(2) + header, padded with spaces so data is 64-byte aligned.
  const unpadded = 10 + header.length + 1
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const head = Buffer.alloc(10)
  MAGIC.copy(head, 0)
  head[6] = 1
  head[7] = 0
  head.writeUInt16LE(header.length, 8)
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)])
}

export function writeNpy(file: string, data: Float32Array | Int32Array | Uint8Array | Float64Array, shape: number[]): void {
  writeFileAtomicSync(file, encodeNpy(data, shape))
}

export function decodeNpy(buf: Buffer, name = 'array'): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${name} is not a .npy file (bad magic)`)
  const major = buf[6]
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8)
  const headerStart = major === 1 ? 10 : 12
  const header = buf.subarray(headerStart, headerStart + headerLen).toString('latin1')
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: unreadable .npy header: ${header.trim()}`)
  if (fortran === 'True') throw new Error(`${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`)
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number)
  const count = shape.reduce((a, b) => a * b, 1)
  const offset = headerStart + headerLen
  const body = buf.subarray(offset)
  const copy = (bytes: number) => {
    if (body.length < count * bytes) throw new Error(`${name}: truncated .npy (expected ${count * bytes} data bytes, found ${body.length})`)
    return new Uint8Array(body.subarray(0, count * bytes)).buffer
  }
  switch (descr) {
    case '<f4':
      return { shape, dtype: descr, data: new Float32Array(copy(4)) }
    case '<f8':
      return { shape, dtype: descr, data: new Float64Array(copy(8)) }
    case '<i4':
      return { shape, dtype: descr, data: new Int32Array(copy(4)) }
    case '<i8': {
      const big = new BigInt64Array(copy(8))
      return { shape, dtype: '<i4', data: Int32Array.from(big, (v) => Number(v)) }
    }
    case '|u1':
    case '|b1':
      return { shape, dtype: descr, data: new Uint8Array(copy(1)) }
    default:
      throw new Error(`${name}: unsupported dtype ${descr} (use float32, float64, int32, int64, uint8 or bool)`)
  }
}

export function readNpy(file: string): NpyArray {
  let buf: Buffer
  try {
    buf = fs.readFileSync(file)
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return decodeNpy(buf, file)
}

/** Any numeric npy as float32, for scores and targets of any dtype. */
export function readNpyFloat32(file: string): { shape: number[]; data: Float32Array } {
  const a = readNpy(file)
  return { shape: a.shape, data: a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>) }
}
