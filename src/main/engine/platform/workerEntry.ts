// Where a worker_threads entry lives: under tsx (dev, CLI, tests) a small .mjs beside the module that
// registers tsx and loads the TypeScript worker; in the electron-vite bundle the built worker .js,
// which sits at the top of out/main while the calling module may sit in out/main/chunks.
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

export function workerEntryUrl(moduleUrl: string, tsBootstrap: string, bundledName: string): URL {
  if (moduleUrl.endsWith('.ts')) return new URL(tsBootstrap, moduleUrl)
  const beside = new URL(`./${bundledName}`, moduleUrl)
  return fs.existsSync(fileURLToPath(beside)) ? beside : new URL(`../${bundledName}`, moduleUrl)
}
