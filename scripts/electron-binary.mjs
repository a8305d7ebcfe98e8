#!/usr/bin/env node
// Electron's binary is fetched on first use (`npm start`, `npm run dev`), never by `npm install`:
// package.json's allowScripts denies electron's postinstall as it does every install script, so an
// install downloads nothing. This runs Electron's own install.js (a no-op once the binary is there).
//   node scripts/electron-binary.mjs   → exit 0 when the binary is ready, else 1 with one line why
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

/** Fetches Electron's binary when missing; null when it is ready, else one line that says why not. */
export function fetchElectronBinary() {
  let dir
  try {
    dir = path.dirname(require.resolve('electron/package.json'))
  } catch {
    return 'the electron package is not installed'
  }
  // In a child, so a failed download is one clean line instead of a stack.
  const r = spawnSync(process.execPath, [path.join(dir, 'install.js')], { encoding: 'utf8', timeout: 300_000 })
  if (r.status === 0) return null
  const out = `${r.stderr ?? ''}\n${r.stdout ?? ''}`
  const reason = out.split('\n').find((l) => /Error|failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(l)) ?? (r.error?.message || 'download failed')
  return `Electron's binary could not be fetched (${reason.trim().slice(0, 160)})`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const why = fetchElectronBinary()
  if (why) {
    console.error(`Tagbench: ${why}.`)
    process.exit(1)
  }
}
