#!/usr/bin/env node
// `npm start`: build, then open the desktop app. Where no window can open (no display, or Electron's
// binary cannot be fetched on this machine), say so in one line and start server mode instead.
import { spawnSync, spawn } from 'node:child_process'
import { fetchElectronBinary } from './electron-binary.mjs'

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

function build() {
  const r = spawnSync(npx, ['electron-vite', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

function whyNoDesktop() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display found (DISPLAY/WAYLAND_DISPLAY unset)'
  // Electron's binary is fetched here on first use (npm install downloads nothing).
  return fetchElectronBinary()
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
