// Where the app keeps its data: datasets, feature cache, runs. TAGBENCH_DATA_DIR overrides it (tests use
// a temp folder); the desktop app passes Electron's userData folder the same way.
import os from 'node:os'
import path from 'node:path'

export function dataDir(): string {
  return path.resolve(process.env.TAGBENCH_DATA_DIR ?? path.join(os.homedir(), '.tagbench'))
}

export const datasetsDir = (): string => path.join(dataDir(), 'datasets')
export const runsDir = (): string => path.join(dataDir(), 'runs')
export const cacheDir = (): string => path.join(dataDir(), 'cache')
export const experimentsDir = (): string => path.join(dataDir(), 'experiments')
