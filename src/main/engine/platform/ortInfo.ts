// Reports whether onnxruntime-node loads and which execution providers it has. CUDA needs the
// optional provider library (skipped at install by .npmrc); its absence is reported, not an error.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import type { OrtReport } from '../../../shared/api'

const require = createRequire(import.meta.url)

export function ortReport(): OrtReport {
  let version: string | null = null
  try {
    const pkgPath = require.resolve('onnxruntime-node/package.json')
    version = JSON.parse(fs.readFileSync(pkgPath, 'utf8')).version
    require('onnxruntime-node')
    const binDir = path.join(path.dirname(pkgPath), 'bin', 'napi-v6', process.platform, process.arch)
    const hasCuda = fs.existsSync(path.join(binDir, 'libonnxruntime_providers_cuda.so'))
    return {
      available: true,
      version,
      providers: hasCuda ? ['cuda', 'cpu'] : ['cpu'],
      reason: hasCuda
        ? 'CUDA provider installed'
        : 'CPU provider only: the CUDA provider was not downloaded at install (see README, "GPU")'
    }
  } catch (err) {
    return { available: false, version, providers: [], reason: `onnxruntime-node failed to load: ${(err as Error).message.split('\n')[0]}` }
  }
}
