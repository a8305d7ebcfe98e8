// `tagbench export` and `tagbench tag` in-process, on MODELS' tiny Hugging Face AST fixture (odd
// layer_norm_eps 0.25, strides 16/12, 48 mel × 100 frames): the export carries the folder's feature
// settings, tagging caches one ONNX per folder under cacheDir(), and CSV/JSON/.npy outputs agree.
import { beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { readNpy } from '../../../src/main/engine/io/npy'
import { registerExport } from '../../../src/main/cli/commands/export'
import { registerTag } from '../../../src/main/cli/commands/tag'
import { metadataProps, readOnnxMeta } from '../../../src/main/engine/infer/onnxExport'
import { createGraphBuilder, encodeModel, tensorInfo } from '../../../src/main/engine/infer/onnxGraph'
import { pickThresholds } from '../../../src/main/engine/infer/modelRef'
import { toneBurst, useTagSandbox, writeEnergyModel, writeWavSamples } from './helpers'
import { runCli } from '../cliHarness'

const HF = path.resolve(__dirname, '../../fixtures/models/ast/hf_ast')
const box = useTagSandbox('tagbench-infer-cli-')

beforeAll(() => {
  writeWavSamples(path.join(box.dir, 'audio', 'a.wav'), toneBurst(2.5, 0.5, 2)) // 248 frames: 4 windows of 100
  writeWavSamples(path.join(box.dir, 'audio', 'b.wav'), toneBurst(0.6, 0, 0.6))
  fs.writeFileSync(path.join(box.dir, 'audio', 'c.wav'), 'not audio at all')
})

async function run(...args: string[]): Promise<string> {
  return runCli([registerExport, registerTag], [...args])
}

describe('tagbench export / tag', () => {
  it('exports a Hugging Face AST folder with its own feature settings', async () => {
    const file = path.join(box.dir, 'hf.onnx')
    const json = JSON.parse(await run('export', HF, '--out', file, '--json'))
    expect(json).toMatchObject({ path: file, source: 'hf-ast', modelKind: 'ast', thresholds: false, frameOutput: null })
    const meta = readOnnxMeta(file)
    expect(meta.features).toEqual({ kind: 'kaldi-fbank', sampleRate: 16000, melBins: 48, targetLength: 100, frameShiftS: 0.01, norm: { mean: -5.5, std: 4.25 } })
    expect(meta.model).toMatchObject({ blockEps: 0.25, headEps: 0.25, fstride: 16, tstride: 12 })
    await expect(run('export', file, '--out', path.join(box.dir, 'again.onnx'))).rejects.toThrow(/already an ONNX file/)
  })

  it('tags with the folder (cached export), the exported file and tfjs alike; CSV, JSON and .npy agree', async () => {
    const audio = path.join(box.dir, 'audio')
    const csvFile = path.join(box.dir, 'out.csv')
    const npy = path.join(box.dir, 'emb.npy')
    const text = await run('tag', HF, audio, '--top-k', '2', '--csv', csvFile, '--embeddings', npy)
    expect(text).toMatch(/Tagged 2 files, 1 failed/)
    const cached = fs.readdirSync(path.join(box.dir, 'data', 'cache', 'onnx'))
    expect(cached).toHaveLength(1)
    const rows = parse(fs.readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => path.basename(r.file))).toEqual(['a.wav', 'b.wav', 'c.wav'])
    expect(rows[2].error).toContain('c.wav')
    expect(Number(rows[0].duration_s)).toBeCloseTo(2.5, 6)
    const emb = readNpy(npy)
    expect(emb.shape).toEqual([3, 32])
    expect(Number.isNaN(emb.data[2 * 32])).toBe(true)

    const viaFile = JSON.parse(await run('tag', path.join(box.dir, 'hf.onnx'), path.join(audio, 'a.wav'), '--top-k', '2', '--json'))
    const viaTfjs = JSON.parse(await run('tag', HF, path.join(audio, 'a.wav'), '--top-k', '2', '--engine', 'tfjs', '--json'))
    expect(viaTfjs.engine).toBe('tfjs')
    // The fixture's config.json has no problem_type: sigmoid, noted as assumed; --activation softmax overrides it.
    expect([viaFile.activation, viaTfjs.activation]).toEqual(['sigmoid', 'sigmoid'])
    expect(viaTfjs.note).toMatch(/sigmoid scores assumed.*--activation softmax/)
    const soft = JSON.parse(await run('tag', HF, path.join(audio, 'a.wav'), '--top-k', '6', '--activation', 'softmax', '--engine', 'tfjs', '--json'))
    expect(soft.activation).toBe('softmax')
    expect(soft.results[0].top.reduce((s: number, t: { score: number }) => s + t.score, 0)).toBeGreaterThan(0.99)
    for (const other of [viaFile, viaTfjs]) {
      expect(other.results[0].top.map((t: { label: string }) => t.label)).toEqual([rows[0].top1_label, rows[0].top2_label])
      expect(other.results[0].top[0].score).toBeCloseTo(Number(rows[0].top1_score), 4)
    }
    // Same folder again: the cached export is reused, not rewritten.
    const before = fs.statSync(path.join(box.dir, 'data', 'cache', 'onnx', cached[0])).mtimeMs
    await run('tag', HF, path.join(audio, 'b.wav'), '--json')
    expect(fs.statSync(path.join(box.dir, 'data', 'cache', 'onnx', cached[0])).mtimeMs).toBe(before)
  })

  it('refuses bad options with a message naming them', async () => {
    await expect(run('tag', HF, box.dir, '--aggregate', 'median')).rejects.toThrow(/--aggregate must be one of max, mean/)
    await expect(run('tag', HF, box.dir, '--top-k', '0')).rejects.toThrow(/--top-k/)
    await expect(run('tag', HF, box.dir, '--activation', 'tanh')).rejects.toThrow(/--activation must be one of auto, sigmoid, softmax/)
  })
})

