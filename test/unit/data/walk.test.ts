import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { walkAudio } from '../../../src/main/engine/data/walk'
import { escapeReason, makeFileIndex } from '../../../src/main/engine/data/files'
import { tempDir, writeText } from './helpers'

const t = tempDir('walk')
afterAll(t.cleanup)

describe('walkAudio', () => {
  it('finds audio, survives symlink loops, broken links and deep nesting, and lists empty folders', async () => {
    const root = path.join(t.dir, 'ds')
    writeText(path.join(root, 'dog/a.wav'), 'x')
    writeText(path.join(root, 'dog/sub/b.FLAC'), 'x')
    writeText(path.join(root, 'dog/notes.txt'), 'x')
    writeText(path.join(root, '.hidden/c.wav'), 'x')
    writeText(path.join(root, 'cat/d.mp3'), 'x')
    fs.mkdirSync(path.join(root, 'empty/inner'), { recursive: true })
    fs.symlinkSync('..', path.join(root, 'dog/loop'))
    fs.symlinkSync(path.join(root, 'missing.wav'), path.join(root, 'cat/broken.wav'))
    fs.symlinkSync('self.wav', path.join(root, 'cat/self.wav'))
    let deep = path.join(root, 'deep')
    for (let i = 0; i < 5; i++) deep = path.join(deep, `d${i}`)
    writeText(path.join(deep, 'e.wav'), 'x')
    // An outside folder linked in is followed: people link their data in from elsewhere.
    writeText(path.join(t.dir, 'outside/f.wav'), 'x')
    fs.symlinkSync(path.join(t.dir, 'outside'), path.join(root, 'linked'))

    const w = await walkAudio(root, { maxDepth: 4 })
    expect(w.files).toEqual(['cat/d.mp3', 'dog/a.wav', 'dog/sub/b.FLAC', 'linked/f.wav'])
    const kinds = w.problems.map((p) => `${p.kind} ${p.where}`).sort()
    expect(kinds).toEqual(['missing-file cat/broken.wav', 'other deep/d0/d1/d2/d3', 'symlink-loop cat/self.wav', 'symlink-loop dog/loop'])
    expect(w.emptyTopDirs).toEqual(['deep', 'empty'])
  })

  it('stops when aborted', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(walkAudio(t.dir, { signal: ac.signal })).rejects.toThrow(/abort/i)
  })
})

describe('names from tables', () => {
  it('refuses absolute paths and .. segments', () => {
    expect(escapeReason('../x.wav')).toMatch(/leave/)
    expect(escapeReason('audio/../../x.wav')).toMatch(/leave/)
    expect(escapeReason('/etc/passwd')).toMatch(/absolute/)
    expect(escapeReason('C:\\data\\x.wav')).toMatch(/absolute/)
    expect(escapeReason('a/b..c.wav')).toBeNull()
  })

  it('resolves with or without extension, in the base folders in order', () => {
    const index = makeFileIndex(['audio/1.flac', 'audio/2.wav', '3.wav', 'other/3.wav'])
    expect(index.resolve('1', ['audio', ''])).toBe('audio/1.flac')
    expect(index.resolve('2.wav', ['audio', ''])).toBe('audio/2.wav')
    expect(index.resolve('3', ['audio', '', 'other'])).toBe('3.wav')
    expect(index.resolve('other/3.wav', ['audio', ''])).toBe('other/3.wav')
    expect(index.resolve('4', ['audio', ''])).toBeNull()
  })
})
