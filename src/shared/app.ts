// The app and the machine: backends, ONNX Runtime, training engines, folders.
// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;
// ./types.ts re-exports it.
import type { ModelKind } from './runs'

// ---------- app / backend ----------
export type BackendPreference = 'auto' | 'cuda' | 'native' | 'wasm' | 'cpu'

export interface BackendCandidate {
  name: 'cuda' | 'native' | 'wasm' | 'cpu'
  label: string
  ok: boolean
  /** 'chosen', or why this backend was not used (e.g. "libcudart.so.11.0: cannot open shared object file"). */
  reason: string
}

export interface BackendReport {
  chosen: BackendCandidate['name']
  /** tfjs's own backend name: 'tensorflow' | 'wasm' | 'cpu'. */
  tfBackend: string
  label: string
  device: string
  threads: number
  candidates: BackendCandidate[]
  /** One plain sentence for the UI and CLI. */
  summary: string
}

export interface OrtReport {
  available: boolean
  providers: string[]
  /** Why CUDA (or ORT itself) is not in use. */
  reason: string
  version: string | null
}

/** The training engines on this machine: where the ort engine runs, and what `auto` picks per model kind. */
export interface TrainingEnginesReport {
  ort: string
  auto: { model: ModelKind; engine: 'ort' | 'tfjs'; reason: string }[]
}

export interface AppInfo {
  name: string
  version: string
  dataDir: string
  backend: BackendReport
  ort: OrtReport
  /** Training engines (train/ort/coverage.ts). */
  training: TrainingEnginesReport
  versions: Record<string, string>
  platform: string
  cpus: number
  totalMemoryMb: number
  transport: 'ipc' | 'websocket'
  /** Threads per training job, as a default for the launcher. */
  defaultThreads: number
}

export interface DirEntry {
  name: string
  path: string
  isDir: boolean
}

export interface DirListing {
  path: string
  parent: string | null
  entries: DirEntry[]
}
