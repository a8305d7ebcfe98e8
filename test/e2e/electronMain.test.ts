// The built desktop main process (out/main/index.js), with a stand-in for the `electron` module since
// no Electron binary can be fetched here: it opens one locked-down window on the built renderer and
// preload, keeps its data in userData, answers the API over IPC (errors as readable messages), sends
// engine events to its windows, and runs jobs through utilityProcess (played by child_process.fork,
// which the job worker serves the same way) with the built job worker.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fork } from 'node:child_process'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AppInfo, DirListing } from '../../src/shared/api'

type Reply = { ok: true; result: unknown } | { ok: false; error: { message: string } }

const electron = vi.hoisted(() => {
  const state = {
    userData: '',
    appEvents: new Map<string, ((...a: unknown[]) => void)[]>(),
    handlers: new Map<string, (e: unknown, ...a: unknown[]) => Promise<unknown>>(),
    windows: [] as { options: Record<string, unknown>; loaded: string[]; sent: [string, unknown][] }[],
    forks: [] as { file: string; args: string[]; options: Record<string, unknown> }[],
    permissions: null as null | ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: Record<string, unknown>) => void),
    ready: null as (() => void) | null
  }
  return state
})

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = []
    static getAllWindows = () => BrowserWindow.all
    record: (typeof electron.windows)[number]
    webContents: { send: (ch: string, v: unknown) => void; setWindowOpenHandler: (fn: unknown) => void }
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], sent: [] }
      electron.windows.push(this.record)
      BrowserWindow.all.push(this)
      this.webContents = { send: (ch, v) => this.record.sent.push([ch, v]), setWindowOpenHandler: () => {} }
    }
    on() {
      return this
    }
    isDestroyed() {
      return false
    }
    loadFile(file: string) {
      this.record.loaded.push(file)
      return Promise.resolve()
    }
    loadURL(url: string) {
      this.record.loaded.push(url)
      return Promise.resolve()
    }
  }
  const app = {
    getPath: (name: string) => {
      if (name !== 'userData') throw new Error(`unexpected getPath(${name})`)
      return electron.userData
    },
    whenReady: () => new Promise<void>((resolve) => (electron.ready = resolve)),
    on: (event: string, fn: (...a: unknown[]) => void) => {
      electron.appEvents.set(event, [...(electron.appEvents.get(event) ?? []), fn])
      return app
    },
    quit: () => {}
  }
  // utilityProcess.fork, played by child_process.fork: the job worker answers either parent channel.
  const utilityProcess = {
    fork(file: string, args: string[], options: Record<string, unknown>) {
      electron.forks.push({ file, args, options })
      const child = fork(file, args, { execArgv: options.execArgv as string[], stdio: 'inherit', serialization: 'advanced' })
      const events = new EventEmitter()
      child.on('message', (m) => events.emit('message', m))
      child.on('exit', (code) => events.emit('exit', code ?? 1))
      return {
        get pid() {
          return child.pid
        },
        postMessage: (m: unknown) => child.send(m as object),
        on(event: string, fn: (...a: unknown[]) => void) {
          events.on(event, fn)
          return this
        },
        kill: () => child.kill()
      }
    }
  }
  return {
    app,
    BrowserWindow,
    ipcMain: { handle: (ch: string, fn: (e: unknown, ...a: unknown[]) => Promise<unknown>) => electron.handlers.set(ch, fn) },
    shell: { openExternal: () => Promise.resolve() },
    nativeTheme: { shouldUseDarkColors: false },
    session: { defaultSession: { setPermissionRequestHandler: (fn: typeof electron.permissions) => (electron.permissions = fn) } },
    utilityProcess
  }
})

const OUT = path.resolve('out')
const invoke = (method: string, params?: unknown) => electron.handlers.get('tagbench:invoke')!({}, method, params) as Promise<Reply>

describe('the desktop main process (built), with a stand-in for electron', () => {
  let savedDataDir: string | undefined
  beforeAll(async () => {
    savedDataDir = process.env.TAGBENCH_DATA_DIR
    delete process.env.TAGBENCH_DATA_DIR
    electron.userData = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-electron-'))
    await import(path.join(OUT, 'main/index.js'))
    electron.ready!()
    await vi.waitFor(() => expect(electron.windows).toHaveLength(1))
  })
  afterAll(() => {
    for (const fn of electron.appEvents.get('before-quit') ?? []) fn()
    fs.rmSync(electron.userData, { recursive: true, force: true })
    if (savedDataDir === undefined) delete process.env.TAGBENCH_DATA_DIR
    else process.env.TAGBENCH_DATA_DIR = savedDataDir
  })

  it('opens one locked-down window on the built renderer and preload', () => {
    const [win] = electron.windows
    const prefs = win.options.webPreferences as Record<string, unknown>
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true })
    expect(prefs.preload).toBe(path.join(OUT, 'preload/index.cjs'))
    expect(fs.existsSync(prefs.preload as string)).toBe(true)
    expect(win.loaded).toEqual([path.join(OUT, 'renderer/index.html')])
    expect(fs.existsSync(win.loaded[0])).toBe(true)
    expect(fs.existsSync(win.options.icon as string)).toBe(true)
  })

  it('lets the page use a microphone (the Tag page’s live tagging), and no camera', () => {
    const ask = (permission: string, details: Record<string, unknown>) => {
      let granted: boolean | null = null
      electron.permissions!({}, permission, (g) => (granted = g), details)
      return granted
    }
    expect(ask('media', { mediaTypes: ['audio'] })).toBe(true)
    expect(ask('media', { mediaTypes: ['audio', 'video'] })).toBe(false)
    expect(ask('media', { mediaTypes: ['video'] })).toBe(false)
  })

  it('keeps its data in userData and answers the API over IPC, errors as readable messages', async () => {
    expect(process.env.TAGBENCH_DATA_DIR).toBe(path.join(electron.userData, 'data'))
    const listing = (await invoke('fs.listDir', { path: electron.userData })) as { ok: true; result: DirListing }
    expect(listing).toMatchObject({ ok: true, result: { path: electron.userData } })
    expect(await invoke('dataset.get', { id: 'nope' })).toEqual({ ok: false, error: { message: expect.stringMatching(/nope/) } })
    expect(await invoke('no.such.method')).toEqual({ ok: false, error: { message: "Unknown request 'no.such.method'" } })
  })

  it('runs a job through utilityProcess with the built worker, and sends its events to the window', async () => {
    const reply = (await invoke('app.info')) as { ok: true; result: AppInfo }
    expect(reply.ok).toBe(true)
    expect(reply.result.transport).toBe('ipc')
    expect(reply.result.backend.chosen).toBe('wasm')
    expect(reply.result.dataDir).toBe(path.join(electron.userData, 'data'))
    // The probe ran as a job: a utility process on out/main/jobWorker.js, its progress sent to the window.
    expect(electron.forks.map((f) => f.file)).toEqual([path.join(OUT, 'main/jobWorker.js')])
    const sent = electron.windows[0].sent.filter(([ch]) => ch === 'tagbench:event').map(([, e]) => e as { type: string; job?: { state: string; kind: string } })
    expect(sent.some((e) => e.type === 'job.progress' && e.job?.kind === 'probe' && e.job.state === 'done')).toBe(true)
  })
})
