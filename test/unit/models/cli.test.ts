// `tagbench embed` and `tagbench predict` end to end on the PyTorch fixtures: the files they write
// hold the reference's embeddings and logits; raw fbank gets padded and normalised as AST's
// dataloader does; checkpoint folders predict like the folder they were saved from.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerEmbed } from '../../../src/main/cli/commands/embed'
import { registerPredict } from '../../../src/main/cli/commands/predict'
import { initBackend } from '../../../src/main/engine/platform/backend'
import { readNpy, writeNpy } from '../../../src/main/engine/io/npy'
import { loadHfAst } from '../../../src/main/engine/models/ast/import/hfAst'
import { saveCheckpoint } from '../../../src/main/engine/models/checkpoint'
import { runCli } from '../cliHarness'

const FIX = path.resolve('test/fixtures/models/ast')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-models-cli-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
beforeAll(async () => {
  await initBackend('wasm')
})

const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'cases.json'), 'utf8')) as { labels: string[]; cases: { name: string; embedding: number[][]; logits?: number[][] }[] }
const X = readNpy(path.join(FIX, 'x.npy'))
const byName = (n: string) => ref.cases.find((c) => c.name === n)!

/** x[:, :T, :F] of the fixture input, written to a temp .npy. */
function inputFile(name: string, frames: number, melBins: number, map: (v: number) => number = (v) => v): string {
  const [B, T0, F0] = X.shape
  const out = new Float32Array(B * frames * melBins)
  for (let b = 0; b < B; b++) for (let t = 0; t < frames; t++) for (let f = 0; f < melBins; f++) out[(b * frames + t) * melBins + f] = map(X.data[(b * T0 + t) * F0 + f])
  const file = path.join(tmp, name)
  writeNpy(file, out, [B, frames, melBins])
  return file
}

async function run(...args: string[]): Promise<string> {
  return runCli([registerEmbed, registerPredict], [...args])
}

function maxRelError(actual: ArrayLike<number>, expected: number[][]): number {
  const e = expected.flat()
  expect(actual.length).toBe(e.length)
  let diff = 0
  let scale = 0
  e.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(actual[i] - v))
    scale = Math.max(scale, Math.abs(v))
  })
  return diff / scale
}

describe('tagbench embed', () => {
  for (const file of ['deit_timm.safetensors', 'deit_hf.safetensors']) {
    it(`writes PyTorch's AST embeddings from a DeiT (${file})`, async () => {
      const out = path.join(tmp, `e-${file}.npy`)
      const x = inputFile('x160.npy', 160, 64)
      const printed = JSON.parse(await run('embed', '--weights', path.join(FIX, file), '--model', 'ast-tiny', '--heads', '4', '--fstride', '16', '--tstride', '16', '--input', x, '--out', out, '--json'))
      expect(printed).toMatchObject({ out, shape: [2, 64], model: { embedDim: 64, heads: 4, depth: 2, melBins: 64, frames: 160 } })
      const e = readNpy(out)
      expect(e.shape).toEqual([2, 64])
      expect(maxRelError(e.data, byName('s16_cut').embedding)).toBeLessThanOrEqual(1e-4)
    })
  }

  it('says what is wrong with the width, the frame count or the model name', async () => {
    const x = inputFile('x160b.npy', 160, 64)
    const w = path.join(FIX, 'deit_timm.safetensors')
    await expect(run('embed', '--weights', w, '--input', x, '--out', path.join(tmp, 'e.npy'))).rejects.toThrow(/width 64 is not ast-tiny's 192/)
    await expect(run('embed', '--weights', w, '--heads', '4', '--frames', '100', '--input', x, '--out', path.join(tmp, 'e.npy'))).rejects.toThrow(/x160b\.npy: has 160 frames, the model expects 100/)
    await expect(run('embed', '--weights', w, '--model', 'ast-huge', '--input', x, '--out', path.join(tmp, 'e.npy'))).rejects.toThrow(/--model must be ast-tiny, ast-small or ast-base/)
    expect(fs.existsSync(path.join(tmp, 'e.npy'))).toBe(false)
  })
})

describe('tagbench predict', () => {
  it("writes PyTorch's logits for a Hugging Face AST folder, labels in --json", async () => {
    const out = path.join(tmp, 'l.npy')
    const emb = path.join(tmp, 'le.npy')
    const printed = JSON.parse(await run('predict', '--weights', path.join(FIX, 'hf_ast'), '--input', inputFile('xhf.npy', 100, 48), '--out', out, '--embeddings', emb, '--json'))
    expect(printed).toMatchObject({ out, shape: [2, 6], labels: ref.labels })
    expect(maxRelError(readNpy(out).data, byName('hf_ast').logits!)).toBeLessThanOrEqual(1e-4)
    expect(maxRelError(readNpy(emb).data, byName('hf_ast').embedding)).toBeLessThanOrEqual(1e-4)
  })

  it('--raw: denormalised fbank comes back to the same logits; short clips are zero-padded before normalising', async () => {
    // preprocessor_config.json: mean -5.5, std 4.25; raw = x · 2 · std + mean normalises back to x.
    const raw = inputFile('xraw.npy', 100, 48, (v) => v * 8.5 - 5.5)
    const out = path.join(tmp, 'lraw.npy')
    await run('predict', '--weights', path.join(FIX, 'hf_ast'), '--raw', '--input', raw, '--out', out)
    expect(maxRelError(readNpy(out).data, byName('hf_ast').logits!)).toBeLessThanOrEqual(1e-4)
    // 90 raw frames: frames 90..99 are 0 in the log domain, (0 + 5.5) / 8.5 after normalising.
    const short = inputFile('xshort.npy', 90, 48, (v) => v * 8.5 - 5.5)
    const padded = inputFile('xpadded.npy', 100, 48)
    const p = readNpy(padded)
    for (let b = 0; b < 2; b++) p.data.fill(5.5 / 8.5, (b * 100 + 90) * 48, (b + 1) * 100 * 48)
    writeNpy(padded, p.data as Float32Array, p.shape)
    const [o1, o2] = [path.join(tmp, 'ls.npy'), path.join(tmp, 'lp.npy')]
    await run('predict', '--weights', path.join(FIX, 'hf_ast'), '--raw', '--input', short, '--out', o1)
    await run('predict', '--weights', path.join(FIX, 'hf_ast'), '--input', padded, '--out', o2)
    const a = readNpy(o1).data
    const b = readNpy(o2).data
    expect(Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-5)
  })

  it('predicts from a checkpoint folder exactly as from the model it was saved from', async () => {
    const dir = path.join(tmp, 'ckpt')
    const { model } = loadHfAst(path.join(FIX, 'hf_ast'))
    await saveCheckpoint(dir, model)
    model.dispose()
    const x = inputFile('xck.npy', 100, 48)
    const [a, b] = [path.join(tmp, 'la.npy'), path.join(tmp, 'lb.npy')]
    await run('predict', '--weights', dir, '--input', x, '--out', a)
    await run('predict', '--weights', path.join(FIX, 'hf_ast'), '--input', x, '--out', b)
    expect(Array.from(readNpy(a).data)).toEqual(Array.from(readNpy(b).data))
  })

  it('names the input file when its shape does not fit the model', async () => {
    const x = inputFile('xbad.npy', 100, 40)
    await expect(run('predict', '--weights', path.join(FIX, 'hf_ast'), '--input', x, '--out', path.join(tmp, 'bad.npy'))).rejects.toThrow(/xbad\.npy: has 40 mel bins, the model expects 48/)
  })
})
