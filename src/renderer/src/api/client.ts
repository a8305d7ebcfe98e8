// The renderer's view of the API: Electron's preload bridge when present, otherwise the server
// mode WebSocket (token taken from the page URL, as the server printed it).
import type { ApiEvent, ApiMethod, ParamsOf, ResponseFrame, ResultOf, ServerFrame, TagbenchApi } from '@shared/api'

declare global {
  interface Window {
    tagbench?: TagbenchApi
  }
}

function websocketApi(): TagbenchApi {
  const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('tagbench.token') ?? ''
  if (token) sessionStorage.setItem('tagbench.token', token)
  const listeners = new Set<(e: ApiEvent) => void>()
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let nextId = 1
  let socket: WebSocket | null = null
  let opening: Promise<WebSocket> | null = null

  const connect = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket)
    if (opening) return opening
    opening = new Promise((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`)
      ws.onopen = () => {
        socket = ws
        opening = null
        resolve(ws)
      }
      ws.onerror = () => {
        opening = null
        reject(new Error('Cannot reach the Tagbench server: is it still running, and does the URL hold the right token?'))
      }
      ws.onclose = () => {
        socket = null
        for (const p of pending.values()) p.reject(new Error('The connection to the Tagbench server was lost.'))
        pending.clear()
        // Reconnect so events keep flowing after a server restart or a network blip.
        setTimeout(() => void connect().catch((err: Error) => console.warn(`Tagbench: ${err.message} (retrying every 2 s)`)), 2000)
      }
      ws.onmessage = (msg) => {
        const frame = JSON.parse(String(msg.data)) as ServerFrame
        if ('event' in frame) {
          for (const l of listeners) l(frame.event)
          return
        }
        const reply = frame as ResponseFrame
        if (reply.id === null) {
          // The server could not tell which request this answers (it never is one of ours): say so.
          console.error(`Tagbench server: ${reply.ok ? 'unexpected reply' : reply.error.message}`)
          return
        }
        const p = pending.get(reply.id)
        if (!p) return
        pending.delete(reply.id)
        if (reply.ok) p.resolve(reply.result)
        else p.reject(new Error(reply.error.message))
      }
    })
    return opening
  }

  return {
    transport: 'websocket',
    async invoke<M extends ApiMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
      const ws = await connect()
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        ws.send(JSON.stringify({ id, method, params }))
      })
    },
    onEvent(listener) {
      listeners.add(listener)
      // A failure here also fails the first invoke, which shows it; say it in the console too.
      void connect().catch((err: Error) => console.warn(`Tagbench: ${err.message}`))
      return () => listeners.delete(listener)
    },
    pathForFile: () => null
  }
}

export const api: TagbenchApi = window.tagbench ?? websocketApi()
