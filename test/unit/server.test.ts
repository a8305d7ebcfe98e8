import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import WebSocket from 'ws'
import { startServer, type RunningServer } from '../../src/main/server/server'
import { staticPath } from '../../src/main/server/security'

// A tiny stand-in renderer folder, plus a secret file beside it that must never be served.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-server-'))
const rendererDir = path.join(root, 'renderer')
fs.mkdirSync(rendererDir)
fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Tagbench</title>')
fs.writeFileSync(path.join(root, 'secret.txt'), 'do not serve')
fs.symlinkSync(path.join(root, 'secret.txt'), path.join(rendererDir, 'link.txt'))

let server: RunningServer

beforeAll(async () => {
  process.env.TAGBENCH_DATA_DIR = path.join(root, 'data')
  server = await startServer({ rendererDir, port: 0 })
})
afterAll(() => server.close())

function get(urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: urlPath, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers })
    ws.on('open', () => resolve(ws))
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.on('error', reject)
  })
}

function call(ws: WebSocket, method: string, params: unknown): Promise<{ ok: boolean; result?: any; error?: { message: string } }> {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 1e9)
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.id === id) resolve(frame)
    })
    ws.send(JSON.stringify({ id, method, params }))
  })
}

describe('server mode', () => {
  it('prints a tokenised loopback URL', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{48}$`))
  })

  it('serves the renderer', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.body).toContain('<title>Tagbench</title>')
  })

  it('refuses paths outside the renderer, encoded or not, and symlinks leading out', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/link.txt']) {
      const res = await get(p)
      expect(res.status, p).toBeGreaterThanOrEqual(403)
      expect(res.body).not.toContain('do not serve')
    }
    expect(staticPath('/srv/r', '/../../etc/passwd')).toBeNull()
    expect(staticPath('/srv/r', '/a/b.js')).toBe('/srv/r/a/b.js')
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get('/', { host: `evil.example:${server.port}` })
    expect(res.status).toBe(403)
    await expect(connect(`?token=${server.token}`, { host: `evil.example:${server.port}` })).rejects.toThrow('HTTP 403')
  })

  it('refuses a wrong or missing token', async () => {
    await expect(connect('?token=wrong')).rejects.toThrow('HTTP 401')
    await expect(connect('')).rejects.toThrow('HTTP 401')
  })

  it('refuses a cross-site Origin', async () => {
    await expect(connect(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
  })

  it('answers API requests from its own page with the engine backend report', async () => {
    const ws = await connect(`?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` })
    const reply = await call(ws, 'app.info', undefined)
    expect(reply.ok).toBe(true)
    expect(reply.result.backend.candidates.map((c: { name: string }) => c.name)).toEqual(['cuda', 'native', 'wasm', 'cpu'])
    expect(reply.result.transport).toBe('websocket')
    const bad = await call(ws, 'no.such.method', {})
    expect(bad).toMatchObject({ ok: false, error: { message: "Unknown request 'no.such.method'" } })
    ws.close()
  })
})
