// What a user may name as "the model" for tagging and export: a run id (its best checkpoint and
// optimised thresholds), a checkpoint folder, a Hugging Face AST folder, or — for tagging — an
// exported .onnx file. Each resolves to the metadata tagging needs (the score activation from how the
// model was trained), an ONNX file made on first use
// and cached (in the run folder, or under cacheDir() for imports), and, for the tfjs fallback, the model.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import type { ThresholdComparison } from '../../../shared/types'
import type { TagModel } from '../models/types'
import { CONFIG_FILE, WEIGHTS_FILE, loadCheckpoint, readCheckpointConfig } from '../models/checkpoint'
import { loadHfAst, readHfAstConfig } from '../models/ast/import/hfAst'
import { checkpointDir, loadRun, readRunConfig, runDir } from '../runs/store'
import { cacheDir } from '../platform/paths'
import { initBackend } from '../platform/backend'
import { activationOfLoss, checkpointActivation, hfAstActivation, type ModelActivation, type ScoreActivation } from './activation'
import { exportOnnx, metaOf, parseOnnxMeta, readOnnxProps, type OnnxModelMeta } from './onnxExport'
import { writeEnsembleOnnx } from './onnxEnsemble'
import { ensembleMembers } from '../combine/ensemble'

export type ModelSource = 'run' | 'checkpoint' | 'hf-ast' | 'onnx' | 'ensemble'

export interface ResolvedModel {
  source: ModelSource
  /** What was resolved, for messages: "run <id> (ckpt/best)", a folder, a file. */
  description: string
  meta: OnnxModelMeta
  /** When nothing recorded how the model was trained: the activation in meta was assumed, and why. */
  activationAssumed: string | null
  /** The .onnx to run: exported now when missing or older than its source, else the cached one. */
  onnxFile(): Promise<string>
  /** The model itself (tfjs), or null for a bare .onnx file. The caller disposes it. */
  loadModel: (() => Promise<TagModel>) | null
}

/**
 * Per-class thresholds of the method with the best validation micro-F1 (ties: SGL-Thresh, then
 * search, then default), or null when the run has none.
 */
export function pickThresholds(comparison: ThresholdComparison | null): number[] | null {
  if (!comparison || comparison.methods.length === 0) return null
  const rank = { sgl: 0, search: 1, default: 2 }
  const best = [...comparison.methods].sort((a, b) => b.microF1 - a.microF1 || rank[a.method] - rank[b.method])[0]
  return best.thresholds
}

/** Models hold tfjs variables: make sure a backend is chosen before one is built. */
const withBackend = (load: () => TagModel) => async (): Promise<TagModel> => {
  await initBackend()
  return load()
}

const isHfAstFolder = (dir: string) => fs.existsSync(path.join(dir, 'preprocessor_config.json')) && fs.existsSync(path.join(dir, CONFIG_FILE))
const isCheckpointFolder = (dir: string) => fs.existsSync(path.join(dir, WEIGHTS_FILE)) && fs.existsSync(path.join(dir, CONFIG_FILE)) && !isHfAstFolder(dir)
const mtime = (file: string) => fs.statSync(file).mtimeMs

/** Exports `load()`'s model to `target` unless target is newer than every source file. */
async function cachedExport(target: string, sources: string[], load: () => Promise<TagModel>, thresholds: number[] | null, activation: ScoreActivation): Promise<string> {
  const fresh = fs.existsSync(target) && sources.every((s) => !fs.existsSync(s) || mtime(s) <= mtime(target))
  if (fresh) return target
  const model = await load()
  try {
    await exportOnnx(model, target, { thresholds, activation })
  } finally {
    model.dispose()
  }
  return target
}

function fromRun(id: string): ResolvedModel {
  const dir = runDir(id)
  const best = checkpointDir(id, 'best')
  const ckpt = fs.existsSync(path.join(best, CONFIG_FILE)) ? best : checkpointDir(id, 'last')
  if (!fs.existsSync(path.join(ckpt, CONFIG_FILE))) throw new Error(`Run ${id} has no checkpoint yet (${path.join(dir, 'ckpt')} holds neither best nor last)`)
  // A frame task's thresholds are the frame-F1 ones it tuned on validation (stored with its test curves).
  const run = loadRun(id)
  const thresholds = run.frameCurves ? run.frameCurves.thresholds : pickThresholds(run.thresholds)
  const config = readCheckpointConfig(ckpt)
  const activation = activationOfLoss(readRunConfig(id).loss)
  const load = withBackend(() => loadCheckpoint(ckpt))
  return {
    source: 'run',
    description: `run ${id} (${path.relative(dir, ckpt)})`,
    meta: metaOf(config, thresholds, activation),
    activationAssumed: null,
    onnxFile: () => cachedExport(path.join(dir, 'export', 'model.onnx'), [path.join(ckpt, WEIGHTS_FILE), path.join(ckpt, CONFIG_FILE), path.join(dir, 'thresholds.json'), path.join(dir, 'predictions', 'test-frames.json')], load, thresholds, activation),
    loadModel: load
  }
}

function fromCheckpoint(dir: string): ResolvedModel {
  const config = readCheckpointConfig(dir)
  const act = checkpointActivation(dir)
  const load = withBackend(() => loadCheckpoint(dir))
  return {
    source: 'checkpoint',
    description: `checkpoint ${dir}`,
    ...withActivation(config, act),
    onnxFile: () => cachedExport(cachedOnnxPath('ckpt', dir, [WEIGHTS_FILE, CONFIG_FILE], act.activation), [], load, null, act.activation),
    loadModel: load
  }
}

