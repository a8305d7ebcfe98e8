// Job processes: their state and progress.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.

// ---------- jobs ----------
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'
/** Why a job ended badly: oom and crashed come from the process, killed from a signal. */
export type JobFailure = 'oom' | 'crashed' | 'killed' | 'error'

export interface JobProgress {
  jobId: string
  kind: 'import' | 'features' | 'train' | 'tag' | 'export' | 'experiment' | 'probe' | 'embed' | 'live'
  /** What it works on, for the user: a dataset name, a run id. */
  label: string
  state: JobState
  done: number
  total: number
  /** Units per second, and what the unit is ("files", "steps", "clips"). */
  rate: number
  unit: string
  etaS: number | null
  failure?: JobFailure
  /** Readable message when failed: what happened and what to try. */
  message?: string
  runId?: string
  datasetId?: string
  startedAt: string
  endedAt?: string
}
