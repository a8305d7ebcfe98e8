// Environment for a process that trains on the ort engine. ONNX Runtime (arena off) takes each
// step's tensors from malloc and frees them again. glibc serves large blocks by mmap, but raises
// that threshold (up to 32 MB) each time such a block is freed, so from the second step on the
// tensors come from the heap instead and stay resident after they are freed: RSS between steps
// doubles, and the step's peak rises with the fragments. A fixed threshold (setting it turns the
// dynamic one off) sends every block ≥ 128 KB back to the system when freed. Measured on AST-tiny,
// stride 10, batch 8 (bench/NOTES.md): peak RSS 2339 → 1810 MB, RSS between steps 1104 → 546 MB.
// glibc reads it at process start, so it goes into the environment of the job that trains.

export const ORT_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' }

/** ORT_MALLOC_ENV, less what `env` already sets (a user's own malloc tuning wins). */
export function ortJobEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(ORT_MALLOC_ENV).filter(([k]) => env[k] === undefined))
}

/** Whether this process runs with the fixed threshold (for the run's log). */
export const mallocTuned = (env: NodeJS.ProcessEnv = process.env): boolean => Object.keys(ORT_MALLOC_ENV).every((k) => env[k] !== undefined)
