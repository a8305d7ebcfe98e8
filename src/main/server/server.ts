// Server mode: the built renderer over HTTP and the API over a WebSocket, on loopback by default.
// It is how a user trains on a headless GPU box and watches from a laptop browser.
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ApiEvent, RequestFrame, ServerFrame } from '../../shared/api'
import { createJobManager, type JobManager } from '../jobs/manager'
import { forkLauncher } from '../jobs/launcher'
import { createService, type Service } from '../service'
import { ValidationError, show } from '../../shared/schema'
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

/** The largest request frame accepted; a bigger one closes its socket (1009), nothing else. */
export const MAX_FRAME_BYTES = 64 * 2 ** 20

const utf8 = new TextDecoder('utf-8', { fatal: true })

const errorReply = (id: number | null, message: string, code?: string): string =>
  JSON.stringify({ id, ok: false, error: { message, ...(code ? { code } : {}) } } satisfies ServerFrame)

/**
 * The reply to one request frame, always: the result, or an error that carries the frame's id when
 * it has one (null when the frame is not JSON, or has no numeric id). Never throws.
 */
export async function answer(service: Service, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<string> {
  if (isBinary) return errorReply(null, 'Binary frames are not requests: send JSON text {id, method, params}', 'bad-frame')
  let text: string
  try {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
    text = utf8.decode(bytes)
  } catch {
    return errorReply(null, 'The frame is not valid UTF-8 text', 'bad-frame')
  }
  let frame: unknown
  try {
    frame = JSON.parse(text)
  } catch (err) {
    return errorReply(null, `The frame is not JSON: ${(err as Error).message}`, 'bad-frame')
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
    return errorReply(null, `A request frame is an object {id, method, params}, got ${show(frame)}`, 'bad-frame')
  const { id, method, params } = frame as Partial<RequestFrame> & Record<string, unknown>
  if (typeof id !== 'number' || !Number.isFinite(id)) return errorReply(null, `A request frame needs a numeric id, got ${show(id)}`, 'bad-frame')
  try {
    const result = await service.handle(method as string, params)
    return JSON.stringify({ id, ok: true, result } satisfies ServerFrame)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return errorReply(id, message, err instanceof ValidationError ? 'bad-params' : undefined)
  }
}

export interface ServerOptions {
  host?: string
  port?: number
  rendererDir: string
  token?: string
  /** The largest request frame (bytes); default MAX_FRAME_BYTES. */
  maxFrameBytes?: number
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

  // UTF-8 is checked by answer() so that a bad text frame gets an error reply instead of closing the socket.
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? MAX_FRAME_BYTES, skipUTF8Validation: true })
  server.on('upgrade', (req, socket, head) => {
    // A peer that resets the connection mid-handshake must cost that socket only.
    socket.on('error', () => socket.destroy())
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
      // A frame over maxPayload or a broken frame ends this socket (ws itself closes it with 1009 or
      // 1002, telling the peer why), never the server.
      ws.on('error', (err) => {
        process.stderr.write(`WebSocket connection closed: ${err.message}\n`)
        sockets.delete(ws)
      })
      ws.on('message', (data, isBinary) => {
        void answer(service, data as Buffer | ArrayBuffer | Buffer[], isBinary).then((reply) => {
          if (ws.readyState === ws.OPEN) ws.send(reply)
        })
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
