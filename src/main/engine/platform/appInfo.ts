import os from 'node:os'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AppInfo } from '../../../shared/api'
import { initBackend } from './backend'
import { ortReport } from './ortInfo'
import { dataDir } from './paths'
import { trainingEngines } from '../train/ort/coverage'

function packageJson(): { version: string; dependencies: Record<string, string> } {
  // Walk up from this file to the project root; works from src/ (tsx) and out/ (built).
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json')
    if (fs.existsSync(p)) {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8'))
      if (pkg.name === 'tagbench') return pkg
    }
    dir = path.dirname(dir)
  }
  return { version: '0.0.0', dependencies: {} }
}

/** What only a process that loads the ML libraries can tell: run it in a job process from the app. */
export async function probeCompute(): Promise<Pick<AppInfo, 'backend' | 'ort'>> {
  return { backend: await initBackend(), ort: ortReport() }
}

export async function collectAppInfo(transport: AppInfo['transport'], compute?: Pick<AppInfo, 'backend' | 'ort'>): Promise<AppInfo> {
  const { backend, ort } = compute ?? (await probeCompute())
  const pkg = packageJson()
  return {
    name: 'Tagbench',
    version: pkg.version,
    dataDir: dataDir(),
    backend,
    ort,
    training: trainingEngines(ort, os.availableParallelism()),
    versions: {
      node: process.versions.node,
      electron: process.versions.electron ?? 'not running under Electron',
      tfjs: pkg.dependencies['@tensorflow/tfjs-core'] ?? 'unknown',
      onnxruntime: ort.version ?? 'unavailable',
      v8: process.versions.v8
    },
    platform: `${process.platform} ${process.arch}`,
    cpus: os.cpus().length,
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    transport,
    defaultThreads: Math.max(1, os.cpus().length)
  }
}
