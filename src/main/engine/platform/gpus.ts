// Which GPU a parallel training job gets. tfjs-node-gpu computes on the first GPU it sees, so two
// runs of an experiment trained at once would share GPU 0 while the others idle: each job slot is
// given its own GPU through CUDA_VISIBLE_DEVICES instead. The GPUs are the ones the user made visible
// (CUDA_VISIBLE_DEVICES), else those `nvidia-smi -L` lists; with fewer than two, nothing is set.
import { execFile } from 'node:child_process'

/** GPU ids from `nvidia-smi -L` output ("GPU 0: NVIDIA H100 (UUID: GPU-…)"), in order. */
export function parseNvidiaSmiList(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^GPU (\d+):/.exec(line.trim())?.[1])
    .filter((id): id is string => id !== undefined)
}

let detected: Promise<string[]> | null = null

/**
 * The GPUs jobs may use: CUDA_VISIBLE_DEVICES's entries when set, else nvidia-smi's (none without a
 * driver), asked once per process and without blocking it (the app's main process calls this).
 */
export function visibleGpus(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const visible = env.CUDA_VISIBLE_DEVICES
  if (visible !== undefined) return Promise.resolve(visible.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '-1'))
  detected ??= new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 }, (err, stdout) => resolve(err ? [] : parseNvidiaSmiList(stdout)))
  })
  return detected
}

/** Environment for the training job in parallel slot `slot` (0-based): its own GPU when there are several. */
export function gpuEnvForSlot(slot: number, gpus: string[]): Record<string, string> {
  return gpus.length > 1 ? { CUDA_VISIBLE_DEVICES: gpus[slot % gpus.length] } : {}
}
