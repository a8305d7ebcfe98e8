// The preload's bridge, with a stand-in for electron: the page gets exactly invoke / onEvent /
// pathForFile and no raw ipcRenderer; invoke refuses methods outside the API contract before any IPC,
// unwraps results, turns error replies into Errors with the engine's message, and onEvent can unsubscribe.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type ApiEvent } from '../../../src/shared/api'

const bridge = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoked: [] as unknown[][],
  listeners: new Map<string, ((e: unknown, v: unknown) => void)[]>(),
  reply: null as unknown
}))

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      bridge.invoked.push(args)
      return bridge.reply
    },
    on: (ch: string, fn: (e: unknown, v: unknown) => void) => bridge.listeners.set(ch, [...(bridge.listeners.get(ch) ?? []), fn]),
    removeListener: (ch: string, fn: (e: unknown, v: unknown) => void) => bridge.listeners.set(ch, (bridge.listeners.get(ch) ?? []).filter((f) => f !== fn))
  },
  webUtils: { getPathForFile: (f: { name: string }) => (f.name === 'from-disk.wav' ? '/home/u/from-disk.wav' : '') }
}))

interface Exposed {
  transport: string
  invoke(method: string, params?: unknown): Promise<unknown>
  onEvent(fn: (e: ApiEvent) => void): () => void
  pathForFile(f: { name: string }): string | null
}

describe('preload bridge', () => {
  let api: Exposed
  beforeAll(async () => {
    await import('../../../src/preload/index')
    api = bridge.exposed.get('tagbench') as Exposed
  })

  it('exposes only the three verbs, under window.tagbench', () => {
    expect([...bridge.exposed.keys()]).toEqual(['tagbench'])
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onEvent', 'pathForFile', 'transport'])
    expect(api.transport).toBe('ipc')
  })

  it('invokes contract methods only, and unwraps replies', async () => {
    await expect(api.invoke('shell.exec', { cmd: 'rm -rf /' })).rejects.toThrow("Unknown request 'shell.exec'")
    expect(bridge.invoked).toEqual([])
    bridge.reply = { ok: true, result: { path: '/data' } }
    expect(await api.invoke('fs.listDir', { path: '/data' })).toEqual({ path: '/data' })
    expect(bridge.invoked).toEqual([['tagbench:invoke', 'fs.listDir', { path: '/data' }]])
    bridge.reply = { ok: false, error: { message: 'No dataset "x"' } }
    await expect(api.invoke('dataset.get', { id: 'x' })).rejects.toThrow('No dataset "x"')
    expect(API_METHODS).toContain('fs.listDir')
  })

  it('delivers events until unsubscribed, and gives real paths of dropped files', () => {
    const got: ApiEvent[] = []
    const off = api.onEvent((e) => got.push(e))
    const send = (e: ApiEvent) => (bridge.listeners.get('tagbench:event') ?? []).forEach((fn) => fn({}, e))
    send({ type: 'dataset.changed', id: 'a' })
    off()
    send({ type: 'dataset.changed', id: 'b' })
    expect(got).toEqual([{ type: 'dataset.changed', id: 'a' }])
    expect(api.pathForFile({ name: 'from-disk.wav' })).toBe('/home/u/from-disk.wav')
    expect(api.pathForFile({ name: 'made-in-page.wav' })).toBeNull()
  })
})
