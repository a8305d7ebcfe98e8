// The audio files behind the paths a user hands to `tag`: files as given, folders searched
// recursively for audio extensions (sorted, so output order is stable), symlinked folders followed once
// and only while they stay inside the folder given (a `loop -> ..` must not tag the disk); dangling
// links are reported, not skipped silently.
import fs from 'node:fs'
import path from 'node:path'
import { AUDIO_EXTENSIONS, isAudioName } from '../data/files'

/**
 * Files to tag, in order and without repeats, and the paths that could not be used (missing, unreadable, a folder
 * without audio). A file given by name is kept whatever its extension: the decoder says if it cannot read it.
 */
export function expandAudioPaths(paths: string[]): { files: string[]; errors: { file: string; message: string }[] } {
  const files: string[] = []
  const errors: { file: string; message: string }[] = []
  const seenDirs = new Set<string>()
  const seenFiles = new Set<string>()
  const add = (file: string) => {
    const key = path.resolve(file)
    if (seenFiles.has(key)) return
    seenFiles.add(key)
    files.push(file)
  }

  const inside = (real: string, root: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep)
  const walk = (dir: string, root: string): number => {
    const real = fs.realpathSync(dir)
    if (seenDirs.has(real)) return 0
    seenDirs.add(real)
    let found = 0
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const full = path.join(dir, e.name)
      let isDir = e.isDirectory()
      let isFile = e.isFile()
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(full)
          isDir = st.isDirectory()
          isFile = st.isFile()
        } catch (err) {
          const target = (() => {
            try {
              return fs.readlinkSync(full)
            } catch {
              return '?'
            }
          })()
          errors.push({ file: full, message: `${full}: a symlink to ${target}, which ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`}; skipped` })
          continue
        }
        if (isDir && !inside(fs.realpathSync(full), root)) {
          errors.push({ file: full, message: `${full}: a symlink to a folder outside ${root} (${fs.realpathSync(full)}); not followed` })
          continue
        }
      }
      if (isDir) found += walk(full, root)
      else if (isFile && isAudioName(e.name)) {
        add(full)
        found++
      }
    }
    return found
  }

  for (const p of paths) {
    let st: fs.Stats
    try {
      st = fs.statSync(p)
    } catch (err) {
      errors.push({ file: p, message: `${p}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}` })
      continue
    }
    if (st.isDirectory()) {
      try {
        if (seenDirs.has(fs.realpathSync(p))) continue
        if (walk(p, fs.realpathSync(p)) === 0) errors.push({ file: p, message: `${p}: no audio files (${[...AUDIO_EXTENSIONS].join(', ')}) in this folder` })
      } catch (err) {
        errors.push({ file: p, message: `${p}: cannot read the folder: ${(err as Error).message}` })
      }
    } else add(p)
  }
  return { files, errors }
}
