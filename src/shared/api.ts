// The one contract between the UI and the engine. Both transports (Electron IPC through the preload,
// and the loopback WebSocket of server mode) carry exactly these requests, responses and events.
// Domain record types live in ./types and are re-exported here so that the renderer imports one file.

export * from './types'
export * from './curves'
export * from './runConfigFields'
export * from './recipe'
import type { RecipeChoice } from './recipe'
import type { CurveRequest, RunCurve } from './curves'
import type {
  AppInfo,
  DatasetRecord,
  DatasetSummary,
  DatasetImportRequest,
  DatasetLayout,
  SubsetRecipe,
  ClipPreview,
  DirListing,
  JobProgress,
  RunSummary,
  RunRecord,
  MetricEntry,
  RunConfigRequest,
  ExperimentSpec,
  ExperimentSummary,
  ExperimentPreset,
  CostEstimate,
  TagRequest,
  TagFileResult,
  ThresholdComparison,
  OnnxExportRequest,
  ModelChoice,
  CacheUsage,
  CacheRemoval,
  SlurmInfo,
  PredictionSplit,
  PrCurve,
  RunPredictions,
  ClipSelection,
  ClipSelectionResult,
  EmbeddingMap,
  CombinedModel,
  LiveFrame,
  LiveReady
} from './types'

/** Every request the UI can make: params in, result out. */
export interface ApiMethods {
  'app.info': { params: void; result: AppInfo }

  'fs.listDir': { params: { path?: string }; result: DirListing }

  /** Disk used by the feature cache, per feature setting. */
  'cache.usage': { params: void; result: CacheUsage }
  /** Delete every cached feature, or those of one setting (CacheSettingsUsage.name). Safe while runs train. */
  'cache.clear': { params: { settings?: string }; result: CacheRemoval }
  /** Delete the cached features no dataset can use any more (edited, moved or deleted audio, old versions). */
  'cache.prune': { params: void; result: CacheRemoval }

  'dataset.list': { params: void; result: DatasetSummary[] }
  /** The layout an import would use for this folder, before importing it (null with the reason when none fits). */
  'dataset.detect': { params: { folder: string }; result: { folder: string; layout: DatasetLayout | null; message: string } }
  'dataset.get': { params: { id: string }; result: DatasetRecord }
  'dataset.import': { params: DatasetImportRequest; result: { jobId: string } }
  'dataset.subset': { params: { parent: string; recipe: SubsetRecipe; name: string }; result: DatasetSummary }
  'dataset.delete': { params: { id: string }; result: { ok: true } }
  'dataset.clip': { params: { id: string; file: string }; result: ClipPreview }
  /** The same preview for any audio file (the Tag page's spectrogram). */
  'audio.preview': { params: { file: string }; result: ClipPreview }

  'job.list': { params: void; result: JobProgress[] }
  'job.cancel': { params: { jobId: string }; result: { ok: boolean } }

  'model.choices': { params: void; result: ModelChoice[] }
  'model.estimate': { params: RunConfigRequest; result: CostEstimate }
  /** The recipe's defaults for a (partial) config: each field's value and the rule, preset or field that set it. */
  'model.recipe': { params: RunConfigRequest; result: RecipeChoice[] }

  'run.list': { params: void; result: RunSummary[] }
  'run.get': { params: { id: string }; result: RunRecord }
  'run.metrics': { params: { id: string; since?: number }; result: MetricEntry[] }
  /** One metric's curves of many runs in one request, each downsampled to the plot's pixel columns (min/max per column). */
  'run.curves': { params: CurveRequest; result: RunCurve[] }
  'run.start': { params: RunConfigRequest; result: { runId: string; jobId: string } }
  'run.resume': { params: { id: string }; result: { jobId: string } }
  'run.cancel': { params: { id: string }; result: { ok: boolean } }
  'run.delete': { params: { id: string }; result: { ok: true } }
  'run.thresholds': { params: { id: string }; result: ThresholdComparison }
  'run.exportMetrics': { params: { id: string; format: 'csv' | 'json' | 'tensorboard' }; result: { path: string } }
  'run.exportOnnx': { params: OnnxExportRequest; result: { path: string; bytes: number } }
  /** The per-clip scores of a finished run's best checkpoint on a split (default test): what its metrics came from. */
  'run.predictions': { params: { id: string; split?: PredictionSplit }; result: RunPredictions }
  /** The precision-recall curve of a class, or the micro curve (classIndex null), on a split (default test), with its AP. */
  'run.prCurve': { params: { id: string; split?: PredictionSplit; classIndex: number | null }; result: PrCurve }
  /** The clips behind a number: a class's errors at the chosen thresholds, a confusion cell, a PR-curve point. */
  /** Average the weights of the run's last `last` kept epoch checkpoints and evaluate it (a job; result: the averaged model). */
  'run.average': { params: { id: string; last: number }; result: CombinedModel }
  /** The run's averaged models. */
  'run.averages': { params: { id: string }; result: CombinedModel[] }
  /** Ensemble runs or averaged models (folders) by the mean of their stored scores. */
  'ensemble.create': { params: { members: string[]; name?: string }; result: CombinedModel }
  'ensemble.list': { params: void; result: CombinedModel[] }
  'run.clips': { params: { id: string; split: PredictionSplit; selection: ClipSelection }; result: ClipSelectionResult }

