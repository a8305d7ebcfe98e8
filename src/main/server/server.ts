// Server mode: the built renderer over HTTP and the API over a WebSocket, on loopback by default.
// It is how a user trains on a headless GPU box and watches from a laptop browser.
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ApiEvent, RequestFrame, ServerFrame } from '../../shared/api'
import { createJobManager, type JobManager } from '../jobs/manager'
import { forkLauncher } from '../jobs/launcher'
import { createService } from '../service'
import { allowedHosts, hostAllowed, newToken, originAllowed, staticPath, tokenMatches } from './security'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2'
}

export interface ServerOptions {
  host?: string
  port?: number
  rendererDir: string
  token?: string
}

export interface RunningServer {
  url: string
  token: string
  port: number
  jobs: JobManager
  /** Push an event to every connected page, as the engine does (benches and tests simulate live runs with it). */
  emit(event: ApiEvent): void
  close(): Promise<void>
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? newToken()
  const rendererDir = path.resolve(opts.rendererDir)
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The built renderer is missing (${rendererDir}/index.html): run \`npm run build\` first, or use \`npm run serve\`.`)
  }
  const rendererReal = fs.realpathSync(rendererDir)
  const sockets = new Set<WebSocket>()
  const emit = (event: ApiEvent): void => {
    const frame = JSON.stringify({ event } satisfies ServerFrame)
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame)
  }
  const jobs = createJobManager(forkLauncher, emit)
  const service = createService({ transport: 'websocket', jobs, emit })
  let hosts = new Set<string>()

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host, hosts)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: unexpected Host header')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    const file = staticPath(rendererReal, req.url ?? '/')
    if (!file) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden: path outside the app')
      return
    }
    fs.realpath(file, (err, real) => {
      // A symlink inside the renderer folder must not lead outside it either.
      if (err || !(real === rendererReal || real.startsWith(rendererReal + path.sep))) {
        res.writeHead(err ? 404 : 403, { 'content-type': 'text/plain' }).end(err ? 'Not found' : 'Forbidden: path outside the app')
        return
      }
      fs.stat(real, (statErr, st) => {
        if (statErr || !st.isFile()) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found')
          return
        }
        res.writeHead(200, {
          'content-type': MIME[path.extname(real)] ?? 'application/octet-stream',
          'content-length': st.size,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-cache'
        })
        if (req.method === 'HEAD') res.end()
        else fs.createReadStream(real).pipe(res)
      })
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 2 ** 20 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const refuse = (code: number, why: string): void => {
      socket.write(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}`)
      socket.destroy()
    }
    if (url.pathname !== '/api') return refuse(404, 'Not Found')
    if (!hostAllowed(req.headers.host, hosts)) return refuse(403, 'Forbidden: unexpected Host header')
    if (!originAllowed(req.headers.origin, hosts)) return refuse(403, 'Forbidden: cross-origin request')
    if (!tokenMatches(url.searchParams.get('token'), token)) return refuse(401, 'Unauthorized: missing or wrong token')
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('message', async (data) => {
        let frame: RequestFrame
        try {
          frame = JSON.parse(data.toString())
        } catch {
          return
        }
        let reply: ServerFrame
        try {
          reply = { id: frame.id, ok: true, result: await service.handle(frame.method, frame.params) }
        } catch (err) {
          reply = { id: frame.id, ok: false, error: { message: err instanceof Error ? err.message : String(err) } }
        }
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply))
      })
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as { port: number }).port
  hosts = allowedHosts(host, port)
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    jobs,
    emit,
    async close() {
      jobs.shutdown()
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
