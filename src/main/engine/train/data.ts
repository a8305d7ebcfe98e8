// What the trainer feeds the model: the clips of each split with their targets, and batches built as
// AST's dataloader builds them: (waveform mixup) → fbank → pad/cut → SpecAugment → normalise. Raw
// fbanks come from the AUDIO feature cache and are kept in memory within a budget, so later epochs
// read no files at all for a dataset of a few thousand clips.
import path from 'node:path'
import type { DatasetRecord, SplitName } from '../../../shared/types'
import { applyTestFold } from '../data/record'
import { frameTargets, smoothFrameTargets } from '../data/frames'
import { loadCachedFeature, loadCachedWindow, type FeatureSettings } from '../audio/cache'
import { loadMono } from '../audio/decode'
import { astFbank, type Fbank } from '../audio/fbank'
import { normalize, padOrCut } from '../audio/features'
import { mixWaves, sampleMixLambda, specAugment } from '../audio/augment'
import type { Rng } from '../util/rng'
import type { FeatureNorm } from './model'

export interface ClipSet {
  split: SplitName
  /** Paths relative to the dataset root (the record's own keys). */
  files: string[]
  /** Absolute paths, for decoding and the feature cache. */
  paths: string[]
  /** Class indices per clip. */
  labels: number[][]
  /** Multi-hot targets, row-major [n, classes]. */
  targets: Float32Array
  n: number
}

function makeSet(split: SplitName, record: DatasetRecord, files: { path: string; labels: string[] }[]): ClipSet {
  const C = record.classNames.length
  const index = new Map(record.classNames.map((c, i) => [c, i]))
  const labels = files.map((f) => f.labels.map((l) => index.get(l)).filter((i): i is number => i !== undefined))
  const targets = new Float32Array(files.length * C)
  labels.forEach((ls, i) => ls.forEach((c) => (targets[i * C + c] = 1)))
  return { split, files: files.map((f) => f.path), paths: files.map((f) => path.resolve(record.root, f.path)), labels, targets, n: files.length }
}

/** The train/val/test clips of a dataset; with a fold (ESC-50), that fold is the test split. */
export function clipSets(record: DatasetRecord, fold?: number): Record<SplitName, ClipSet> {
  const files = fold !== undefined && record.folds ? applyTestFold(record.files, fold) : record.files
  const of = (split: SplitName) => makeSet(split, record, files.filter((f) => f.split === split))
  return { train: of('train'), val: of('val'), test: of('test') }
}

/** The set without the clips whose audio could not be read (absolute paths in `bad`). */
export function withoutFiles(set: ClipSet, bad: Set<string>): ClipSet {
  if (![...set.paths].some((p) => bad.has(p))) return set
  const C = set.n > 0 ? set.targets.length / set.n : 0
  const keep = set.paths.map((p, i) => (bad.has(p) ? -1 : i)).filter((i) => i >= 0)
  const targets = new Float32Array(keep.length * C)
  keep.forEach((i, k) => targets.set(set.targets.subarray(i * C, (i + 1) * C), k * C))
  return { split: set.split, files: keep.map((i) => set.files[i]), paths: keep.map((i) => set.paths[i]), labels: keep.map((i) => set.labels[i]), targets, n: keep.length }
}

export interface FeatureSource {
  /** The raw (unpadded, unnormalised) fbank of a file. */
  get(file: string): Promise<Fbank>
  /** Frames [start, start + length) of it (fewer at its end); without it, get() and a slice. */
  window?(file: string, start: number, length: number): Promise<Fbank>
}

/** A window of a file's fbank from a source: its own window() when it has one, else a slice of get(). */
export async function sourceWindow(source: FeatureSource, file: string, start: number, length: number): Promise<Fbank> {
  if (source.window) return source.window(file, start, length)
  return sliceFbank(await source.get(file), start, length)
}

