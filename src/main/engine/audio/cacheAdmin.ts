// Looking after the feature cache: how much disk each feature setting takes, clearing it, and pruning
// the entries no dataset can use any more. Entries are keyed by a file's path, size and mtime
// (cacheStore.ts), so an edited, moved or deleted file leaves its old entry behind, and a bump of
// FEATURE_VERSION leaves whole folders behind. Deleting entries is always safe, even while a run
// trains: a missing entry is computed again on its next read. Which audio files are live is the
// caller's to say (data/cachePrune.ts asks the datasets): the cache sits below the dataset records.
import fs from 'node:fs'
import path from 'node:path'
import type { CacheUsage, CacheSettingsUsage, CacheRemoval } from '../../../shared/types'
import { cacheDir } from '../platform/paths'
import { pidAlive } from '../io/fsutil'
import { FEATURE_VERSION, entryKey } from './cacheStore'

const SETTINGS_PATTERN = /^v(\d+)-sr(\d+)-mel(\d+)$/
const ENTRY_PATTERN = /^([0-9a-f]{40})\.npy$/

const featuresDir = (): string => path.join(cacheDir(), 'features')

async function listDir(dir: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new Error(`Cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

interface Entry {
  file: string
  /** null for anything that is not an entry: a temp file of a write in progress, or a stray one. */
  key: string | null
  bytes: number
  mtimeMs: number
}

/** A temp file this old is a dead writer's; a younger one may be a write in progress (never touched). */
const STRAY_TEMP_AGE_MS = 3600_000

/**
 * Whether a temp file is a dead writer's: its writer's pid (fsutil names temp files
 * .<name>.tmp-<pid>-<hex>) is no live process (a kill), or it is older than any write takes.
 */
function deadTemp(e: Entry, now: number): boolean {
  if (now - e.mtimeMs > STRAY_TEMP_AGE_MS) return true
  const pid = Number(/\.tmp-(\d+)-[0-9a-f]+$/.exec(path.basename(e.file))?.[1])
  return !!pid && pid !== process.pid && !pidAlive(pid)
}

/** Every file under one settings folder (entries, and any stray temp files, whose key is null). */
async function entriesOf(settingsFolder: string): Promise<Entry[]> {
  const out: Entry[] = []
  for (const shard of await listDir(settingsFolder)) {
    if (!shard.isDirectory()) continue
    const shardDir = path.join(settingsFolder, shard.name)
    for (const e of await listDir(shardDir)) {
      if (!e.isFile()) continue
      const file = path.join(shardDir, e.name)
      try {
        const st = await fs.promises.stat(file)
        out.push({ file, key: ENTRY_PATTERN.exec(e.name)?.[1] ?? null, bytes: st.size, mtimeMs: st.mtimeMs })
      } catch {
        // Removed meanwhile (another prune, or a writer's rename): nothing to count.
      }
    }
  }
  return out
}

async function settingsFolders(): Promise<{ name: string; dir: string; usage: Omit<CacheSettingsUsage, 'entries' | 'bytes'> }[]> {
  return (await listDir(featuresDir()))
    .filter((d) => d.isDirectory())
    .map((d) => {
      const m = SETTINGS_PATTERN.exec(d.name)
      const version = m ? Number(m[1]) : null
      return {
        name: d.name,
        dir: path.join(featuresDir(), d.name),
        usage: { name: d.name, version, sampleRate: m ? Number(m[2]) : null, melBins: m ? Number(m[3]) : null, current: version === FEATURE_VERSION }
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** Disk used by the cache, per feature setting. */
export async function cacheUsage(): Promise<CacheUsage> {
  const settings: CacheSettingsUsage[] = []
  for (const s of await settingsFolders()) {
    const entries = await entriesOf(s.dir)
    settings.push({ ...s.usage, entries: entries.filter((e) => e.key !== null).length, bytes: entries.reduce((n, e) => n + e.bytes, 0) })
  }
  return {
    dir: featuresDir(),
    entries: settings.reduce((n, s) => n + s.entries, 0),
    bytes: settings.reduce((n, s) => n + s.bytes, 0),
    settings
  }
}

async function removeEntries(entries: Entry[]): Promise<CacheRemoval> {
  let removed = 0
  let bytes = 0
  for (const e of entries) {
    try {
      await fs.promises.rm(e.file)
      removed++
      bytes += e.bytes
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot remove ${e.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  return { entries: removed, bytes }
}

/** Delete every entry, or those of one feature setting (a folder name from cacheUsage). Safe while runs train. */
export async function clearCache(settingsName?: string): Promise<CacheRemoval> {
  const folders = await settingsFolders()
  const chosen = settingsName === undefined ? folders : folders.filter((f) => f.name === settingsName)
  if (settingsName !== undefined && chosen.length === 0)
    throw new Error(`No feature setting "${settingsName}" in ${featuresDir()} (there are: ${folders.map((f) => f.name).join(', ') || 'none'})`)
  const total: CacheRemoval = { entries: 0, bytes: 0 }
  for (const f of chosen) {
    // Entries only: a temp file may be a write in progress, whose rename must still find its folder.
    const r = await removeEntries((await entriesOf(f.dir)).filter((e) => e.key !== null))
    total.entries += r.entries
    total.bytes += r.bytes
  }
  return total
}

/**
 * Delete the entries that no file in `audioFiles` (absolute paths, as they are now on disk) can
 * read: those of edited, moved or deleted audio, of an older FEATURE_VERSION, and temp files left
 * by dead writers. `audioFiles` that cannot be read are skipped (their entries go too).
 */
export async function pruneCache(audioFiles: Iterable<string>): Promise<CacheRemoval> {
  const live = new Set<string>()
  for (const file of audioFiles) {
    const key = await entryKey(file).catch(() => null)
    if (key) live.add(key)
  }
  const total: CacheRemoval = { entries: 0, bytes: 0 }
  for (const f of await settingsFolders()) {
    const entries = await entriesOf(f.dir)
    const now = Date.now()
    const stale = entries.filter((e) => (e.key === null ? deadTemp(e, now) : !f.usage.current || !live.has(e.key)))
    const r = await removeEntries(stale)
    total.entries += r.entries
    total.bytes += r.bytes
    // An old version's folder goes once empty (a young temp file keeps it until the next prune).
    if (!f.usage.current && stale.length === entries.length) await fs.promises.rm(f.dir, { recursive: true, force: true })
  }
  return total
}