function fromHfAst(dir: string): ResolvedModel {
  const config = readHfAstConfig(dir)
  const act = hfAstActivation(dir)
  const load = withBackend(() => loadHfAst(dir).model)
  return {
    source: 'hf-ast',
    description: `Hugging Face AST ${dir}`,
    ...withActivation(config, act),
    onnxFile: () => cachedExport(cachedOnnxPath('hf-ast', dir, [CONFIG_FILE, 'preprocessor_config.json', 'model.safetensors'], act.activation), [], load, null, act.activation),
    loadModel: load
  }
}

function withActivation(config: ReturnType<typeof readCheckpointConfig>, act: ModelActivation): Pick<ResolvedModel, 'meta' | 'activationAssumed'> {
  return { meta: metaOf(config, null, act.activation), activationAssumed: act.assumed }
}

/**
 * cacheDir()/onnx/<kind>-<hash of the folder, its files' sizes and mtimes, and the activation>.onnx:
 * a changed folder gets a new file, and so does another activation (the file records it).
 */
function cachedOnnxPath(kind: string, dir: string, files: string[], activation: ScoreActivation): string {
  const h = crypto.createHash('sha256').update(fs.realpathSync(dir)).update(`\0${activation}`)
  for (const f of files) {
    const st = fs.statSync(path.join(dir, f))
    h.update(`\0${f}\0${st.size}\0${st.mtimeMs}`)
  }
  return path.join(cacheDir(), 'onnx', `${kind}-${h.digest('hex').slice(0, 16)}.onnx`)
}

function fromOnnx(file: string): ResolvedModel {
  const props = readOnnxProps(file)
  const meta = parseOnnxMeta(file, props)
  // Exports made before the activation was recorded are sigmoid models as far as anyone knows.
  const activationAssumed = props.activation ? null : `sigmoid scores assumed because ${file} was exported before the activation was recorded`
  return { source: 'onnx', description: file, meta, activationAssumed, onnxFile: async () => file, loadModel: null }
}

/**
 * An ensemble ("ensemble:<id>"): its members' ONNX exports merged into one graph that averages their
 * scores (onnxEnsemble), kept as ensembles/<id>/model.onnx. It runs on ONNX Runtime only.
 */
function fromEnsemble(id: string): ResolvedModel {
  const { dir, members } = ensembleMembers(id)
  const parts = members.map((m) => resolveModel(m))
  const target = path.join(dir, 'model.onnx')
  return {
    source: 'ensemble',
    description: `ensemble ${id} (${parts.map((p) => p.description).join(' + ')})`,
    meta: { ...parts[0].meta, thresholds: null, frameOutput: null },
    activationAssumed: null,
    onnxFile: async () => {
      const files: string[] = []
      for (const p of parts) files.push(await p.onnxFile())
      const fresh = fs.existsSync(target) && files.every((f) => mtime(f) <= mtime(target))
      if (!fresh) await writeEnsembleOnnx(files, id, target)
      return target
    },
    loadModel: null
  }
}

/** Resolves a model reference; throws an Error naming it when it is none of the five kinds. */
export function resolveModel(ref: string): ResolvedModel {
  if (ref.startsWith('ensemble:')) return fromEnsemble(ref.slice('ensemble:'.length))
  let st: fs.Stats | null
  try {
    st = fs.statSync(ref)
  } catch {
    st = null
  }
  if (st?.isFile()) {
    if (ref.toLowerCase().endsWith('.onnx')) return fromOnnx(ref)
    throw new Error(`${ref}: a model must be a run id, a .onnx file, a checkpoint folder or a Hugging Face AST folder`)
  }
  if (st?.isDirectory()) {
    if (isHfAstFolder(ref)) return fromHfAst(ref)
    if (isCheckpointFolder(ref)) return fromCheckpoint(ref)
    throw new Error(`${ref}: this folder is neither a checkpoint (${WEIGHTS_FILE} + ${CONFIG_FILE}) nor a Hugging Face AST folder (config.json + preprocessor_config.json + model.safetensors)`)
  }
  let dir: string
  try {
    dir = runDir(ref)
  } catch {
    throw new Error(`${ref}: no such file, folder or run`)
  }
  if (!fs.existsSync(path.join(dir, 'run.json'))) throw new Error(`${ref}: no such file, folder or run (looked in ${path.dirname(dir)})`)
  return fromRun(ref)
}

/**
 * Exports a run (best checkpoint, with its thresholds), a checkpoint folder or a Hugging Face AST
 * folder to outFile; without outFile, to the cached export tagging uses (a run's export/model.onnx).
 */
export async function exportModelRef(ref: string, outFile?: string): Promise<{ path: string; bytes: number; meta: OnnxModelMeta; source: ModelSource; activationAssumed: string | null }> {
  const resolved = resolveModel(ref)
  if (resolved.source === 'ensemble') {
    const file = await resolved.onnxFile()
    if (outFile) fs.copyFileSync(file, outFile)
    const out = outFile ?? file
    return { path: out, bytes: fs.statSync(out).size, meta: resolved.meta, source: resolved.source, activationAssumed: null }
  }
  if (!resolved.loadModel) throw new Error(`${ref} is already an ONNX file`)
  if (!outFile) {
    const file = await resolved.onnxFile()
    return { path: file, bytes: fs.statSync(file).size, meta: resolved.meta, source: resolved.source, activationAssumed: resolved.activationAssumed }
  }
  const model = await resolved.loadModel()
  try {
    return { ...(await exportOnnx(model, outFile, { thresholds: resolved.meta.thresholds, activation: resolved.meta.activation })), source: resolved.source, activationAssumed: resolved.activationAssumed }
  } finally {
    model.dispose()
  }
}
