// When is a validation curve too noisy to read? With few clips, one clip moves mAP by several points;
// with fewer than a handful of positives a class's AP jumps between a few values.
import type { DatasetFile } from '@shared/api'

const MIN_VAL_CLIPS = 50
const MIN_VAL_POSITIVES = 5
/** Share of classes below MIN_VAL_POSITIVES from which the warning is given. */
const MAX_THIN_SHARE = 0.25

/** Validation positives per class, from the dataset's files. */
export function valPositives(files: DatasetFile[], classNames: string[], split: DatasetFile['split'] = 'val'): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]))
  for (const f of files) if (f.split === split) for (const l of f.labels) if (l in counts) counts[l]++
  return counts
}

/** A warning sentence, or null when the split is big enough. */
export function validationWarning(valClips: number, positives?: Record<string, number>): string | null {
  const parts: string[] = []
  if (valClips < MIN_VAL_CLIPS) parts.push(`only ${valClips} validation clip${valClips === 1 ? '' : 's'} (fewer than ${MIN_VAL_CLIPS})`)
  if (positives) {
    const classes = Object.keys(positives)
    const thin = classes.filter((c) => positives[c] < MIN_VAL_POSITIVES)
    if (classes.length > 0 && thin.length / classes.length > MAX_THIN_SHARE) {
      parts.push(`${thin.length} of ${classes.length} classes have fewer than ${MIN_VAL_POSITIVES} validation positives`)
    }
  }
  return parts.length ? `Validation split is small: ${parts.join('; ')}. Its curves move a lot from chance alone — read differences with care.` : null
}