  'experiment.presets': { params: void; result: ExperimentPreset[] }
  'experiment.start': { params: ExperimentSpec; result: ExperimentSummary }
  'experiment.list': { params: void; result: ExperimentSummary[] }
  /** Train an interrupted, cancelled or failed experiment's unfinished runs (queued start, the rest resume). */
  'experiment.resume': { params: { id: string }; result: ExperimentSummary }
  /** Stop an experiment's queue: its running run is cancelled (checkpointed) and its queued runs are not started (on Slurm: scancel its jobs). */
  'experiment.cancel': { params: { id: string }; result: { ok: boolean } }
  /** Delete an experiment that is not running; with `withRuns`, its runs too. */
  'experiment.delete': { params: { id: string; withRuns?: boolean }; result: { runsDeleted: number } }

  /** Whether experiments can go to Slurm from here (sbatch on the PATH), its partitions, and this data folder's saved options. */
  'slurm.info': { params: void; result: SlurmInfo }
  /** The end of a Slurm run's job output (the job's stdout or stderr file in the run folder). */
  'run.slurmLog': { params: { id: string; stream: 'stdout' | 'stderr' }; result: { path: string; text: string; exists: boolean } }
  /** Compute a dataset's embedding map with a model (a run id, a checkpoint folder or a Hugging Face AST folder), as a job. */
  'map.build': { params: { model: string; dataset: string }; result: { jobId: string } }
  /** The stored embedding map of this model and dataset, or null when none has been computed. */
  'map.get': { params: { model: string; dataset: string }; result: EmbeddingMap | null }

  /** Start tagging a live stream with a model (a job that listens); then push 16 kHz audio with live.push. */
  'live.start': { params: { model: string; hopS?: number; activation?: 'auto' | 'sigmoid' | 'softmax' }; result: { jobId: string } }
  /** A chunk of the stream: mono 16 kHz float32 PCM, little-endian, base64. Scores come back as live.scores events. */
  'live.push': { params: { jobId: string; pcm: string }; result: { ok: true } }
  'live.stop': { params: { jobId: string }; result: { ok: boolean } }

  'tag.run': { params: TagRequest; result: { jobId: string } }
  /** A finished tagging job: per-file results, the model's labels (columns of `frames`), and what ran it. */
  'tag.result': { params: { jobId: string }; result: { results: TagFileResult[]; labels: string[]; model: string; note: string } }
}

export type ApiMethod = keyof ApiMethods
export type ParamsOf<M extends ApiMethod> = ApiMethods[M]['params']
export type ResultOf<M extends ApiMethod> = ApiMethods[M]['result']

/** Events pushed from the engine to every connected UI. */
export type ApiEvent =
  | { type: 'job.progress'; job: JobProgress }
  | { type: 'run.metrics'; runId: string; entries: MetricEntry[] }
  | { type: 'run.changed'; runId: string }
  | { type: 'dataset.changed'; id: string }
  | { type: 'experiment.changed'; id: string }
  /** A live tagger has loaded its model and listens. */
  | { type: 'live.ready'; jobId: string; ready: LiveReady }
  | { type: 'live.scores'; jobId: string; frames: LiveFrame[] }

/** One request frame on the wire (WebSocket) or through IPC. */
export interface RequestFrame<M extends ApiMethod = ApiMethod> {
  id: number
  method: M
  params: ParamsOf<M>
}

/** A failed request carries a message meant for the user: it names the file or run involved. */
export interface ApiError {
  message: string
  code?: string
}

/** An error reply's id is null when the frame it answers had none (not JSON, no numeric id). */
export type ResponseFrame =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: ApiError }

export type ServerFrame = ResponseFrame | { event: ApiEvent }

/** What the preload exposes as `window.tagbench`, and what the WebSocket client implements. */
export interface TagbenchApi {
  invoke<M extends ApiMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>
  onEvent(listener: (event: ApiEvent) => void): () => void
  /** Electron only: the real path of a dropped File (webUtils.getPathForFile); null in a browser. */
  pathForFile(file: File): string | null
  transport: 'ipc' | 'websocket'
}

export const API_METHODS: readonly ApiMethod[] = [
  'app.info',
  'fs.listDir',
  'cache.usage',
  'cache.clear',
  'cache.prune',
  'dataset.list',
  'dataset.detect',
  'dataset.get',
  'dataset.import',
  'dataset.subset',
  'dataset.delete',
  'dataset.clip',
  'audio.preview',
  'job.list',
  'job.cancel',
  'model.choices',
  'model.estimate',
  'model.recipe',
  'run.list',
  'run.get',
  'run.metrics',
  'run.curves',
  'run.start',
  'run.resume',
  'run.cancel',
  'run.delete',
  'run.thresholds',
  'run.exportMetrics',
  'run.exportOnnx',
  'run.predictions',
  'run.prCurve',
  'run.clips',
  'run.average',
  'run.averages',
  'ensemble.create',
  'ensemble.list',
  'experiment.presets',
  'experiment.start',
  'experiment.list',
  'experiment.resume',
  'experiment.cancel',
  'experiment.delete',
  'slurm.info',
  'run.slurmLog',
  'map.build',
  'map.get',
  'live.start',
  'live.push',
  'live.stop',
  'tag.run',
  'tag.result'
] as const
