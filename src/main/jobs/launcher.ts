// One small interface over the two ways to start a job process: child_process.fork under plain Node
// (CLI, server mode, tests) and Electron's utilityProcess (desktop app, see ./utilityLauncher).
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { JobFailure } from '../../shared/api'
import type { JobMessage, ParentMessage } from './protocol'

export interface JobExit {
  code: number | null
  signal: string | null
  /** Set when the process died rather than finishing its protocol. */
  failure?: JobFailure
  detail?: string
}

export interface JobProcess {
  readonly pid: number | undefined
  send(msg: ParentMessage): void
  onMessage(fn: (msg: JobMessage) => void): void
  onExit(fn: (exit: JobExit) => void): void
  kill(): void
}

export interface LaunchOptions {
  /** Caps the job's JS heap (MB), so a runaway job fails as 'oom' instead of swapping the machine. */
  maxHeapMb?: number
  /** Variables the process needs from its start (read before any job code runs), over this process's. */
  env?: Record<string, string>
}

export type Launcher = (name: string, opts?: LaunchOptions) => JobProcess

/** Where the job entry lives: the TypeScript source under tsx, or the bundle next to the built main. */
export function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    // tsx resolved from here, not from the cwd: a job started elsewhere (a Slurm job in its run folder) finds it too.
    return { file: path.join(path.dirname(here), 'worker.ts'), execArgv: ['--import', import.meta.resolve('tsx')] }
  }
  return { file: path.join(path.dirname(here), 'jobWorker.js'), execArgv: [] }
}

const OOM_STDERR = /heap out of memory|Allocation failed|out of memory/i

/** Classifies a dead process: a V8 heap abort is oom; SIGKILL is killed; other signals are crashes. */
function classifyExit(code: number | null, signal: string | null, stderrTail: string): JobExit {
  if (OOM_STDERR.test(stderrTail)) return { code, signal, failure: 'oom', detail: lastLine(stderrTail) }
  if (signal === 'SIGKILL' || signal === 'SIGTERM') return { code, signal, failure: 'killed', detail: `stopped by ${signal}` }
  if (signal) return { code, signal, failure: 'crashed', detail: `${signal}${stderrTail ? `: ${lastLine(stderrTail)}` : ''}` }
  if (code !== 0) return { code, signal, failure: 'crashed', detail: `exit code ${code}${stderrTail ? `: ${lastLine(stderrTail)}` : ''}` }
  return { code, signal }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim())
  return (lines.find((l) => OOM_STDERR.test(l)) ?? lines[lines.length - 1] ?? '').slice(0, 300)
}

export const forkLauncher: Launcher = (name, opts = {}) => {
  const entry = workerEntry()
  const execArgv = [...entry.execArgv]
  if (opts.maxHeapMb) execArgv.push(`--max-old-space-size=${opts.maxHeapMb}`)
  const child = fork(entry.file, [name], {
    execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {})
  })
  let stderrTail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    process.stderr.write(text)
    stderrTail = (stderrTail + text).slice(-4000)
  })
  const exitListeners: ((e: JobExit) => void)[] = []
  child.on('exit', (code, signal) => {
    const exit = classifyExit(code, signal, stderrTail)
    for (const fn of exitListeners) fn(exit)
  })
  child.on('error', (err) => {
    for (const fn of exitListeners) fn({ code: null, signal: null, failure: 'crashed', detail: `could not start: ${err.message}` })
  })
  return {
    pid: child.pid,
    send: (msg) => {
      if (child.connected) child.send(msg)
    },
    onMessage: (fn) => child.on('message', (m) => fn(m as JobMessage)),
    onExit: (fn) => exitListeners.push(fn),
    kill: () => child.kill('SIGKILL')
  }
}
