// Finds the audio files under a dataset folder. Symbolic links are followed (people link their data
// in from elsewhere), so every folder is identified by its real path and visited once: a link back
// to a parent becomes a 'symlink-loop' problem instead of an endless walk. Depth is capped as well.
import fs from 'node:fs'
import path from 'node:path'
import type { ImportProblem } from '../../../shared/types'
import { makeBreather } from './breathe'
import { isAudioName } from './files'

export interface WalkResult {
  /** Audio files, relative to the root with forward slashes, sorted. */
  files: string[]
  /** Folders (relative, '' = root) with the number of audio files directly inside. */
  audioPerDir: Map<string, number>
  /** Folders directly below the root that hold no audio at any depth. */
  emptyTopDirs: string[]
  problems: ImportProblem[]
}

export interface WalkOptions {
  signal?: AbortSignal
  maxDepth?: number
  /** Folders (relative path) not to enter, e.g. Speech Commands' _background_noise_. */
  skipDir?: (rel: string) => boolean
}

const MAX_WALK_DEPTH = 32

export async function walkAudio(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const maxDepth = opts.maxDepth ?? MAX_WALK_DEPTH
  const problems: ImportProblem[] = []
  const files: string[] = []
  const audioPerDir = new Map<string, number>()
  const visited = new Set<string>([await fs.promises.realpath(root)])
  const stack: { abs: string; rel: string; depth: number }[] = [{ abs: root, rel: '', depth: 0 }]
  const breathe = makeBreather()
  while (stack.length > 0) {
    opts.signal?.throwIfAborted()
    const dir = stack.pop()!
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir.abs, { withFileTypes: true })
    } catch (err) {
      problems.push({ where: dir.rel || '.', kind: 'other', message: `Cannot read folder: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` })
      continue
    }
    let audioHere = 0
    for (const entry of entries) {
      await breathe()
      if (entry.name.startsWith('.')) continue
      const abs = path.join(dir.abs, entry.name)
      const rel = dir.rel ? `${dir.rel}/${entry.name}` : entry.name
      let isDir = entry.isDirectory()
      let isFile = entry.isFile()
      if (entry.isSymbolicLink()) {
        try {
          const st = await fs.promises.stat(abs)
          isDir = st.isDirectory()
          isFile = st.isFile()
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code
          if (code === 'ELOOP') problems.push({ where: rel, kind: 'symlink-loop', message: 'Symbolic link points to itself (loop); skipped' })
          else if (isAudioName(entry.name)) problems.push({ where: rel, kind: 'missing-file', message: `Broken symbolic link (${code}); skipped` })
          continue
        }
      }
      if (isDir) {
        if (opts.skipDir?.(rel)) continue
        let real: string
        try {
          real = await fs.promises.realpath(abs)
        } catch (err) {
          problems.push({ where: rel, kind: 'other', message: `Cannot resolve folder: ${(err as NodeJS.ErrnoException).code}` })
          continue
        }
        if (visited.has(real)) {
          problems.push({ where: rel, kind: 'symlink-loop', message: `Folder already visited as ${real} (symbolic link loop or second link); skipped` })
          continue
        }
        if (dir.depth + 1 > maxDepth) {
          problems.push({ where: rel, kind: 'other', message: `More than ${maxDepth} folders deep; not scanned` })
          continue
        }
        visited.add(real)
        stack.push({ abs, rel, depth: dir.depth + 1 })
      } else if (isFile && isAudioName(entry.name)) {
        files.push(rel)
        audioHere++
      }
    }
    audioPerDir.set(dir.rel, audioHere)
  }
  files.sort()
  return { files, audioPerDir, emptyTopDirs: emptyTopDirs(audioPerDir), problems }
}

/** Top-level folders with no audio anywhere below them (skipped folders are not listed at all). */
function emptyTopDirs(audioPerDir: Map<string, number>): string[] {
  const totals = new Map<string, number>()
  for (const [rel, n] of audioPerDir) {
    if (rel === '') continue
    const top = rel.split('/')[0]
    totals.set(top, (totals.get(top) ?? 0) + n)
  }
  return [...totals].filter(([, n]) => n === 0).map(([top]) => top).sort()
}
