// The desktop app's job launcher: Electron's utilityProcess, whose deaths Electron reports with a
// reason (oom, crashed, killed) through app's 'child-process-gone' event.
import { app, utilityProcess } from 'electron'
import type { JobFailure } from '../../shared/api'
import type { JobExit, JobProcess, Launcher } from './launcher'
import type { JobMessage } from './protocol'
import { workerEntry } from './launcher'

const goneReasons = new Map<string, { reason: string; exitCode: number }>()
app.on('child-process-gone', (_e, details) => {
  if (details.type === 'Utility' && details.name) goneReasons.set(details.name, { reason: details.reason, exitCode: details.exitCode })
})

function failureOf(reason: string | undefined): JobFailure | undefined {
  if (reason === 'oom') return 'oom'
  if (reason === 'killed') return 'killed'
  if (reason === 'crashed' || reason === 'abnormal-exit' || reason === 'launch-failed' || reason === 'integrity-failure') return 'crashed'
  return undefined
}

export const utilityLauncher: Launcher = (name, opts = {}) => {
  const entry = workerEntry()
  const child = utilityProcess.fork(entry.file, [name], {
    serviceName: name,
    stdio: 'inherit',
    execArgv: opts.maxHeapMb ? [`--max-old-space-size=${opts.maxHeapMb}`] : [],
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {})
  })
  const exitListeners: ((e: JobExit) => void)[] = []
  child.on('exit', (code) => {
    // 'child-process-gone' fires before 'exit' for abnormal ends.
    const gone = goneReasons.get(name)
    goneReasons.delete(name)
    const failure = failureOf(gone?.reason) ?? (code !== 0 ? 'crashed' : undefined)
    const exit: JobExit = { code, signal: null, failure, detail: failure ? `${gone?.reason ?? 'exit'} (code ${code})` : undefined }
    for (const fn of exitListeners) fn(exit)
  })
  return {
    get pid() {
      return child.pid
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (fn) => child.on('message', (m) => fn(m as JobMessage)),
    onExit: (fn) => exitListeners.push(fn),
    kill: () => void child.kill()
  } satisfies JobProcess
}
