// The engine functions a job process can run, by name. Each is loaded lazily inside the job process,
// so the app process never imports tfjs or onnxruntime for work it hands to a job.
import type { ApiEvent } from '../../shared/api'
import type { ProgressSink } from '../engine/control/progress'

export interface RunnerContext {
  /** This job's id (what its events name). */
  jobId: string
  onProgress: ProgressSink
  emit: (event: ApiEvent) => void
  signal: AbortSignal
  /** Data the app sends to this job while it runs (in order); what came before a listener is held for it. */
  onInput: (listener: (data: unknown) => void) => void
}

// Each runner takes its own params type; `any` lets RUNNERS hold them all (a parameter is contravariant).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Runner = (params: any, ctx: RunnerContext) => Promise<unknown>

export const RUNNERS: Record<string, () => Promise<Runner>> = {
  // A self-test runner: reports the backend from inside a job process. Used by `tagbench info --job`
  // and by the tests of the process model (crash, oom, kill).
  selftest: async () => (await import('./selftest')).selftest,
  // The backend and ONNX Runtime as a job process sees them: the app process never loads tfjs-node-gpu
  // or ORT's CUDA provider itself (they must not share a process).
  probe: async () => (await import('../engine/platform/appInfo')).probeCompute,
  // Trains or resumes one run (TRAIN's trainRun/resumeRun); a kill leaves it resumable.
  train: async () => (await import('./train')).trainRunner,
  // Imports a dataset folder (DATA's importDataset) and announces the new record.
  import: async () => (await import('./import')).importRunner,
  // Tags audio files with a run, an .onnx file or a Hugging Face AST folder (INFER's tagFiles).
  tag: async () => (await import('./tag')).tagRunner,
  // Exports a run's best checkpoint as an .onnx file (INFER's exportModelRef).
  'onnx-export': async () => (await import('./tag')).exportOnnxRunner,
  // Tags a live stream (INFER's openLiveTagger): audio chunks arrive as job input until cancelled.
  live: async () => (await import('./live')).liveRunner,
  // Averages a run's last epoch checkpoints and evaluates the result (COMBINE's averageRun).
  average: async () => {
    const { averageRun } = await import('../engine/combine/average')
    return (params: { id: string; last: number }, ctx) => averageRun(params.id, params.last, { onProgress: ctx.onProgress, signal: ctx.signal })
  },
  // A dataset's embedding map with a model (EXPLORE's computeEmbeddingMap), kept on disk.
  'embedding-map': async () => {
    const { computeEmbeddingMap } = await import('../engine/explore/embeddingMap')
    return async (params: { model: string; dataset: string }, ctx) => {
      const map = await computeEmbeddingMap(params, { onProgress: ctx.onProgress, signal: ctx.signal })
      return { points: map.points.length }
    }
  }
}