function sliceFbank(fb: Fbank, start: number, length: number): Fbank {
  const from = Math.min(Math.max(0, start), fb.frames)
  const frames = Math.max(0, Math.min(fb.frames, from + length) - from)
  return { data: fb.data.subarray(from * fb.melBins, (from + frames) * fb.melBins), frames, melBins: fb.melBins }
}

/** Raw fbanks from the feature cache, held in memory until `budgetBytes` are in use; beyond it, read from disk each time. */
export function featureSource(settings: FeatureSettings, budgetBytes = 768 * 2 ** 20): FeatureSource {
  const held = new Map<string, Fbank>()
  let bytes = 0
  return {
    async get(file) {
      const hit = held.get(file)
      if (hit) return hit
      const fb = await loadCachedFeature(file, settings)
      if (bytes + fb.data.byteLength <= budgetBytes) {
        held.set(file, fb)
        bytes += fb.data.byteLength
      }
      return fb
    },
    // Windows of files held in memory are slices; others are read from the cache entry's byte range,
    // so a long recording that does not fit the budget is never read (or decoded) whole per window.
    async window(file, start, length) {
      const hit = held.get(file)
      if (hit) return sliceFbank(hit, start, length)
      if (bytes < budgetBytes) return sliceFbank(await this.get(file), start, length)
      return loadCachedWindow(file, settings, start, length)
    }
  }
}

/** How a clip becomes a model input, and what frame targets the model's frame output needs. */
export interface InputSpec {
  settings: FeatureSettings
  targetLength: number
  norm: FeatureNorm | null
  /** The model's frame output (steps over the clip and steps per second), when it has one. */
  frames: { count: number; rate: number } | null
  /** Whether the loss includes the frame term (a frame head trained on strong labels). */
  frameLoss: boolean
  /** Soft frame targets for training windows: labels spread over ±k frames (smoothFrameTargets). */
  frameSmoothing?: number
}

/** Training-time augmentation; every draw comes from `rng`, whose state a checkpoint keeps. */
export interface Augmentation {
  rng: Rng
  freqm: number
  timem: number
  /** Probability of mixing a clip with a random other one (AST: waveforms, λ ~ Beta(10, 10)). */
  mixup: number
}

export interface Batch {
  size: number
  /** [size, targetLength, melBins] model input. */
  x: Float32Array
  /** [size, classes] targets (soft after mixup). */
  y: Float32Array
  /** [size, frames, classes] frame targets and [size, frames] mask (1 = real audio), for frame outputs. */
  frameY?: Float32Array
  frameMask?: Float32Array
}

interface Clip {
  fb: Fbank
  y: Float32Array
  frameY?: Float32Array
}

function frameInfo(record: DatasetRecord, set: ClipSet, i: number, frames: NonNullable<InputSpec['frames']>): Float32Array {
  return frameTargets(record, set.files[i], frames.rate, frames.count)
}

async function mixedClip(set: ClipSet, i: number, spec: InputSpec, record: DatasetRecord, aug: Augmentation): Promise<Clip> {
  const C = set.targets.length / set.n
  const j = aug.rng.int(set.n)
  const lambda = sampleMixLambda(aug.rng)
  const [a, b] = await Promise.all([loadMono(set.paths[i], spec.settings.sampleRate), loadMono(set.paths[j], spec.settings.sampleRate)])
  const fb = astFbank(mixWaves(a, b, lambda), spec.settings.melBins, spec.settings.sampleRate)
  const mix = (p: Float32Array, q: Float32Array) => p.map((v, k) => lambda * v + (1 - lambda) * q[k])
  const y = mix(set.targets.subarray(i * C, (i + 1) * C), set.targets.subarray(j * C, (j + 1) * C))
  const clip: Clip = { fb, y }
  if (spec.frames) clip.frameY = mix(frameInfo(record, set, i, spec.frames), frameInfo(record, set, j, spec.frames))
  return clip
}

