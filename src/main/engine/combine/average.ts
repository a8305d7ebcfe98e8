// Checkpoint weight averaging (AST's "weight averaging" of the last epochs): the mean of every weight
// over a run's kept epoch checkpoints (train with keepCheckpoints ≥ N). The result is an ordinary
// checkpoint folder under runs/<id>/averaged/last-<n>/ — so it can be tagged with and exported to ONNX
// like any checkpoint — with its validation and test predictions and its metrics beside its parts'.
import fs from 'node:fs'
import path from 'node:path'
import type { CombinedModel } from '../../../shared/types'
import { deleteDirAtomically, readJsonSync, writeJsonAtomicSync } from '../io/fsutil'
import { CONFIG_FILE, WEIGHTS_FILE, loadCheckpoint, readCheckpointConfig } from '../models/checkpoint'
import { readSafetensors, writeSafetensors } from '../models/safetensors'
import type { WeightMap } from '../models/types'
import type { ProgressSink } from '../control/progress'
import { initBackend } from '../platform/backend'
import { epochCheckpoints, readRunState, readPredictionDir, runDir, writePredictionDir } from '../runs/store'
import { evaluateOnRun, scoreOf } from './evaluate'

export const COMBINED_FILE = 'combined.json'

/** The element-wise mean of the weights of checkpoint folders of one model (same names and shapes). */
export function averageWeights(dirs: string[]): WeightMap {
  if (dirs.length === 0) throw new Error('Nothing to average: no checkpoints given')
  const first = readCheckpointConfig(dirs[0])
  const sums = new Map<string, { shape: number[]; sum: Float64Array }>()
  for (const dir of dirs) {
    const config = readCheckpointConfig(dir)
    if (JSON.stringify(config) !== JSON.stringify(first)) throw new Error(`${dir} is another model than ${dirs[0]} (configs differ): only checkpoints of one run can be averaged`)
    const file = path.join(dir, WEIGHTS_FILE)
    const weights = readSafetensors(file)
    if (sums.size > 0 && (weights.size !== sums.size || [...weights.keys()].some((k) => !sums.has(k)))) throw new Error(`${file} holds other weights than ${dirs[0]}`)
    for (const [name, t] of weights) {
      let s = sums.get(name)
      if (!s) sums.set(name, (s = { shape: t.shape, sum: new Float64Array(t.data.length) }))
      if (s.shape.join() !== t.shape.join()) throw new Error(`${file}: ${name} is [${t.shape}], not [${s.shape}]`)
      for (let i = 0; i < t.data.length; i++) s.sum[i] += t.data[i]
    }
  }
  const out: WeightMap = new Map()
  for (const [name, s] of sums) out.set(name, { shape: s.shape, data: Float32Array.from(s.sum, (v) => v / dirs.length) })
  return out
}

export const averagedDir = (runId: string, n: number): string => path.join(runDir(runId), 'averaged', `last-${n}`)

/** Averaged models of a run, newest epoch count first. */
export function listAverages(runId: string): CombinedModel[] {
  const root = path.join(runDir(runId), 'averaged')
  let names: string[]
  try {
    names = fs.readdirSync(root)
  } catch {
    return []
  }
  return names
    .filter((n) => /^last-\d+$/.test(n) && fs.existsSync(path.join(root, n, COMBINED_FILE)))
    .map((n) => readJsonSync<CombinedModel>(path.join(root, n, COMBINED_FILE)))
    .sort((a, b) => b.parts.length - a.parts.length)
}

/**
 * Average the weights of the run's last `n` kept epoch checkpoints, evaluate the result and each
 * part on the run's validation and test clips, and keep it all in averaged/last-<n>/.
 */
export async function averageRun(runId: string, n: number, opts: { onProgress?: ProgressSink; signal?: AbortSignal } = {}): Promise<CombinedModel> {
  if (!Number.isInteger(n) || n < 2) throw new Error(`Average at least 2 checkpoints, got ${n}`)
  const state = readRunState(runId)
  const kept = epochCheckpoints(runId)
  if (kept.length < n)
    throw new Error(`Run ${runId} kept ${kept.length} epoch checkpoint${kept.length === 1 ? '' : 's'}${kept.length ? ` (epochs ${kept.map((k) => k.epoch).join(', ')})` : ''}, fewer than ${n}: train with "keep the last N epochs' weights" (--keep-checkpoints) ≥ ${n}`)
  const parts = kept.slice(-n)
  const weights = averageWeights(parts.map((p) => p.dir))
  const target = averagedDir(runId, n)
  const tmp = path.join(path.dirname(target), `.last-${n}-tmp-${process.pid}`)
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.mkdirSync(tmp, { recursive: true })
  try {
    writeSafetensors(path.join(tmp, WEIGHTS_FILE), weights, { tagbench_kind: readCheckpointConfig(parts[0].dir).kind, averaged_epochs: parts.map((p) => p.epoch).join(',') })
    fs.copyFileSync(path.join(parts[parts.length - 1].dir, CONFIG_FILE), path.join(tmp, CONFIG_FILE))
    await initBackend()
    const evaluate = async (dir: string) => {
      const model = loadCheckpoint(dir)
      try {
        return await evaluateOnRun(runId, model, opts)
      } finally {
        model.dispose()
      }
    }
    const mine = await evaluate(tmp)
    for (const split of ['val', 'test'] as const) if (mine[split]) writePredictionDir(path.join(tmp, 'predictions'), split, mine[split]!)
    const partScores: CombinedModel['parts'] = []
    for (const p of parts) {
      const preds = await evaluate(p.dir)
      partScores.push({ name: `epoch ${p.epoch}`, ref: p.dir, val: scoreOf(preds.val), test: scoreOf(preds.test) })
    }
    const combined: CombinedModel = {
      kind: 'average',
      id: `${runId}/last-${n}`,
      name: `${state.name}, weights of epochs ${parts[0].epoch}–${parts[parts.length - 1].epoch} averaged`,
      model: target,
      dataset: readJsonSync<{ dataset: string }>(path.join(runDir(runId), 'config.json')).dataset,
      classes: state.classNames,
      createdAt: new Date().toISOString(),
      val: scoreOf(mine.val),
      test: scoreOf(mine.test),
      parts: partScores
    }
    writeJsonAtomicSync(path.join(tmp, COMBINED_FILE), combined)
    if (fs.existsSync(target)) deleteDirAtomically(target)
    fs.renameSync(tmp, target)
    return combined
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw err
  }
}

/** Predictions kept with an averaged model. */
export const averagedPredictions = (dir: string, split: string) => readPredictionDir(path.join(dir, 'predictions'), split)
