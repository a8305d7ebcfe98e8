// Reads every clip's size, mtime, duration and sample rate, a bounded number at a time: tens of
// thousands of files must neither be probed one by one nor all at once (file handles, memory).
// A file that cannot be read becomes an 'unreadable-audio' problem; the others go on.
import fs from 'node:fs'
import path from 'node:path'
import type { ImportProblem } from '../../../shared/types'
import { probeAudio } from '../audio/decode'

export interface ProbedFile {
  size: number
  mtimeMs: number
  durationS: number
  sampleRate: number
}

const DEFAULT_PROBE_CONCURRENCY = 16

/** Runs fn over items with at most `limit` calls in flight; stops taking new items once aborted. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const i = next++
      await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  signal?.throwIfAborted()
}

export async function probeFiles(
  root: string,
  paths: string[],
  opts: { concurrency?: number; signal?: AbortSignal; onDone?: (done: number) => void } = {}
): Promise<{ ok: Map<string, ProbedFile>; problems: ImportProblem[] }> {
  const ok = new Map<string, ProbedFile>()
  const problems: ImportProblem[] = []
  let done = 0
  await forEachLimited(
    paths,
    opts.concurrency ?? DEFAULT_PROBE_CONCURRENCY,
    async (rel) => {
      const abs = path.join(root, rel)
      try {
        const st = await fs.promises.stat(abs)
        const info = await probeAudio(abs)
        if (!(info.durationS > 0) || !(info.sampleRate > 0)) throw new Error(`no audio (duration ${info.durationS} s, ${info.sampleRate} Hz)`)
        ok.set(rel, { size: st.size, mtimeMs: st.mtimeMs, durationS: info.durationS, sampleRate: info.sampleRate })
      } catch (err) {
        problems.push({ where: rel, kind: 'unreadable-audio', message: `Cannot read audio: ${(err as Error).message}; clip skipped` })
      }
      opts.onDone?.(++done)
    },
    opts.signal
  )
  problems.sort((a, b) => a.where.localeCompare(b.where))
  return { ok, problems }
}
