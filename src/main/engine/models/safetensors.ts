// safetensors (huggingface/safetensors format): 8-byte little-endian header length N, N bytes of
// JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}, then
// the byte buffer the offsets point into. No npm package for it is maintained, and the format is this
// small, so it is implemented here; every check names the file and the tensor.
import fs from 'node:fs'
import os from 'node:os'
import { writeFileAtomicSync } from '../io/fsutil'
import type { HostTensor } from './types'

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16'

export interface SafetensorsTensor extends HostTensor {
  /** The stored dtype; data is always float32. */
  dtype: SafetensorsDtype
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 }
// The format is little-endian; the typed-array views below read in host order.
if (os.endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported')

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

function decode(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  // Copy first: tensors may start at offsets that are not multiples of 4 within the file.
  const copy = new Uint8Array(bytes)
  if (dtype === 'F32') return new Float32Array(copy.buffer)
  const halves = new Uint16Array(copy.buffer)
  const out = new Float32Array(halves.length)
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer)
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16
  } else {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i])
  }
  return out
}

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

/** Parse a safetensors file held in memory; `file` names it in errors. */
export function decodeSafetensors(buf: Uint8Array, file: string): Map<string, SafetensorsTensor> {
  if (buf.length < 8) throw new Error(`${file}: not a safetensors file (${buf.length} bytes, shorter than the 8-byte header length)`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const headerLen = Number(view.getBigUint64(0, true))
  if (headerLen > buf.length - 8) throw new Error(`${file}: truncated or not a safetensors file (header of ${headerLen} bytes, file has ${buf.length - 8} after the length)`)
  if (buf[8] !== 0x7b) throw new Error(`${file}: not a safetensors file (header does not start with '{')`)
  let header: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(buf.subarray(8, 8 + headerLen)).toString('utf8'))
  } catch (err) {
    throw new Error(`${file}: safetensors header is not valid JSON (${(err as Error).message})`)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${file}: safetensors header is not a JSON object`)
  const dataStart = 8 + headerLen
  const dataLen = buf.length - dataStart
  const out = new Map<string, SafetensorsTensor>()
  const spans: [number, number, string][] = []
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const e = raw as HeaderEntry
    const where = `${file}: tensor ${name}`
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2)
      throw new Error(`${where} has a malformed header entry`)
    if (!(e.dtype in BYTES)) throw new Error(`${where} has dtype ${e.dtype}; only F32, F16 and BF16 are supported`)
    const dtype = e.dtype as SafetensorsDtype
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where} has an invalid shape [${e.shape}]`)
    const [begin, end] = e.data_offsets
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) throw new Error(`${where} has invalid data_offsets [${begin}, ${end}]`)
    const count = e.shape.reduce((a, b) => a * b, 1)
    if (end - begin !== count * BYTES[dtype])
      throw new Error(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${e.shape}] of ${dtype} needs ${count * BYTES[dtype]}`)
    if (end > dataLen) throw new Error(`${where}: file is truncated (tensor data ends at byte ${end} of the data section, which has only ${dataLen})`)
    spans.push([begin, end, name])
    out.set(name, { dtype, shape: [...e.shape], data: decode(buf.subarray(dataStart + begin, dataStart + end), dtype) })
  }
  // The format requires the tensors to tile the data section exactly: no overlaps, holes or extra bytes.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let covered = 0
  for (const [begin, end, name] of spans) {
    if (begin < covered) throw new Error(`${file}: tensor ${name} overlaps the tensor before it in the data section`)
    if (begin > covered) throw new Error(`${file}: bytes ${covered}..${begin} before tensor ${name} belong to no tensor`)
    covered = end
  }
  if (covered !== dataLen) throw new Error(`${file}: ${dataLen - covered} bytes after the last tensor belong to no tensor`)
  return out
}

export function readSafetensors(file: string): Map<string, SafetensorsTensor> {
  let buf: Buffer
  try {
    buf = fs.readFileSync(file)
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return decodeSafetensors(buf, file)
}

/** F32 safetensors bytes; tensors in the map's order, the header padded with spaces to 8 bytes. */
export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', ...metadata } }
  let offset = 0
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1)
    if (count !== t.data.length) throw new Error(`safetensors: tensor ${name} has ${t.data.length} values for shape [${t.shape}]`)
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] }
    offset += count * 4
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8)
  const head = Buffer.from(json, 'utf8')
  const out = Buffer.alloc(8 + head.length + offset)
  out.writeBigUInt64LE(BigInt(head.length), 0)
  head.copy(out, 8)
  let pos = 8 + head.length
  for (const t of tensors.values()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos)
    pos += t.data.byteLength
  }
  return out
}

/** Write F32 safetensors atomically (temp file + rename). */
export function writeSafetensors(file: string, tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomicSync(file, encodeSafetensors(tensors, metadata))
}
