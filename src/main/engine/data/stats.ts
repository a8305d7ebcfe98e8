// Dataset statistics shown on import and in the Datasets page: how many clips each class has, how
// many labels a clip carries, how unbalanced the classes are, how long the clips are, the split sizes
// and, with strong labels, how sparse the frame targets are.
import type { DatasetFile, DatasetStats, SplitName, StrongEvent } from '../../../shared/types'
import { frameSparsity } from './frames'

const DURATION_BINS = 10

export function computeStats(files: DatasetFile[], classNames: string[], events: StrongEvent[] | undefined, frameRate: number): DatasetStats {
  // A Map, not an object, so that a class called "constructor" counts like any other.
  const perClass = new Map(classNames.map((c) => [c, 0]))
  const cardinality = new Map<number, number>()
  const splitSizes: Record<SplitName, number> = { train: 0, val: 0, test: 0 }
  let labelSum = 0
  for (const f of files) {
    for (const l of f.labels) {
      const n = perClass.get(l)
      if (n !== undefined) perClass.set(l, n + 1)
    }
    cardinality.set(f.labels.length, (cardinality.get(f.labels.length) ?? 0) + 1)
    splitSizes[f.split]++
    labelSum += f.labels.length
  }
  // Classes without clips are left out of the ratio (it would be infinite); they show as 0 above.
  const present = [...perClass.values()].filter((n) => n > 0)
  const stats: DatasetStats = {
    clipsPerClass: Object.fromEntries(perClass),
    labelCardinality: files.length ? labelSum / files.length : 0,
    cardinalityHistogram: [...cardinality].sort((a, b) => a[0] - b[0]).map(([labels, clips]) => ({ labels, clips })),
    imbalanceRatio: present.length ? Math.max(...present) / Math.min(...present) : 0,
    durationHistogram: durationHistogram(files.map((f) => f.durationS).filter((d): d is number => d !== null)),
    splitSizes
  }
  const sparsity = events ? frameSparsity(files, events, classNames, frameRate) : undefined
  if (sparsity !== undefined) stats.frameSparsity = sparsity
  return stats
}

/** Equal-width bins from the shortest to the longest clip; one bin when all clips are equally long. */
function durationHistogram(durations: number[]): DatasetStats['durationHistogram'] {
  if (durations.length === 0) return []
  let lo = Infinity
  let hi = -Infinity
  for (const d of durations) {
    lo = Math.min(lo, d)
    hi = Math.max(hi, d)
  }
  if (hi - lo < 1e-3) return [{ fromS: lo, toS: hi, clips: durations.length }]
  const width = (hi - lo) / DURATION_BINS
  const counts = new Array<number>(DURATION_BINS).fill(0)
  for (const d of durations) counts[Math.min(DURATION_BINS - 1, Math.floor((d - lo) / width))]++
  return counts.map((clips, i) => ({ fromS: lo + i * width, toS: i === DURATION_BINS - 1 ? hi : lo + (i + 1) * width, clips }))
}
