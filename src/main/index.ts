// Electron entry: one window, the IPC transport of the API, and job processes through
// utilityProcess. It stays thin: the engine runs in job processes and in ../service.
import { app, BrowserWindow, ipcMain, shell, nativeTheme, session } from 'electron'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createJobManager } from './jobs/manager'
import { utilityLauncher } from './jobs/utilityLauncher'
import { createService } from './service'
import type { ApiEvent } from '../shared/api'

const here = path.dirname(fileURLToPath(import.meta.url))

// The engine reads its data folder from the environment; the desktop app keeps it in userData.
process.env.TAGBENCH_DATA_DIR ??= path.join(app.getPath('userData'), 'data')

const windows = new Set<BrowserWindow>()
const emit = (event: ApiEvent): void => {
  for (const win of windows) if (!win.isDestroyed()) win.webContents.send('tagbench:event', event)
}
const jobs = createJobManager(utilityLauncher, emit)
const service = createService({ transport: 'ipc', jobs, emit })

ipcMain.handle('tagbench:invoke', async (_e, method: string, params: unknown) => {
  try {
    return { ok: true, result: await service.handle(method, params) }
  } catch (err) {
    // Errors cross IPC as data so the renderer gets the readable message, not Electron's wrapper.
    return { ok: false, error: { message: err instanceof Error ? err.message : String(err) } }
  }
})

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    title: 'Tagbench',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#ffffff',
    icon: path.join(here, '../../resources/icon.png'),
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true
    }
  })
  windows.add(win)
  win.on('closed', () => windows.delete(win))
  win.on('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url)
    return { action: 'deny' }
  })
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void win.loadFile(path.join(here, '../renderer/index.html'))
}

app.whenReady().then(() => {
  // The Tag page's live microphone: grant audio capture; a request that includes a camera is refused.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = (details as { mediaTypes?: string[] }).mediaTypes ?? []
    callback(permission !== 'media' || (media.length > 0 && media.every((t) => t === 'audio')))
  })
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

app.on('before-quit', () => jobs.shutdown())