/** Feature frames per second (the fbank's 10 ms hop): window starts are in these frames. */
export const FEATURE_FRAME_RATE = 100

/**
 * Window [start, start + targetLength) of clip i: its fbank frames, and frame targets cut to the same
 * span. Its clip target is whether each class is present in the window (max over its frame targets),
 * not in the whole recording.
 */
async function windowClip(set: ClipSet, i: number, start: number, source: FeatureSource, spec: InputSpec, record: DatasetRecord): Promise<Clip> {
  const C = record.classNames.length
  const fb = await sourceWindow(source, set.paths[i], start, spec.targetLength)
  if (!spec.frames) return { fb, y: set.targets.subarray(i * C, (i + 1) * C) }
  const { rate, count } = spec.frames
  const k = spec.frameSmoothing ?? 0
  // Smoothing looks k frames past each edge of the window, so a mark just outside it still leaks in.
  const wide = frameTargets(record, set.files[i], rate, count + 2 * k, start / FEATURE_FRAME_RATE - k / rate)
  const frameY = k > 0 ? smoothFrameTargets(wide, count + 2 * k, C, k).slice(k * C, (k + count) * C) : wide
  const y = new Float32Array(C)
  for (let t = 0; t < spec.frames.count; t++) for (let c = 0; c < C; c++) y[c] = Math.max(y[c], frameY[t * C + c])
  return { fb, y, frameY }
}

/**
 * The batch of clips `indices` of `set` (with `starts`: the windows starting at those fbank frames,
 * one per index; mixup does not apply to windows). With `aug` (training only): mixup, then SpecAugment on the
 * padded fbank before normalising, as AST does. Draws happen in clip order, so a batch is the same
 * for the same rng state.
 */
export async function buildBatch(
  set: ClipSet,
  indices: ArrayLike<number>,
  source: FeatureSource,
  spec: InputSpec,
  record: DatasetRecord,
  aug: Augmentation | null,
  starts?: ArrayLike<number>
): Promise<Batch> {
  const B = indices.length
  const T = spec.targetLength
  const F = spec.settings.melBins
  const C = record.classNames.length
  const batch: Batch = { size: B, x: new Float32Array(B * T * F), y: new Float32Array(B * C) }
  if (spec.frames) {
    batch.frameY = new Float32Array(B * spec.frames.count * C)
    batch.frameMask = new Float32Array(B * spec.frames.count)
  }
  for (let k = 0; k < B; k++) {
    const i = indices[k]
    let clip: Clip
    if (starts) clip = await windowClip(set, i, starts[k], source, spec, record)
    else if (aug && aug.mixup > 0 && aug.rng.next() < aug.mixup) clip = await mixedClip(set, i, spec, record, aug)
    else {
      clip = { fb: await source.get(set.paths[i]), y: set.targets.subarray(i * C, (i + 1) * C) }
      if (spec.frames) clip.frameY = frameInfo(record, set, i, spec.frames)
    }
    if (clip.fb.melBins !== F) throw new Error(`${set.paths[i]}: features have ${clip.fb.melBins} mel bins, the model expects ${F}`)
    let x = padOrCut(clip.fb.data, clip.fb.frames, F, T)
    if (aug && (aug.freqm > 0 || aug.timem > 0)) specAugment(x, T, F, aug.freqm, aug.timem, aug.rng)
    if (spec.norm) x = normalize(x, spec.norm.mean, spec.norm.std)
    batch.x.set(x, k * T * F)
    batch.y.set(clip.y, k * C)
    if (spec.frames && clip.frameY) {
      const n = spec.frames.count
      batch.frameY!.set(clip.frameY, k * n * C)
      // Steps that cover real audio (not the zero padding after a short clip).
      const real = Math.min(n, Math.ceil((Math.min(clip.fb.frames, T) * n) / T))
      batch.frameMask!.fill(1, k * n, k * n + real)
    }
  }
  return batch
}
