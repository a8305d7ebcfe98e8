// The embedding map: every clip of a dataset (an even sample of a large one) through a model, its
// pooled embedding projected to 2-D with UMAP (umap-js, seeded), with the clip's split, labels and —
// when the model's labels are the dataset's classes — its top class and whether that is right.
// A run's map is kept in its folder; a map from a pretrained model under dataDir()/maps/.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { UMAP } from 'umap-js'
import type { EmbeddingMap, EmbeddingPoint, SplitName } from '../../../shared/types'
import { extractFeatures } from '../audio/cache'
import { loadDataset } from '../data/record'
import { readJsonSync, writeJsonAtomicSync } from '../io/fsutil'
import { resolveModel } from '../infer/modelRef'
import { predictAll } from '../models/predict'
import { dataDir } from '../platform/paths'
import { progressTracker, type ProgressSink } from '../control/progress'
import { makeRng } from '../util/rng'
import { runDir } from '../runs/store'
import { buildBatch, clipSets, featureSource, withoutFiles, type ClipSet, type InputSpec } from '../train/data'
import { inputNorm } from '../train/model'

/** Beyond this many clips the map holds an even, seeded sample: UMAP and the chart stay quick. */
export const MAX_POINTS = 3000
const BATCH = 8

export interface EmbeddingMapRequest {
  model: string
  dataset: string
  seed?: number
}

/** Where a map is kept: the run's folder for a run id, else maps/<dataset>-<hash of the model path>.json. */
export function embeddingMapFile(model: string, dataset: string): string {
  const m = model.trim()
  if (fs.existsSync(path.join(safeRunDir(m) ?? '\0', 'run.json'))) return path.join(runDir(m), 'embedding-map', `${dataset}.json`)
  const key = crypto.createHash('sha256').update(path.resolve(m)).digest('hex').slice(0, 16)
  if (!/^[A-Za-z0-9._-]+$/.test(dataset)) throw new Error(`Invalid dataset id: ${JSON.stringify(dataset)}`)
  return path.join(dataDir(), 'maps', `${dataset}-${key}.json`)
}

function safeRunDir(id: string): string | null {
  try {
    return runDir(id)
  } catch {
    return null
  }
}

export function readEmbeddingMap(model: string, dataset: string): EmbeddingMap | null {
  const file = embeddingMapFile(model, dataset)
  return fs.existsSync(file) ? readJsonSync<EmbeddingMap>(file) : null
}

/** UMAP to 2-D; fewer than 3 points need no projection (a line). */
export function project(vectors: number[][], seed: number): number[][] {
  const n = vectors.length
  if (n < 3) return vectors.map((_, i) => [i, 0])
  const rng = makeRng(seed)
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, n - 1), minDist: 0.1, random: () => rng.next() })
  return umap.fit(vectors)
}

/** Every clip of the three splits, in split order; an even sample (seeded) past MAX_POINTS. */
function mapClips(sets: Record<SplitName, ClipSet>, seed: number): { set: ClipSet; splits: SplitName[]; left: string[] } {
  const all = (['train', 'val', 'test'] as const).flatMap((s) => sets[s].files.map((_, i) => ({ s, i })))
  let keep = all
  let left: typeof all = []
  if (all.length > MAX_POINTS) {
    const rng = makeRng(seed)
    const order = all.map((x) => ({ x, r: rng.next() })).sort((a, b) => a.r - b.r)
    keep = order.slice(0, MAX_POINTS).map((o) => o.x)
    left = order.slice(MAX_POINTS).map((o) => o.x)
  }
  const C = sets.train.n > 0 ? sets.train.targets.length / sets.train.n : sets.val.n > 0 ? sets.val.targets.length / sets.val.n : sets.test.targets.length / Math.max(1, sets.test.n)
  const targets = new Float32Array(keep.length * C)
  keep.forEach(({ s, i }, k) => targets.set(sets[s].targets.subarray(i * C, (i + 1) * C), k * C))
  const set: ClipSet = {
    split: 'train',
    files: keep.map(({ s, i }) => sets[s].files[i]),
    paths: keep.map(({ s, i }) => sets[s].paths[i]),
    labels: keep.map(({ s, i }) => sets[s].labels[i]),
    targets,
    n: keep.length
  }
  return { set, splits: keep.map((k) => k.s), left: left.map(({ s, i }) => sets[s].files[i]) }
}

