// The preload exposes a few named verbs to the page and never raw ipcRenderer: invoke one of the
// contract's methods, listen to engine events, and get the real path of a dropped file.
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { API_METHODS, type ApiEvent, type ApiMethod } from '../shared/api'

const allowed = new Set<string>(API_METHODS)

contextBridge.exposeInMainWorld('tagbench', {
  transport: 'ipc',
  async invoke(method: ApiMethod, params: unknown) {
    if (!allowed.has(method)) throw new Error(`Unknown request '${method}'`)
    const reply = await ipcRenderer.invoke('tagbench:invoke', method, params)
    if (reply.ok) return reply.result
    throw new Error(reply.error.message)
  },
  onEvent(listener: (event: ApiEvent) => void) {
    const wrapped = (_e: unknown, event: ApiEvent): void => listener(event)
    ipcRenderer.on('tagbench:event', wrapped)
    return () => ipcRenderer.removeListener('tagbench:event', wrapped)
  },
  pathForFile(file: File): string | null {
    return webUtils.getPathForFile(file) || null
  }
})
