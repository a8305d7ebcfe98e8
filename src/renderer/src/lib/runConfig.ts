// Run configs as flat key → value rows: for table columns, grouping and the "only what differs" diff.
import { FIELDS, type PartialRunConfig, type Pretraining } from '@shared/api'

export type FlatValue = string | number | boolean | null

function pretrainingLabel(p: Pretraining | undefined): string {
  if (!p) return 'none'
  switch (p.kind) {
    case 'none':
      return 'none'
    case 'imagenet':
      return `ImageNet DeiT (${basename(p.path)})`
    case 'audioset':
      return `AudioSet AST (${basename(p.path)})`
    case 'run':
      return `run ${p.runId}`
  }
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean)
  return parts[parts.length - 1] ?? p
}

/** Keys that describe the run but never the experiment's question. */
const NOT_CONFIG = new Set(['name', 'threads'])

export function flattenConfig(c: PartialRunConfig): Record<string, FlatValue> {
  const out: Record<string, FlatValue> = {}
  for (const [k, v] of Object.entries(c)) {
    if (NOT_CONFIG.has(k) || v === undefined) continue
    out[k] = k === 'pretrained' ? pretrainingLabel(v as Pretraining) : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as FlatValue)
  }
  return out
}

/** The keys whose value is not the same in every config (a key missing in some counts as differing). */
export function differingKeys(configs: Record<string, FlatValue>[]): string[] {
  if (configs.length < 2) return []
  const keys = new Set(configs.flatMap((c) => Object.keys(c)))
  return [...keys].filter((k) => configs.some((c) => c[k] !== configs[0][k])).sort()
}

/** Every key any of the configs has, in a stable order: the usual ones first (the field table's `column` ranks), then by name. */
const ORDER = FIELDS.filter((f) => f.column !== undefined)
  .sort((a, b) => a.column! - b.column!)
  .map((f) => f.key as string)
/** The runs table's columns when it does not show only what differs (the table's `standard` fields). */
export const STANDARD_COLUMNS = FIELDS.filter((f) => f.standard).map((f) => f.key as string)
export function configKeys(configs: Record<string, FlatValue>[]): string[] {
  const keys = new Set(configs.flatMap((c) => Object.keys(c)))
  const rank = (k: string): number => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length)
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}