/** Computes the map (features through the cache, embeddings, UMAP) and keeps it; see embeddingMapFile. */
export async function computeEmbeddingMap(req: EmbeddingMapRequest, opts: { onProgress?: ProgressSink; signal?: AbortSignal } = {}): Promise<EmbeddingMap> {
  const seed = req.seed ?? 0
  const record = loadDataset(req.dataset)
  const resolved = resolveModel(req.model.trim())
  if (!resolved.loadModel) throw new Error(`${req.model}: an embedding map needs a run, a checkpoint folder or a Hugging Face AST folder (an .onnx file gives no embeddings)`)
  const model = await resolved.loadModel()
  try {
    const c = model.config
    const settings = { sampleRate: 16000, melBins: c.melBins }
    let { set, splits, left } = mapClips(clipSets(record), seed)
    const skipped: EmbeddingMap['skipped'] = left.map((file) => ({ file, reason: `beyond the ${MAX_POINTS}-point sample` }))
    const extracted = await extractFeatures(set.paths, settings, { onProgress: opts.onProgress, signal: opts.signal, threads: Math.max(1, os.availableParallelism() - 1) })
    if (extracted.errors.length > 0) {
      const bad = new Set(extracted.errors.map((e) => e.file))
      for (const e of extracted.errors) skipped.push({ file: path.relative(record.root, e.file), reason: e.message })
      const keepIdx = set.paths.map((p, i) => (bad.has(p) ? -1 : i)).filter((i) => i >= 0)
      splits = keepIdx.map((i) => splits[i])
      set = withoutFiles(set, bad)
    }
    if (set.n === 0) throw new Error(`Dataset ${record.name} has no readable clips to map`)
    const spec: InputSpec = { settings, targetLength: c.targetLength, norm: inputNorm(c), frames: null, frameLoss: false }
    const source = featureSource(settings)
    const tracker = progressTracker(`Embedding ${record.name}`, set.n, 'clips', opts.onProgress ?? (() => {}))
    const vectors: number[][] = []
    const logits: Float32Array[] = []
    let dim = 0
    for (let from = 0; from < set.n; from += BATCH) {
      if (opts.signal?.aborted) throw new Error('Embedding map cancelled')
      const idx = Array.from({ length: Math.min(BATCH, set.n - from) }, (_, k) => from + k)
      const batch = await buildBatch(set, idx, source, spec, record, null)
      const out = predictAll(model, batch.x, batch.size, BATCH)
      dim = out.dim
      for (let k = 0; k < batch.size; k++) {
        vectors.push(Array.from(out.embedding.subarray(k * dim, (k + 1) * dim)))
        logits.push(out.logits.subarray(k * out.classes, (k + 1) * out.classes))
      }
      tracker.update(from + batch.size, set.n, from + batch.size === set.n)
    }
    opts.onProgress?.({ label: `Projecting ${set.n} clips with UMAP`, done: 0, total: 1, unit: 'maps', rate: 0, etaS: null })
    const xy = project(vectors, seed)
    // Outcomes only when the model scores the dataset's own classes, in the same order.
    const sameClasses = c.labels.length === record.classNames.length && c.labels.every((l, i) => l === record.classNames[i])
    const softmax = resolved.meta.activation === 'softmax'
    const multi = record.multiLabel
    const points: EmbeddingPoint[] = set.files.map((file, i) => {
      const labels = set.labels[i].map((k) => record.classNames[k])
      let predicted: string | null = null
      let correct: boolean | null = null
      if (sameClasses) {
        const l = logits[i]
        let top = 0
        for (let k = 1; k < l.length; k++) if (l[k] > l[top]) top = k
        predicted = record.classNames[top]
        if (!multi || softmax) correct = set.labels[i].includes(top)
        // Multi-label: right when every class's sigmoid is on the correct side of 0.5 (logit 0).
        else correct = l.every((v, k) => v > 0 === set.labels[i].includes(k))
      }
      return { file, split: splits[i], labels, x: xy[i][0], y: xy[i][1], predicted, correct }
    })
    const map: EmbeddingMap = {
      model: req.model.trim(),
      description: resolved.description,
      dataset: record.id,
      datasetName: record.name,
      classes: record.classNames,
      dim,
      createdAt: new Date().toISOString(),
      points,
      skipped,
      totalClips: record.files.length
    }
    writeJsonAtomicSync(embeddingMapFile(req.model, record.id), map)
    return map
  } finally {
    model.dispose()
  }
}
