// Paths inside a dataset folder: which files count as audio, how a name from a CSV or list file is
// turned into a file that exists under the root, and which names are refused because they would
// leave the root. Dataset paths are always relative to the root, with forward slashes.
import path from 'node:path'

/** Extensions the import treats as audio; whether each file really decodes is checked by probing. */
export const AUDIO_EXTENSIONS = new Set(['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.aif', '.aiff', '.webm'])

export const isAudioName = (name: string): boolean => AUDIO_EXTENSIONS.has(path.extname(name).toLowerCase())

const toPosix = (p: string): string => p.replace(/\\/g, '/')

/**
 * Why a name taken from a CSV or list file may not be used, or null when it is a plain relative
 * path. Absolute paths and any `..` segment are refused outright: a table must not reach outside the
 * dataset, whatever base folder it is joined to.
 */
export function escapeReason(name: string): string | null {
  const p = toPosix(name.trim())
  if (path.posix.isAbsolute(p) || path.win32.isAbsolute(name) || /^[A-Za-z]:/.test(p)) return 'is an absolute path'
  if (p.split('/').includes('..')) return "contains '..' and would leave the dataset folder"
  return null
}

const stripExt = (p: string): string => {
  const dot = p.lastIndexOf('.')
  return dot > p.lastIndexOf('/') + 1 && AUDIO_EXTENSIONS.has(p.slice(dot).toLowerCase()) ? p.slice(0, dot) : p
}

/** The audio files found under a root, looked up by relative path with or without extension. */
export interface FileIndex {
  has(rel: string): boolean
  /** The existing file a table name refers to, trying each base folder in turn; null when none. */
  resolve(name: string, baseDirs: string[]): string | null
}

export function makeFileIndex(files: Iterable<string>): FileIndex {
  const exact = new Set<string>()
  const byStem = new Map<string, string>()
  for (const f of files) {
    exact.add(f)
    const stem = stripExt(f)
    // The first file wins when two differ only by extension (a.wav and a.flac): keep it stable.
    if (!byStem.has(stem)) byStem.set(stem, f)
  }
  return {
    has: (rel) => exact.has(rel),
    resolve(name, baseDirs) {
      const clean = toPosix(name.trim())
      for (const base of baseDirs) {
        const joined = path.posix.normalize(base ? `${base}/${clean}` : clean)
        if (exact.has(joined)) return joined
        const hit = byStem.get(stripExt(joined))
        if (hit) return hit
      }
      return null
    }
  }
}
