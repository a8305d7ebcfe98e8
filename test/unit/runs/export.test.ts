// Metrics export: CRC32C against published vectors, TFRecord/Event bytes against a committed file that
// an independent Python reader (struct + own CRC + own protobuf parsing) decoded, and CSV/JSON files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import type { MetricEntry, RunConfig as RunConfig } from '../../../src/shared/types'
import { crc32c, decodeEventFile, encodeEventFile, maskedCrc32c, tfRecord } from '../../../src/main/engine/runs/tfevents'
import { exportMetrics, metricsToCsv, metricsToScalars } from '../../../src/main/engine/runs/export'
import { appendMetrics, createRun } from '../../../src/main/engine/runs/store'

const FIX = path.join(__dirname, '../../fixtures/eval')
const { classNames, entries } = JSON.parse(fs.readFileSync(path.join(FIX, 'tfevents-entries.json'), 'utf8')) as { classNames: string[]; entries: MetricEntry[] }
const pythonDecoded = JSON.parse(fs.readFileSync(path.join(FIX, 'sample.tfevents.json'), 'utf8')) as { wallTime: number; step: number; fileVersion?: string; values: { tag: string; value: number }[] }[]

describe('CRC32C (Castagnoli)', () => {
  it('matches the standard check value and RFC 3720 vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c)
  })
  it('masks as TFRecord does', () => {
    const crc = 0xe3069283
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe(((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0)
  })
  it('frames a record as length, masked CRC of length, data, masked CRC of data', () => {
    const rec = tfRecord(Buffer.from('abc'))
    expect(rec.length).toBe(8 + 4 + 3 + 4)
    expect(Number(rec.readBigUInt64LE(0))).toBe(3)
    expect(rec.readUInt32LE(8)).toBe(maskedCrc32c(rec.subarray(0, 8)))
    expect(rec.subarray(12, 15).toString()).toBe('abc')
    expect(rec.readUInt32LE(15)).toBe(maskedCrc32c(Buffer.from('abc')))
  })
})

describe('TensorBoard event file', () => {
  const bytes = encodeEventFile(metricsToScalars(entries, classNames), Date.parse(entries[0].time) / 1000)

  it('is byte-identical to the committed sample that the Python reader decoded', () => {
    expect(bytes.equals(fs.readFileSync(path.join(FIX, 'sample.tfevents')))).toBe(true)
  })

  it('the independent reader found the entries: file version, steps, times, tags, float32 values', () => {
    expect(pythonDecoded[0].fileVersion).toBe('brain.Event:2')
    const scalars = pythonDecoded.slice(1)
    expect(scalars.map((e) => e.step)).toEqual([0, 10, 20, 40])
    expect(scalars.map((e) => e.wallTime)).toEqual(entries.map((e) => Date.parse(e.time) / 1000))
    const val = scalars[2].values
    expect(val.find((v) => v.tag === 'val/mAP')?.value).toBe(Math.fround(0.31))
    expect(val.find((v) => v.tag === 'val/loss')?.value).toBe(Math.fround(0.61))
    expect(val.find((v) => v.tag === 'train/epoch_loss')?.value).toBe(Math.fround(0.55))
    // A null AP (no positives) is left out, not written as 0.
    expect(val.filter((v) => v.tag.startsWith('val_ap/')).map((v) => v.tag)).toEqual(['val_ap/Dog bark', 'val_ap/bird'])
    expect(scalars[3].values.map((v) => v.tag)).toEqual(['test/mAP', 'test/microF1', 'test/accuracy'])
  })

  it('our own reader agrees with the Python reader and rejects a corrupted byte', () => {
    expect(decodeEventFile(bytes)).toEqual(pythonDecoded)
    const bad = Buffer.from(bytes)
    bad[bad.length - 6] ^= 0x40
    expect(() => decodeEventFile(bad, 'x.tfevents')).toThrow(/x.tfevents: bad data CRC/)
  })
})

describe('exportMetrics', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-export-'))
    process.env.TAGBENCH_DATA_DIR = dataDir
  })
  afterEach(() => {
    delete process.env.TAGBENCH_DATA_DIR
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  const config = { dataset: 'ds', model: 'ast', size: 'tiny' } as unknown as RunConfig

  it('writes CSV, JSON and TensorBoard files for a run', () => {
    const id = createRun(config, { datasetName: 'ds', datasetFingerprint: 'f', classNames, valClips: 3 })
    appendMetrics(id, entries)
    const csvPath = exportMetrics(id, 'csv')
    const rows = parse(fs.readFileSync(csvPath, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(4)
    expect(rows[2]).toMatchObject({ kind: 'epoch', step: '20', mAP: '0.31', 'ap:Dog bark': '0.2', 'ap:cat': '', 'ap:bird': '0.42' })
    expect(rows[0].mAP).toBe('')
    const json = JSON.parse(fs.readFileSync(exportMetrics(id, 'json'), 'utf8'))
    expect(json).toMatchObject({ runId: id, classNames, entries })
    const tb = exportMetrics(id, 'tensorboard')
    expect(path.basename(tb)).toMatch(/^events\.out\.tfevents\.\d+\.tagbench$/)
    const events = decodeEventFile(fs.readFileSync(tb))
    expect(events.slice(1).map((e) => e.values.length)).toEqual(pythonDecoded.slice(1).map((e) => e.values.length))
    // Exporting again replaces the file instead of adding a second one.
    exportMetrics(id, 'tensorboard')
    expect(fs.readdirSync(path.dirname(tb))).toHaveLength(1)
    expect(() => exportMetrics(id, 'xml' as 'csv')).toThrow(/Unknown metrics export format/)
  })

  it('CSV quotes class names with commas', () => {
    const csv = metricsToCsv([{ kind: 'test', step: 1, epoch: 0, time: 't', ap: [0.5] }], ['Speech, male'])
    expect((parse(csv, { columns: true }) as Record<string, string>[])[0]['ap:Speech, male']).toBe('0.5')
  })
})
