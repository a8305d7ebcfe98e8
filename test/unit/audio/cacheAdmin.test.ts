// The feature cache's upkeep: its size per feature setting matches the files on disk, a prune removes
// exactly what no current audio can read (edited and deleted files, an older feature version, dead
// writers' temp files) and keeps a write in progress, a clear removes one setting or all, and a
// pruned cache still serves the live entries without recomputing them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { cacheUsage, clearCache, pruneCache } from '../../../src/main/engine/audio/cacheAdmin'
import { pruneUnusedFeatures } from '../../../src/main/engine/data/cachePrune'
import { entryPath, settingsDir } from '../../../src/main/engine/audio/cacheStore'
import { loadCachedFeature } from '../../../src/main/engine/audio/cache'
import { importDataset } from '../../../src/main/engine/data/record'
import { tempDir, writeWav } from '../data/helpers'
import { runCli } from '../cliHarness'
import { registerCache } from '../../../src/main/cli/commands/cache'

const MEL32 = { sampleRate: 16000, melBins: 32 }
const MEL64 = { sampleRate: 16000, melBins: 64 }

/** Every file under `dir` with its size, found independently of the code under test. */
function filesUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>()
  if (!fs.existsSync(dir)) return out
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(path.join(e.parentPath, e.name), fs.statSync(path.join(e.parentPath, e.name)).size)
  }
  return out
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)

describe('feature cache upkeep', () => {
  let data: { dir: string; cleanup: () => void }
  let audio: { dir: string; cleanup: () => void }
  let files: string[]
  beforeAll(async () => {
    data = tempDir('cache-admin-data')
    audio = tempDir('cache-admin-audio')
    process.env.TAGBENCH_DATA_DIR = data.dir
    files = ['a', 'b', 'c', 'd'].map((n) => path.join(audio.dir, 'tone', `${n}.wav`))
    files.forEach((f, i) => writeWav(f, 0.3 + 0.1 * i))
    for (const f of files) {
      await loadCachedFeature(f, MEL32)
      await loadCachedFeature(f, MEL64)
    }
  })
  afterAll(() => {
    data.cleanup()
    audio.cleanup()
  })

  it('reports the entries and bytes of each feature setting', async () => {
    const usage = await cacheUsage()
    expect(usage.settings.map((s) => [s.name, s.melBins, s.current, s.entries])).toEqual([
      ['v1-sr16000-mel32', 32, true, 4],
      ['v1-sr16000-mel64', 64, true, 4]
    ])
    expect(usage.settings[0].bytes).toBe(sum(filesUnder(settingsDir(MEL32))))
    expect(usage.settings[1].bytes).toBe(sum(filesUnder(settingsDir(MEL64))))
    expect(usage).toMatchObject({ entries: 8, bytes: usage.settings[0].bytes + usage.settings[1].bytes })
  })

  it('prunes what no current file can read, and keeps a write in progress', async () => {
    const oldEntry32 = await entryPath(files[0], MEL32)
    const oldEntry64 = await entryPath(files[0], MEL64)
    const deletedEntry = await entryPath(files[3], MEL32)
    // Edit a (new length, so a new key), delete d; an older feature version's folder; two temp files.
    writeWav(files[0], 0.7)
    fs.rmSync(files[3])
    const oldVersion = path.join(path.dirname(settingsDir(MEL32)), 'v0-sr16000-mel128', 'ab')
    fs.mkdirSync(oldVersion, { recursive: true })
    fs.writeFileSync(path.join(oldVersion, `${'ab'.padEnd(40, '0')}.npy`), Buffer.alloc(1000))
    const shard = path.dirname(oldEntry32)
    const deadTemp = path.join(shard, '.x.npy.tmp-1-dead')
    const liveTemp = path.join(shard, '.x.npy.tmp-2-live')
    fs.writeFileSync(deadTemp, Buffer.alloc(300))
    fs.writeFileSync(liveTemp, Buffer.alloc(200))
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    fs.utimesSync(deadTemp, twoHoursAgo, twoHoursAgo)

    const before = filesUnder(path.dirname(settingsDir(MEL32)))
    // What must stay: the entries the three remaining files read now (a's new one is not written
    // yet), and the young temp file. Everything else goes.
    const live = new Set([liveTemp])
    for (const f of files.slice(0, 3)) for (const s of [MEL32, MEL64]) live.add(await entryPath(f, s))
    const gone = new Set([...before.keys()].filter((f) => !live.has(f)))
    for (const f of [oldEntry32, oldEntry64, deletedEntry, deadTemp]) expect(gone.has(f)).toBe(true)

    const removed = await pruneCache(files.slice(0, 3))
    const after = filesUnder(path.dirname(settingsDir(MEL32)))
    expect(new Set([...before.keys()].filter((f) => !after.has(f)))).toEqual(gone)
    expect(removed).toEqual({ entries: gone.size, bytes: [...gone].reduce((n, f) => n + before.get(f)!, 0) })
    expect(fs.existsSync(liveTemp)).toBe(true)
    expect(fs.existsSync(path.dirname(oldVersion))).toBe(false)
    // The unchanged files still hit their entries.
    for (const f of files.slice(1, 3)) expect(after.has(await entryPath(f, MEL32))).toBe(true)
    fs.rmSync(liveTemp)
  })

  it('clears one feature setting, or says which exist', async () => {
    await expect(clearCache('v9-sr1-mel1')).rejects.toThrow(/No feature setting "v9-sr1-mel1" in .*\(there are: v1-sr16000-mel32, v1-sr16000-mel64\)/)
    const mel32 = (await cacheUsage()).settings.find((s) => s.melBins === 32)!
    expect(await clearCache(mel32.name)).toEqual({ entries: mel32.entries, bytes: mel32.bytes })
    const usage = await cacheUsage()
    expect(usage.settings.find((s) => s.melBins === 32)?.entries ?? 0).toBe(0)
    expect(usage.settings.find((s) => s.melBins === 64)!.entries).toBeGreaterThan(0)
  })

  it('prunes against the imported datasets', async () => {
    const record = await importDataset({ folder: audio.dir, layout: 'folders', name: 'tones' })
    expect(record.files).toHaveLength(3)
    // An entry of a file outside every dataset goes; the dataset's own entries stay.
    const outside = path.join(data.dir, 'elsewhere.wav')
    writeWav(outside, 0.2)
    await loadCachedFeature(outside, MEL64)
    const keep = await Promise.all(files.slice(0, 3).map((f) => loadCachedFeature(f, MEL64).then(() => entryPath(f, MEL64))))
    const removed = await pruneUnusedFeatures()
    expect(removed.entries).toBe(1)
    for (const e of keep) expect(fs.existsSync(e)).toBe(true)
    expect(fs.existsSync(await entryPath(outside, MEL64))).toBe(false)
  })

  it('tagbench cache / cache prune / cache clear', async () => {
    const usage = JSON.parse(await runCli([registerCache], ['cache', '--json'])) as Awaited<ReturnType<typeof cacheUsage>>
    expect(usage).toEqual(await cacheUsage())
    const text = await runCli([registerCache], ['cache'])
    expect(text).toMatch(/v1-sr16000-mel64\s+3 clips\s+[\d.]+ kB/)
    expect(JSON.parse(await runCli([registerCache], ['cache', 'prune', '--json']))).toEqual({ entries: 0, bytes: 0 })
    expect(await runCli([registerCache], ['cache', 'clear'])).toMatch(new RegExp(`^Removed ${usage.entries} cached feature files \\([\\d.]+ kB\\)`))
    expect((await cacheUsage()).entries).toBe(0)
  })
})
