// The model registry: every model kind Tagbench trains (its folder's descriptor, models/kind.ts:
// an import and an entry in MODEL_KINDS), in the order lists show them. Everything that differs by kind reads it from here:
// the trainer's model construction, the estimate, the ONNX export, the ORT engine's coverage, the
// service's model choices (and through them the experiment form), the CLI's --model values.
// Adding a kind: ARCHITECTURE.md, "Model kinds: the registry".
import type { ModelChoice, ModelSize } from '../../../shared/types'
import type { ModelConfig } from './config'
import type { FileStart, ModelKindDef, StartImporter } from './kind'
import { ast } from './ast'
import { htsat } from './htsat'
import { crnn } from './crnn'

export const MODEL_KINDS = [ast, htsat, crnn] as const

/** Widths every kind comes in, in list order. */
export const MODEL_SIZES: readonly ModelSize[] = ['tiny', 'small', 'base']

/** Ids of the registered kinds, in list order. */
export const modelKindIds = (): string[] => MODEL_KINDS.map((k) => k.kind)

/**
 * The descriptor of a kind; an Error naming the registered ones otherwise. Typed over the config
 * union: each descriptor's methods take its own kind's config, which the registry pairs by `kind`.
 */
export function modelKind(kind: string): ModelKindDef<ModelConfig> {
  const def = MODEL_KINDS.find((k) => k.kind === kind)
  if (!def) throw new Error(`unknown model '${kind}' (${modelKindIds().join(', ')})`)
  return def as unknown as ModelKindDef<ModelConfig>
}

/**
 * The importer of a file start, whichever kind's it is: each file start kind has one format, read by
 * the one kind whose descriptor has its importer (the start's files, not the run, say which kind).
 */
export function startImporter(start: FileStart['kind']): StartImporter<ModelConfig> {
  for (const id of modelKindIds()) {
    const importer = modelKind(id).importers?.[start]
    if (importer) return importer
  }
  throw new Error(`no model kind reads ${start} starts (${modelKindIds().join(', ')})`)
}

/** Display name of a kind with its note: 'CRNN (frame tasks)'. */
export const kindLabel = (d: Pick<ModelKindDef, 'label' | 'note'>): string => (d.note ? `${d.label} (${d.note})` : d.label)

/** Every kind at every width, as the service serves them (model.choices) and the CLI accepts them (--model). */
export function modelChoices(): ModelChoice[] {
  return MODEL_KINDS.flatMap((d) =>
    MODEL_SIZES.map((size) => ({
      id: `${d.kind}-${size}`,
      label: `${d.label} ${size} (${d.sizes[size]}${d.note ? `; ${d.note}` : ''})`,
      model: d.kind,
      size,
      kindLabel: kindLabel(d),
      sizeLabel: d.sizes[size],
      starts: [...d.starts],
      framewise: d.framewise,
      defaults: { ...(d.defaults?.lr !== undefined ? { lr: d.defaults.lr } : {}), ...(d.defaults?.dropPath !== undefined ? { dropPath: d.defaults.dropPath } : {}) },
      ...(d.frameDefault ? { frameDefault: true } : {})
    }))
  )
}
