// Picks the TensorFlow.js backend for the engine: tfjs-node-gpu (CUDA) → tfjs-node (native CPU) →
// tfjs-backend-wasm → plain JS cpu, and records why each earlier candidate was passed over, so the
// app can say plainly what it fell back to.
import { createRequire } from 'node:module'
import path from 'node:path'
import os from 'node:os'
import * as tf from '@tensorflow/tfjs-core'
// tfjs-core's Node bundle has no gradients; the union package's bundle registers all of them (shared registry).
import '@tensorflow/tfjs'
import type { BackendCandidate, BackendPreference, BackendReport } from '../../../shared/api'

const require = createRequire(import.meta.url)

let current: BackendReport | null = null

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  // Native load errors name the missing library on the first line; the rest is a stack of require calls.
  return text.split('\n')[0].replace(/^Error: /, '').slice(0, 300)
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    require(pkg)
    const ok = await tf.setBackend('tensorflow')
    return ok ? null : `${pkg} loaded but the 'tensorflow' backend failed to initialise`
  } catch (err) {
    const msg = firstLine(err)
    if (/Cannot find module/.test(msg)) return `${pkg} is not installed (optional dependency; see README)`
    return msg
  }
}

async function tryWasm(): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))
    wasm.setWasmPaths(dist + path.sep)
    const ok = await tf.setBackend('wasm')
    return ok ? null : 'tfjs-backend-wasm failed to initialise'
  } catch (err) {
    return firstLine(err)
  }
}

async function tryCpu(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-cpu')
    return (await tf.setBackend('cpu')) ? null : 'tfjs-backend-cpu failed to initialise'
  } catch (err) {
    return firstLine(err)
  }
}

const ORDER: { name: BackendCandidate['name']; label: string; tried: () => Promise<string | null> }[] = [
  { name: 'cuda', label: 'tfjs-node-gpu (CUDA)', tried: () => tryNative('@tensorflow/tfjs-node-gpu') },
  { name: 'native', label: 'tfjs-node (native CPU)', tried: () => tryNative('@tensorflow/tfjs-node') },
  { name: 'wasm', label: 'tfjs-backend-wasm (single thread under Node)', tried: tryWasm },
  { name: 'cpu', label: 'tfjs-backend-cpu (plain JavaScript)', tried: tryCpu }
]

function preferenceOrder(prefer: BackendPreference): typeof ORDER {
  if (prefer === 'auto') return ORDER
  const idx = ORDER.findIndex((c) => c.name === prefer)
  // An explicit choice starts the search there: asking for wasm never loads the native libraries.
  return ORDER.slice(idx)
}

/** Initialise the best available backend once per process; later calls return the same report. */
export async function initBackend(prefer: BackendPreference = envPreference()): Promise<BackendReport> {
  if (current && (prefer === 'auto' || current.chosen === prefer)) return current
  const candidates: BackendCandidate[] = []
  let chosen: BackendCandidate['name'] | null = null
  for (const c of preferenceOrder(prefer)) {
    if (chosen) {
      candidates.push({ name: c.name, label: c.label, ok: false, reason: 'not tried: an earlier backend was chosen' })
      continue
    }
    const reason = await c.tried()
    candidates.push({ name: c.name, label: c.label, ok: reason === null, reason: reason ?? 'chosen' })
    if (reason === null) chosen = c.name
  }
  if (!chosen) throw new Error(`No TensorFlow.js backend could start: ${candidates.map((c) => `${c.label}: ${c.reason}`).join('; ')}`)
  await tf.ready()
  const label = candidates.find((c) => c.name === chosen)!.label
  const passedOver = candidates.filter((c) => !c.ok && c.reason !== 'not tried: an earlier backend was chosen')
  current = {
    chosen,
    tfBackend: tf.getBackend(),
    label,
    device: chosen === 'cuda' ? 'GPU (CUDA)' : `CPU: ${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores)`,
    threads: chosen === 'wasm' || chosen === 'cpu' ? 1 : os.cpus().length,
    candidates,
    summary:
      passedOver.length === 0
        ? `Using ${label}.`
        : `Using ${label}; fell back because ${passedOver.map((c) => `${c.label}: ${c.reason}`).join('; ')}.`
  }
  return current
}

/** TAGBENCH_BACKEND=auto|cuda|native|wasm|cpu lets tests and users pin a backend. */
function envPreference(): BackendPreference {
  const v = process.env.TAGBENCH_BACKEND
  return v === 'cuda' || v === 'native' || v === 'wasm' || v === 'cpu' ? v : 'auto'
}

export function backendReport(): BackendReport | null {
  return current
}

export { tf }
