// What a model kind is to the rest of the app: one descriptor per kind, registered in ./registry.ts.
// Each kind's folder (models/<kind>/) builds its descriptor in its index.ts from its own config,
// tfjs model, cost count and ONNX graph builder; the trainer, the estimate, the ONNX export, the ORT
// engine's coverage, the service's model choices, the CLI's --model values and the experiment form
// read kinds only through the registry, never by name.
import type { ModelSize, Pretraining, RunConfig } from '../../../shared/types'
import type { GraphBuilder, WeightSource } from '../infer/onnxGraph'
import type { ModelConfigBase } from './config'
import type { TagModel } from './types'

/** Feature normalisation (x - mean) / (2 · std). */
export type FeatureNorm = { mean: number; std: number }

/** The model fields a run decides for every kind (train/model.ts fills them from the run config). */
export interface CommonModelInput {
  size: ModelSize
  melBins?: number
  targetLength?: number
  labels: string[]
  frozen: boolean
  dropout: number
  dropPath: number
  frameHead?: { frameRate: number }
}

/** A config's size and cost, as train/estimate.ts reports them (it adds the seconds per epoch). */
/** The fields of a resolved run config that a model's cost depends on (train/estimate.ts). */
export type CostConfig = Pick<RunConfig, 'model' | 'size' | 'depth' | 'fstride' | 'tstride' | 'melBins' | 'targetLength' | 'frozen'> & Partial<Pick<RunConfig, 'frameHead' | 'frameRate'>>

export interface ModelCounts {
  /** The model's input grid: patch rows × columns for transformers, feature × time steps otherwise. */
  fDim: number
  tDim: number
  tokens: number
  params: number
  /** Forward GFLOPs per clip. */
  gflopsPerClip: number
}

/** The pretrained starts that are files in one kind's own format (a DeiT file, a Hugging Face AST folder). */
export type FileStart = Extract<Pretraining, { path: string }>

/** A run's choices for a model started from pretrained weights: new labels mean a new head. */
export interface FinetuneOptions {
  /** New class names: the head is replaced (newly initialised). Omit to keep the checkpoint's head. */
  labels?: string[]
  /** Frames per clip; the position grid is cropped or interpolated to the new patch grid. */
  targetLength?: number
  fstride?: number
  tstride?: number
  /** Keep only the first `depth` blocks. */
  depth?: number
  frozen?: boolean
  dropout?: number
  dropPath?: number
  /** Add a frame head (newly initialised) with this output rate; a checkpoint's own frame head is kept otherwise. */
  frameHead?: { frameRate: number }
  /** Seed of the new head's initialisation and of dropout. */
  seed?: number
}

/**
 * How a kind reads one kind of file start (train/model.ts calls it; 'run' starts, an earlier run's
 * checkpoint, are every kind's and stay there). `path` is the start's file or folder.
 */
export interface StartImporter<C extends ModelConfigBase = ModelConfigBase> {
  /** The model config the files bring (feature settings, normalisation), or null when they bring none (ImageNet weights). */
  config(path: string): C | null
  /**
   * The checks made before a run is created (read the weights, map their names), so that a bad file
   * is refused at once rather than leaving a failed run behind. `size` is the run's width.
   */
  check(path: string, size: ModelSize): void
  /** The run's model: `o` holds the run's choices; `scratch()` is its config from scratch, for starts that bring none. */
  build(path: string, o: FinetuneOptions, scratch: () => C): TagModel
}

/** Names of the graph values an ONNX builder produced. */
export interface OnnxOutputs {
  logits: string
  embedding: string
  /** [B, frames, C], present exactly when frameOutput(config) is not null. */
  frameLogits?: string
}

export interface ModelKindDef<C extends ModelConfigBase = ModelConfigBase> {
  /** Id in configs, checkpoints, run configs, the API and the CLI ('ast'); also the prefix of its choice ids ('ast-tiny'). */
  kind: C['kind']
  /** Display name ('AST'). */
  label: string
  /** What the kind is for, shown after its name in lists ('frame tasks'), if anything. */
  note?: string
  /** Each width in a few words ('DeiT-tiny width 192, 3 heads'). */
  sizes: Record<ModelSize, string>
  /** Pretrained starts the kind accepts besides scratch. */
  starts: Exclude<Pretraining['kind'], 'none'>[]
  /**
   * The importer of each file start in `starts` ('run' needs none). Each file start kind has one
   * format, so at most one kind reads it (the registry test holds both).
   */
  importers?: Partial<Record<FileStart['kind'], StartImporter<C>>>
  /**
   * 'split': features are normalised with a mean and std the run computes from its training split
   * (or its pretrained start brings); 'model': the model normalises its own input (HTS-AT's bn0).
   */
  inputNorm: 'split' | 'model'
  /** Whether the model has a frame output of its own, without a frame head (nativeFrames is not null). */
  framewise: boolean
  /** A frame task from scratch with no model named trains this kind (at most one kind says so). */
  frameDefault?: boolean
  /**
   * Run-config defaults that differ for this kind (train/config.ts applies them when the run gives
   * none): learning rate, drop-path, mel bins of a clip task (frame tasks take 64), and the longest
   * input the model takes (longer clips are cut).
   */
  defaults?: { lr?: number; dropPath?: number; melBins?: number; maxTargetLength?: number }
  /**
   * The model's frame output has steps of its own whatever the input length (HTS-AT resizes every
   * input to its image), so a frame task's window is not rounded to whole label frames.
   */
  fixedFrameSteps?: boolean
  /** Why the ORT training engine cannot train this kind yet (what `auto` says), or null when it can. */
  ortGap: string | null
  /** The config of a run built from scratch (or around ImageNet weights); norm is set when inputNorm is 'split'. */
  makeConfig(run: RunConfig, common: CommonModelInput, norm: FeatureNorm | null): C
  /** A freshly initialised tfjs model (seeded). */
  create(config: C, seed: number): TagModel
  /** Parameter count and forward cost of the model a complete run config builds, with `classes` classes. */
  cost(run: CostConfig, classes: number): ModelCounts
  /** Steps of the model's own frame output, or null when it has none without a frame head. */
  nativeFrames(config: C): number | null
  /** Width of the pooled embedding output. */
  embeddingDim(config: C): number
  /**
   * The model as an ONNX graph from `fbank` [B, T, F] (normalised when inputNorm is 'split').
   * `headFrames`: the frame steps config.frameHead asks for, null without a frame head.
   */
  buildOnnx(g: GraphBuilder, fbank: string, config: C, w: WeightSource, headFrames: number | null): OnnxOutputs
}
