// A dataset's content fingerprint: a SHA-256 over its files (path, labels, split, fold, size, mtime)
// and strong events. Runs record it, so a run can tell when its dataset changed under it.
import crypto from 'node:crypto'
import type { DatasetFile, StrongEvent } from '../../../shared/types'

export interface FileStamp {
  size: number
  mtimeMs: number
}

export function datasetFingerprint(files: DatasetFile[], stamps: Map<string, FileStamp> | null, events: StrongEvent[] | undefined, extra = ''): string {
  const hash = crypto.createHash('sha256')
  hash.update(`tagbench-dataset-v1\n${extra}\n`)
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const st = stamps?.get(f.path)
    hash.update(`${f.path}\t${f.labels.join(',')}\t${f.split}\t${f.fold ?? ''}\t${st?.size ?? ''}\t${st?.mtimeMs ?? ''}\n`)
  }
  for (const e of events ?? []) hash.update(`E\t${e.file}\t${e.onset}\t${e.offset}\t${e.label}\n`)
  return hash.digest('hex')
}
