#!/usr/bin/env node
// `npm start`: build, then open the desktop app. Where no window can open (no display, or Electron's
// binary cannot be fetched on this machine), say so in one line and start server mode instead.
import { spawnSync, spawn } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

function build() {
  const r = spawnSync(npx, ['electron-vite', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

function whyNoDesktop() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display found (DISPLAY/WAYLAND_DISPLAY unset)'
  // Electron >= 42 fetches its binary on first use; do that in a child so a failure is one clean line.
  const probe = spawnSync(process.execPath, ['-e', "require('electron')"], { encoding: 'utf8', timeout: 300_000, cwd: process.cwd() })
  if (probe.status !== 0) {
    const reason = (probe.stderr || probe.stdout || '').split('\n').find((l) => /Error|failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(l)) ?? 'download failed'
    return `Electron's binary could not be fetched (${reason.trim().slice(0, 160)})`
  }
  try {
    require.resolve('electron')
  } catch {
    return 'the electron package is not installed'
  }
  return null
}

build()
const why = whyNoDesktop()
if (why) {
  console.log(`Tagbench: cannot open the desktop window: ${why}. Starting server mode instead.`)
  const child = spawn(process.execPath, ['bin/tagbench.mjs', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  const child = spawn(npx, ['electron-vite', 'preview', '--skipBuild'], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
}
