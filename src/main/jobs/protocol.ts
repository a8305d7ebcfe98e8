// Messages between the app and a job process. A job gets one `start` message with its spec, streams
// `progress`/`event` messages, and ends with `result` or `error`. The parent may send `cancel`, and
// `input` to a job that takes a stream (live tagging).
import type { ApiEvent, JobProgress } from '../../shared/api'
import type { ProgressUpdate } from '../engine/control/progress'

/** Which engine function a job runs, and its parameters (plain JSON). */
export interface JobSpec {
  kind: JobProgress['kind']
  /** Name of the runner in ./runners (e.g. 'train', 'import', 'tag'). */
  runner: string
  params: unknown
  label: string
  /** Environment the job process needs (data folder, backend choice, thread counts). */
  env?: Record<string, string>
}

/** `input`: data for a running job that listens (the live tagger's audio chunks). */
export type ParentMessage = { type: 'start'; jobId: string; spec: JobSpec } | { type: 'cancel' } | { type: 'input'; data: unknown }

export type JobMessage =
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'event'; event: ApiEvent }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; oom: boolean }
