// App-level requests: info about the backend and machine, a server-side folder browser (server mode
// cannot get a path from a browser drop), and the job list.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AppInfo, DirListing } from '../../shared/api'
import { collectAppInfo } from '../engine/platform/appInfo'
import type { HandlerTable, ServiceContext } from './index'

let compute: Promise<Pick<AppInfo, 'backend' | 'ort'>> | null = null

/** Asked once per app session, in a job process, and cached (a retry follows a failure). */
function computeInfo(ctx: ServiceContext): Promise<Pick<AppInfo, 'backend' | 'ort'>> {
  compute ??= ctx.jobs.start({ kind: 'probe', runner: 'probe', params: {}, label: 'Checking compute backends' }).done as Promise<Pick<AppInfo, 'backend' | 'ort'>>
  compute.catch(() => (compute = null))
  return compute
}

function listDir(dir: string | undefined): DirListing {
  const target = path.resolve(dir && dir.trim() ? dir : os.homedir())
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(target, { withFileTypes: true })
  } catch (err) {
    throw new Error(`Cannot open folder ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const parent = path.dirname(target)
  return {
    path: target,
    parent: parent === target ? null : parent,
    entries: entries
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ name: e.name, path: path.join(target, e.name), isDir: e.isDirectory() || (e.isSymbolicLink() && isDirSafe(path.join(target, e.name))) }))
      .sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name))
  }
}

function isDirSafe(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

export const handlers: HandlerTable = {
  'app.info': async (_p, ctx) => collectAppInfo(ctx.transport, await computeInfo(ctx)),
  'fs.listDir': (p) => listDir(p?.path),
  'job.list': (_p, ctx) => ctx.jobs.list(),
  'job.cancel': (p, ctx) => ({ ok: ctx.jobs.cancel(p.jobId) })
}
