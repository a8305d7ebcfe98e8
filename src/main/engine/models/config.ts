// Model configurations. One resolved config travels with a model everywhere: it is written into
// every checkpoint's config.json, read by the trainer and by the ONNX exporter. Each model kind
// defines its own config in its folder (models/<kind>/config.ts, extending ModelConfigBase with its
// kind); ModelConfig is the union of the configs of the kinds in the registry, so adding a kind
// there adds its config here.
import type { MODEL_KINDS } from './registry'
import type { ModelKindDef } from './kind'

/** Fields every model kind shares: what goes in (features) and what comes out (classes). */
export interface ModelConfigBase {
  /** The registry's id of the model kind (models/registry.ts); each kind's config narrows it to its literal. */
  kind: string
  numClasses: number
  /** Class names, index = logit column. */
  labels: string[]
  /** Mel bins F of the input [B, T, F]. */
  melBins: number
  /** Frames T of the input after pad/cut. */
  targetLength: number
  /** Sample rate the features are computed at. */
  sampleRate: number
  /** Train only the classification head. */
  frozen: boolean
  /** Dropout rate (timm drop_rate: after the position embedding, attention projection and MLP). */
  dropout: number
  /** Stochastic depth: the rate grows linearly from 0 in the first block to this in the last. */
  dropPath: number
  /** Frame-level head (models/frameHead.ts); frameRate is its output frames per second. */
  frameHead?: { frameRate: number }
}

/** The config of one registered kind. */
type ConfigOf<D> = D extends ModelKindDef<infer C> ? C : never

/** Any registered model kind's config, discriminated by `kind`. */
export type ModelConfig = ConfigOf<(typeof MODEL_KINDS)[number]>

/** The id of a registered model kind ('ast', 'htsat', 'crnn', …). */
export type ModelKindId = ModelConfig['kind']

/** A kind's config input: any of its fields but the kind; its makeConfig fills in the rest. */
export type ConfigInput<C extends ModelConfigBase> = Partial<Omit<C, 'kind'>>

/** The defaults of the shared fields that differ by kind. */
export interface CommonDefaults {
  numClasses: number
  melBins: number
  targetLength: number
  dropPath: number
}

/**
 * The ModelConfigBase fields of a kind's config, from its input and the kind's defaults (every kind
 * reads and checks them the same way): labels default to class_0..class_{C-1}, and labels that
 * disagree with numClasses are an Error naming the kind (`name`, as in 'AST config: …').
 */
export function commonConfig(input: ConfigInput<ModelConfigBase>, name: string, d: CommonDefaults): Omit<ModelConfigBase, 'kind'> {
  const labels = input.labels ?? Array.from({ length: input.numClasses ?? d.numClasses }, (_, i) => `class_${i}`)
  const numClasses = input.numClasses ?? labels.length
  if (labels.length !== numClasses) throw new Error(`${name} config: ${labels.length} labels for ${numClasses} classes`)
  return {
    melBins: input.melBins ?? d.melBins,
    targetLength: input.targetLength ?? d.targetLength,
    sampleRate: input.sampleRate ?? 16000,
    numClasses,
    labels,
    frozen: input.frozen ?? false,
    dropout: input.dropout ?? 0,
    dropPath: input.dropPath ?? d.dropPath,
    ...(input.frameHead ? { frameHead: input.frameHead } : {})
  }
}
