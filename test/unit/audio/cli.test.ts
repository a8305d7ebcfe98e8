// `tagbench features`: writes the raw fbank as a NumPy v1.0 .npy that numpy.load reads (header checked
// byte by byte against the format spec) and that equals torchaudio's features for the clip.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { registerFeatures } from '../../../src/main/cli/commands/features'
import { readNpy } from '../../../src/main/engine/io/npy'
import { runCli } from '../cliHarness'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-features-cli-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
const FIX = path.resolve('test/fixtures/audio')

async function run(...args: string[]): Promise<string> {
  return runCli([registerFeatures], ['features', ...args])
}

describe('tagbench features', () => {
  it('writes float32 [frames, mel] equal to torchaudio’s AST features, with --json output', async () => {
    const out = path.join(tmp, 'yes.npy')
    const printed = JSON.parse(await run(path.join(FIX, 'clips/speech_yes.flac'), '--out', out, '--json'))
    expect(printed).toMatchObject({ out, frames: 98, melBins: 128, sampleRate: 16000, durationS: 1 })
    const arr = readNpy(out)
    expect(arr.dtype).toBe('<f4')
    expect(arr.shape).toEqual([98, 128])
    const ref = readNpy(path.join(FIX, 'fbank/speech_yes.mel128.npy')).data
    let maxAbs = 0
    for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(arr.data[i] - ref[i]))
    expect(maxAbs).toBeLessThanOrEqual(1e-3)
  })

  it('header follows the .npy v1.0 spec byte by byte', async () => {
    const out = path.join(tmp, 'stop64.npy')
    const text = await run(path.join(FIX, 'clips/speech_stop.flac'), '--out', out, '--mel', '64')
    expect(text).toContain('98 frames × 64 mel bins')
    const buf = fs.readFileSync(out)
    // Magic string \x93NUMPY, then major 1, minor 0.
    expect([...buf.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])
    expect([buf[6], buf[7]]).toEqual([1, 0])
    // HEADER_LEN: little-endian uint16; magic + version + length + header is a multiple of 64 (alignment).
    const headerLen = buf.readUInt16LE(8)
    expect((10 + headerLen) % 64).toBe(0)
    const header = buf.subarray(10, 10 + headerLen).toString('latin1')
    // An ASCII Python dict literal, padded with spaces and terminated by a newline.
    expect(header.endsWith('\n')).toBe(true)
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (98, 64), }")
    expect(/^[\x20-\x7e]*\n$/.test(header)).toBe(true)
    // Then exactly frames × mel little-endian float32 values, C order.
    expect(buf.length - 10 - headerLen).toBe(98 * 64 * 4)
    const first = buf.readFloatLE(10 + headerLen)
    expect(first).toBe(readNpy(out).data[0])
  })

  it('resamples to --sample-rate first (Kaldi frames stay 10 ms)', async () => {
    const out = path.join(tmp, 'mix.npy')
    const printed = JSON.parse(await run(path.join(FIX, 'resample/mix_44100.wav'), '--out', out, '--sample-rate', '22050', '--mel', '80', '--json'))
    expect(printed).toMatchObject({ frames: 98, melBins: 80, sampleRate: 22050 })
    expect(readNpy(out).shape).toEqual([98, 80])
  })

  it('errors name the file; bad options are refused', async () => {
    const text = path.join(tmp, 'notes.wav')
    fs.writeFileSync(text, 'plain text\n'.repeat(30))
    await expect(run(text, '--out', path.join(tmp, 'x.npy'))).rejects.toThrow(`${text} is not a recognised audio file`)
    expect(fs.existsSync(path.join(tmp, 'x.npy'))).toBe(false)
    await expect(run(text, '--out', path.join(tmp, 'x.npy'), '--mel', 'lots')).rejects.toThrow('--mel must be a positive integer')
  })
})
