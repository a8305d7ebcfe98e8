// safetensors reader/writer: round trip, F16/BF16 decoding against known bit patterns, and every
// kind of damaged file rejected with a message naming the file (and the tensor where there is one).
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../../src/main/engine/models/safetensors'

/** A safetensors file from a raw header object and data bytes, as another writer might produce it. */
function rawFile(header: unknown, data: Uint8Array, pad = 0): Buffer {
  const json = Buffer.from(JSON.stringify(header) + ' '.repeat(pad))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([len, json, data])
}

describe('safetensors', () => {
  it('round-trips F32 tensors through a file, with the header 8-byte aligned', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'))
    const file = path.join(dir, 'w.safetensors')
    const tensors = new Map([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-30, -0, 7]) }],
      ['b', { shape: [1], data: Float32Array.from([Math.PI]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }]
    ])
    writeSafetensors(file, tensors)
    const buf = fs.readFileSync(file)
    expect(Number(buf.readBigUInt64LE(0)) % 8).toBe(0)
    const back = readSafetensors(file)
    expect([...back.keys()]).toEqual(['a.weight', 'b', 'empty'])
    for (const [n, t] of tensors) {
      expect(back.get(n)!.shape).toEqual(t.shape)
      expect(back.get(n)!.dtype).toBe('F32')
      expect(Buffer.from(back.get(n)!.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true)
    }
    fs.rmSync(dir, { recursive: true })
  })

  it('decodes F16 and BF16 (normals, subnormals, infinities) to float32', () => {
    // F16: 1.0 = 0x3c00, -2.5 = 0xc100, smallest subnormal 2^-24 = 0x0001, 65504 = 0x7bff, -inf = 0xfc00
    const f16 = Uint16Array.from([0x3c00, 0xc100, 0x0001, 0x7bff, 0xfc00])
    // BF16: 1.0 = 0x3f80, -3.0 = 0xc040, 2^-128 (f32 subnormal) = 0x0020
    const bf16 = Uint16Array.from([0x3f80, 0xc040, 0x0020])
    const data = new Uint8Array([...new Uint8Array(f16.buffer), ...new Uint8Array(bf16.buffer)])
    const header = { h: { dtype: 'F16', shape: [5], data_offsets: [0, 10] }, b: { dtype: 'BF16', shape: [3], data_offsets: [10, 16] } }
    const t = decodeSafetensors(rawFile(header, data), 'x.safetensors')
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2.5, 2 ** -24, 65504, -Infinity])
    expect(Array.from(t.get('b')!.data)).toEqual([1, -3, 2 ** -128])
    expect(t.get('h')!.dtype).toBe('F16')
  })

  it('accepts tensors at unaligned offsets and a space-padded header with metadata', () => {
    const f = Float32Array.from([1.5, 2.5])
    const data = new Uint8Array([0x00, 0x3c, ...new Uint8Array(f.buffer)])
    const header = { __metadata__: { format: 'pt' }, h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] }, f: { dtype: 'F32', shape: [2], data_offsets: [2, 10] } }
    const t = decodeSafetensors(rawFile(header, data, 3), 'x')
    expect(Array.from(t.get('f')!.data)).toEqual([1.5, 2.5])
    expect(t.has('__metadata__')).toBe(false)
  })

  const good = encodeSafetensors(new Map([['layer.w', { shape: [4, 4], data: new Float32Array(16).fill(1) }]]))
  const cases: [string, Buffer, RegExp][] = [
    ['a file shorter than the length field', Buffer.from([1, 2, 3]), /bad\.st: not a safetensors file/],
    ['a header length past the end', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(10n ** 6n, 0); return b })(), /bad\.st: truncated or not a safetensors file/],
    ['a truncated data section', good.subarray(0, good.length - 5), /bad\.st: tensor layer\.w: file is truncated/],
    ['a header that is not JSON', rawFile('x', new Uint8Array()).fill(0x7b, 8, 9), /bad\.st: safetensors header is not valid JSON/],
    ['a header that does not start with {', rawFile([1], new Uint8Array()), /bad\.st: not a safetensors file \(header does not start/],
    ['offsets that do not match the shape', rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /bad\.st: tensor w: data_offsets \[0, 8\] hold 8 bytes, shape \[3\] of F32 needs 12/],
    ['an unsupported dtype', rawFile({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /bad\.st: tensor w has dtype I64/],
    ['overlapping tensors', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /bad\.st: tensor b overlaps/],
    ['a hole in the data', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /bad\.st: bytes 0\.\.4 before tensor a belong to no tensor/],
    ['trailing bytes', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)), /bad\.st: 4 bytes after the last tensor/],
    ['negative offsets', rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(4)), /bad\.st: tensor a has invalid data_offsets/],
    ['a malformed entry', rawFile({ a: { dtype: 'F32', shape: 'x' } }, new Uint8Array(4)), /bad\.st: tensor a has a malformed header entry/]
  ]
  for (const [what, buf, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => decodeSafetensors(buf, 'bad.st')).toThrow(message)
    })
  }

  it('names a missing file', () => {
    expect(() => readSafetensors('/nonexistent/w.safetensors')).toThrow(/Cannot read \/nonexistent\/w\.safetensors: ENOENT/)
  })
})
