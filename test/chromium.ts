// The Chromium that the end-to-end tests and bench/chart.ts drive through playwright-core, found
// without root and without a browser download, in this order:
//   1. CHROMIUM_PATH, when set (an error if it names no executable file);
//   2. a Chrome/Chromium installed on this machine (PATH, then the usual install locations);
//   3. the Chromium that the @sparticuz/chromium devDependency ships inside its npm package,
//      unpacked once per version under the temp folder, with the NSS/NSPR/expat libraries it
//      links against (shipped beside it) so that a bare Debian without libnss3 can run it.
// TAGBENCH_NO_SYSTEM_CHROMIUM=1 skips step 2: how a fresh machine without a browser is tested here.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { createRequire } from 'node:module'
import { pipeline } from 'node:stream/promises'
import { chromium, type Browser } from 'playwright-core'

export interface FoundChromium {
  executablePath: string
  /** Where it came from, for messages and bench records. */
  source: 'CHROMIUM_PATH' | 'installed' | 'npm'
  /** Extra environment the browser needs (the npm Chromium's own libraries). */
  env: Record<string, string>
}

/** What every headless launch here passes: no sandbox (containers, root), no GPU, and nothing
 *  that reaches the network on its own (updates, sync, field trials). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run'
]

const INSTALLED_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
const INSTALLED_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/opt/google/chrome/chrome', '/snap/bin/chromium']

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

function installedChromium(): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  for (const name of INSTALLED_NAMES) {
    for (const dir of dirs) {
      const p = path.join(dir, name)
      if (isExecutableFile(p)) return p
    }
  }
  return INSTALLED_PATHS.find(isExecutableFile) ?? null
}

/** Decompresses a brotli file to `out` (a plain file) or, for a `.tar.br`, into the folder `out`
 *  with the system's tar (an essential package on every Debian). */
async function unbrotli(file: string, out: string): Promise<void> {
  if (!file.endsWith('.tar.br')) {
    await pipeline(fs.createReadStream(file), zlib.createBrotliDecompress(), fs.createWriteStream(out, { mode: 0o755 }))
    return
  }
  fs.mkdirSync(out, { recursive: true })
  const tarball = `${out}.tar`
  await pipeline(fs.createReadStream(file), zlib.createBrotliDecompress(), fs.createWriteStream(tarball))
  const r = spawnSync('tar', ['-xf', tarball, '--no-same-owner', '-C', out], { encoding: 'utf8' })
  fs.rmSync(tarball, { force: true })
  if (r.status !== 0) throw new Error(`Could not unpack ${file}: tar ${r.error?.message ?? r.stderr}`)
}

/** The folder of an installed package (its exports map hides package.json from require.resolve). */
function packageRoot(name: string): string | null {
  let dir: string
  try {
    dir = path.dirname(createRequire(import.meta.url).resolve(name))
  } catch {
    return null
  }
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json')
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir
  }
  return null
}

/** The npm-shipped Chromium, unpacked under os.tmpdir()/tagbench-chromium-<version>. Unpacking goes
 *  to a private staging folder renamed into place, so two processes starting at once never run a
 *  half-written binary. */
async function npmChromium(): Promise<FoundChromium> {
  const root = packageRoot('@sparticuz/chromium')
  if (!root) throw new Error('No Chromium found: set CHROMIUM_PATH, install Chrome/Chromium, or run `npm install` (the @sparticuz/chromium devDependency ships one)')
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version
  const bin = path.join(root, 'bin')
  const home = path.join(os.tmpdir(), `tagbench-chromium-${version}`)
  const found = (): FoundChromium => {
    // Its own NSS/NSPR/expat first: the binary links against nothing else beyond glibc.
    const env: Record<string, string> = { LD_LIBRARY_PATH: [path.join(home, 'lib', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter) }
    // The machine's fonts where it has a fontconfig setup, else the shipped Open Sans.
    if (!fs.existsSync('/etc/fonts/fonts.conf') && !process.env.FONTCONFIG_FILE) env.FONTCONFIG_FILE = path.join(home, 'fonts', 'fonts.conf')
    return { executablePath: path.join(home, 'chromium'), source: 'npm', env }
  }
  if (isExecutableFile(path.join(home, 'chromium'))) return found()

  const staging = fs.mkdtempSync(`${home}.tmp-`)
  try {
    await unbrotli(path.join(bin, 'chromium.br'), path.join(staging, 'chromium'))
    // al2023.tar.br holds lib/libnss3.so, libnspr4.so, libexpat.so.1… (built for Amazon Linux 2023,
    // glibc 2.34: older than any current Debian's).
    await unbrotli(path.join(bin, 'al2023.tar.br'), path.join(staging, 'lib'))
    // Open Sans, for a machine with no fonts at all; its fonts.conf names /tmp/fonts, so write ours.
    await unbrotli(path.join(bin, 'fonts.tar.br'), path.join(staging, 'fonts'))
    fs.writeFileSync(path.join(staging, 'fonts', 'fonts.conf'), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${path.join(home, 'fonts', 'fonts')}</dir></fontconfig>\n`)
    fs.chmodSync(staging, 0o755) // mkdtemp makes it private; other users of this temp folder may run it too
    try {
      fs.renameSync(staging, home)
    } catch (e) {
      // Another process got there first: use theirs.
      if (!isExecutableFile(path.join(home, 'chromium'))) throw e
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
  return found()
}

/** Finds a Chromium (see the top of this file); throws a message that says what to do when none. */
export async function findChromium(): Promise<FoundChromium> {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file`)
    return { executablePath: fromEnv, source: 'CHROMIUM_PATH', env: {} }
  }
  if (process.env.TAGBENCH_NO_SYSTEM_CHROMIUM !== '1') {
    const installed = installedChromium()
    if (installed) return { executablePath: installed, source: 'installed', env: {} }
  }
  return npmChromium()
}

function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined))
}

/** Launches the found Chromium headless with CHROMIUM_ARGS. */
/** `extraArgs`: more Chromium flags (a fake microphone, the autoplay policy). */
export async function launchChromium(extraArgs: string[] = []): Promise<{ browser: Browser; found: FoundChromium }> {
  const found = await findChromium()
  const env = Object.keys(found.env).length ? { ...definedEnv(), ...found.env } : undefined
  const browser = await chromium.launch({ executablePath: found.executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], env })
  return { browser, found }
}
