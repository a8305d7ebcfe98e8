// The feature cache serves windows of a long recording's fbank by reading only their byte range.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeNpy } from '../../../src/main/engine/io/npy'
import { readEntryWindow } from '../../../src/main/engine/audio/cacheStore'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-cachewin-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('readEntryWindow', () => {
  const frames = 50
  const mel = 4
  const data = Float32Array.from({ length: frames * mel }, (_, i) => i)
  const entry = path.join(dir, 'e.npy')
  fs.writeFileSync(entry, encodeNpy(data, [frames, mel]))

  it('reads frames [start, start + length), clipped at the end', async () => {
    const w = await readEntryWindow(entry, mel, 10, 5)
    expect(w!.totalFrames).toBe(50)
    expect(w!.fb.frames).toBe(5)
    expect(Array.from(w!.fb.data)).toEqual(Array.from(data.subarray(40, 60)))
    const tail = await readEntryWindow(entry, mel, 48, 10)
    expect(tail!.fb.frames).toBe(2)
    expect(Array.from(tail!.fb.data)).toEqual(Array.from(data.subarray(192, 200)))
  })

  it('treats a missing, short or other-mel entry as missing', async () => {
    expect(await readEntryWindow(path.join(dir, 'none.npy'), mel, 0, 5)).toBeNull()
    expect(await readEntryWindow(entry, 8, 0, 5)).toBeNull()
    const short = path.join(dir, 'short.npy')
    fs.writeFileSync(short, encodeNpy(data, [frames, mel]).subarray(0, 300))
    expect(await readEntryWindow(short, mel, 0, 5)).toBeNull()
  })
})
