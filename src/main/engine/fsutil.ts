// Atomic writes for everything that matters (run records, checkpoints, dataset indexes): write a
// temp file beside the target, fsync it, then rename over the target. A reader sees the old file or
// the new one, never half of either; a crash leaves at most a stray *.tmp-* file.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`)
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const tmp = tempName(target)
  const fd = fs.openSync(tmp, 'w')
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fs.fsyncSync(fd)
  } catch (err) {
    fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    throw new Error(`Could not write ${target}: ${(err as Error).message}`)
  }
  fs.closeSync(fd)
  fs.renameSync(tmp, target)
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true })
  const tmp = tempName(target)
  const handle = await fs.promises.open(tmp, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (err) {
    await handle.close()
    await fs.promises.rm(tmp, { force: true })
    throw new Error(`Could not write ${target}: ${(err as Error).message}`)
  }
  await handle.close()
  await fs.promises.rename(tmp, target)
}

export const writeJsonAtomic = (target: string, value: unknown): Promise<void> =>
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n')

export const writeJsonAtomicSync = (target: string, value: unknown): void =>
  writeFileAtomicSync(target, JSON.stringify(value, null, 2) + '\n')

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
