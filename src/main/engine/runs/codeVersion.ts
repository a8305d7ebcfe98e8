// The code version a run was made with: `git describe --always --dirty` of the checkout when there is
// one (a developer's tree), else the package version (an installed app).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | null = null

function projectRoot(): { dir: string; version: string } | null {
  // Walk up from this file to tagbench's package.json; works from src/ (tsx) and out/ (built).
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const p = path.join(dir, 'package.json')
    if (fs.existsSync(p)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string }
        if (pkg.name === 'tagbench') return { dir, version: pkg.version ?? '0.0.0' }
      } catch {
        // not ours; keep walking
      }
    }
    dir = path.dirname(dir)
  }
  return null
}

export function codeVersion(): string {
  if (cached) return cached
  const root = projectRoot()
  let v = root ? `v${root.version}` : 'unknown'
  if (root && fs.existsSync(path.join(root.dir, '.git'))) {
    try {
      const out = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root.dir, timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] })
      const text = out.toString().trim()
      if (text) v = `${v} (${text})`
    } catch {
      // git missing or not a repository: the package version alone
    }
  }
  cached = v
  return v
}
