// TensorBoard event files: a TFRecord stream of tensorflow.Event protobufs carrying scalar summaries.
// TFRecord framing per record: uint64 length (LE), uint32 masked CRC32C of the length bytes, the data,
// uint32 masked CRC32C of the data. The protobuf messages are encoded by protobufjs from a JSON
// descriptor holding just the fields we write (field numbers from tensorflow/core/util/event.proto and
// tensorflow/core/framework/summary.proto).
import protobuf from 'protobufjs'
import CRC32C from 'crc-32/crc32c'

const root = protobuf.Root.fromJSON({
  nested: {
    tensorflow: {
      nested: {
        Event: {
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 }
          }
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 }
              }
            }
          }
        }
      }
    }
  }
})
const EventMessage = root.lookupType('tensorflow.Event')

export function crc32c(data: Uint8Array): number {
  return CRC32C.buf(data) >>> 0
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant, so CRCs of CRCs stay well spread. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data)
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}

export function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12)
  head.writeBigUInt64LE(BigInt(data.length), 0)
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8)
  const tail = Buffer.alloc(4)
  tail.writeUInt32LE(maskedCrc32c(data), 0)
  return Buffer.concat([head, data, tail])
}

export interface Scalar {
  tag: string
  value: number
  step: number
  /** Seconds since the epoch. */
  wallTime: number
}

/** A complete event file: the file-version record, then one Event per (step, time) with its scalars. */
export function encodeEventFile(scalars: Scalar[], startWallTime: number): Buffer {
  const records: Buffer[] = [tfRecord(EventMessage.encode(EventMessage.create({ wallTime: startWallTime, fileVersion: 'brain.Event:2' })).finish())]
  // Group scalars that share a step and a time into one Event, as TensorBoard writers do per call.
  const groups = new Map<string, Scalar[]>()
  for (const s of scalars) {
    const key = `${s.step}|${s.wallTime}`
    const list = groups.get(key)
    if (list) list.push(s)
    else groups.set(key, [s])
  }
  for (const list of groups.values()) {
    const event = EventMessage.create({
      wallTime: list[0].wallTime,
      step: list[0].step,
      summary: { value: list.map((s) => ({ tag: s.tag, simpleValue: s.value })) }
    })
    records.push(tfRecord(EventMessage.encode(event).finish()))
  }
  return Buffer.concat(records)
}

/** Read an event file back: checks both CRCs of every record and decodes the Events. */
export function decodeEventFile(buf: Buffer, name = 'event file'): { wallTime: number; step: number; fileVersion?: string; values: { tag: string; value: number }[] }[] {
  const out = []
  let at = 0
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`${name}: truncated record header at byte ${at}`)
    const len = Number(buf.readBigUInt64LE(at))
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf.subarray(at, at + 8))) throw new Error(`${name}: bad length CRC at byte ${at}`)
    const data = buf.subarray(at + 12, at + 12 + len)
    if (data.length !== len || at + 16 + len > buf.length) throw new Error(`${name}: truncated record at byte ${at}`)
    if (buf.readUInt32LE(at + 12 + len) !== maskedCrc32c(data)) throw new Error(`${name}: bad data CRC at byte ${at}`)
    const e = EventMessage.toObject(EventMessage.decode(data), { longs: Number, defaults: false }) as {
      wallTime: number
      step?: number
      fileVersion?: string
      summary?: { value?: { tag: string; simpleValue: number }[] }
    }
    out.push({
      wallTime: e.wallTime,
      step: e.step ?? 0,
      ...(e.fileVersion ? { fileVersion: e.fileVersion } : {}),
      values: (e.summary?.value ?? []).map((v) => ({ tag: v.tag, value: v.simpleValue }))
    })
    at += 16 + len
  }
  return out
}
