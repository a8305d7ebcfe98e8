// Atomic writes for everything that matters (run records, checkpoints, dataset indexes): write a
// temp file beside the target, fsync it, then rename over the target. A reader sees the old file or
// the new one, never half of either; a crash leaves at most a stray *.tmp-* file.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`)
}

/**
 * The error to show when writing `target` failed: it names the file, and says "the disk is full" in
 * words where the system only says ENOSPC.
 */
export function writeError(target: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code
  const why = code === 'ENOSPC' || code === 'EDQUOT' ? `the disk is full (${code}); free some space, then try again` : (err as Error).message
  return new Error(`Could not write ${target}: ${why}`)
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const tmp = tempName(target)
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  let fd: number | null = null
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fd = fs.openSync(tmp, 'w')
    // write(2) may take less than it is given (a nearly full disk): go on until all of it is written.
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done)
      if (n <= 0) throw Object.assign(new Error('no progress writing'), { code: 'ENOSPC' })
      done += n
    }
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = null
    fs.renameSync(tmp, target)
    fsyncDir(path.dirname(target))
  } catch (err) {
    if (fd !== null) fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    throw writeError(target, err)
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(target)
  let handle: fs.promises.FileHandle | null = null
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true })
    handle = await fs.promises.open(tmp, 'w')
    // FileHandle.writeFile loops until everything is written.
    await handle.writeFile(data)
    await handle.sync()
    await handle.close()
    handle = null
    await fs.promises.rename(tmp, target)
    fsyncDir(path.dirname(target))
  } catch (err) {
    await handle?.close()
    await fs.promises.rm(tmp, { force: true })
    throw writeError(target, err)
  }
}

/**
 * fsync a folder, so that a rename into it survives a power cut (the file's own fsync does not cover
 * its directory entry). Best effort where the system cannot open a folder for it (Windows: EPERM/EISDIR).
 */
export function fsyncDir(dir: string): void {
  let fd: number | null = null
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EBADF') throw err
  } finally {
    if (fd !== null) fs.closeSync(fd)
  }
}

export const writeJsonAtomic = (target: string, value: unknown): Promise<void> =>
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n')

export const writeJsonAtomicSync = (target: string, value: unknown): void =>
  writeFileAtomicSync(target, JSON.stringify(value, null, 2) + '\n')

/**
 * Delete a folder so that it is gone from listings at once: renamed to a hidden `.deleted-<name>-<pid>`
 * sibling first (one atomic step), then removed. A crash in between leaves only the hidden folder.
 */
export function deleteDirAtomically(dir: string): void {
  const trash = path.join(path.dirname(dir), `.deleted-${path.basename(dir)}-${process.pid}`)
  fs.renameSync(dir, trash)
  fs.rmSync(trash, { recursive: true, force: true })
}

/** Read JSON with an error that names the file, instead of a bare SyntaxError. */
export function readJsonSync<T>(file: string): T {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`)
  }
}

/** A user-chosen output that exists is replaced only when the request says so (code 'exists'). */
export function refuseOverwrite(req: { out?: string; overwrite?: boolean }): void {
  if (req.out && !req.overwrite && fs.existsSync(req.out))
    throw Object.assign(new Error(`${path.resolve(req.out)} already exists; export with overwrite to replace it, or choose another file`), { code: 'exists' })
}

/**
 * Whether a process with this pid exists on this machine (EPERM: it does, but belongs to someone
 * else). Temp and staging names carry their writer's pid, so a leftover of a killed writer can be told
 * from a write still in progress.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Remove the entries of `dir` that `isLeftover` names (staging or deletion leftovers); a missing folder has none. */
export function removeLeftovers(dir: string, isLeftover: (name: string) => boolean): void {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) if (isLeftover(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true })
}