describe('pickThresholds', () => {
  it('takes the method with the best micro-F1, SGL-Thresh first on ties, none without a comparison', () => {
    const m = (method: 'default' | 'search' | 'sgl', microF1: number) => ({ method, thresholds: [microF1], microF1, macroF1: 0 })
    expect(pickThresholds(null)).toBeNull()
    expect(pickThresholds({ classNames: ['x'], methods: [m('default', 0.4), m('search', 0.7), m('sgl', 0.6)] })).toEqual([0.7])
    const tie = { classNames: ['x'], methods: [m('search', 0.6), m('sgl', 0.6)] }
    tie.methods[1].thresholds = [0.33]
    expect(pickThresholds(tie)).toEqual([0.33])
  })
})

describe('readOnnxMeta', () => {
  it('names the file when it is not ONNX, has no Tagbench metadata, or metadata it cannot use', () => {
    const junk = path.join(box.dir, 'junk.onnx')
    fs.writeFileSync(junk, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))
    expect(() => readOnnxMeta(junk)).toThrow(/junk\.onnx is not a readable ONNX model/)
    const g = createGraphBuilder()
    const graph = g.graph('bare', [tensorInfo('fbank', ['batch', 4])], [tensorInfo(g.output('logits', 'fbank'), ['batch', 4])])
    const bare = path.join(box.dir, 'bare.onnx')
    fs.writeFileSync(bare, encodeModel(graph, {}, 'test'))
    expect(() => readOnnxMeta(bare)).toThrow(/bare\.onnx has no Tagbench metadata/)
    const meta = writeEnergyModel(path.join(box.dir, 'ok.onnx'), { melBins: 32, targetLength: 100, level: -14 })
    const odd = path.join(box.dir, 'odd.onnx')
    fs.writeFileSync(odd, encodeModel(graph, metadataProps({ ...meta, features: { ...meta.features, kind: 'htk-mfcc' as 'kaldi-fbank' }, thresholds: [0.5] }), 'test'))
    expect(() => readOnnxMeta(odd)).toThrow(/odd\.onnx: unusable Tagbench metadata: feature kind "htk-mfcc" is not supported.*; 1 thresholds for 2 labels/)
  })
})
