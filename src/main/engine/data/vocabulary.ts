// vocabulary.csv: the class list in index order. FSD50K's has no header (`index,label,mid`); the
// generic layout's may start with `index,label`. A first row whose index is not a number is a header.
import type { ImportProblem } from '../../../shared/types'
import { readCsv } from './tables'

export async function readVocabulary(file: string, where: string, problems: ImportProblem[], signal?: AbortSignal): Promise<string[]> {
  const { rows } = await readCsv(file, where, problems, { header: false, signal })
  if (rows.length > 0 && !/^\d+$/.test(rows[0].cells[0] ?? '')) rows.shift()
  const byIndex = new Map<number, string>()
  const seen = new Set<string>()
  for (const row of rows) {
    const at = `${where}:${row.line}`
    const [indexCell, label] = row.cells
    const index = Number(indexCell)
    if (row.cells.length < 2 || !label || !Number.isInteger(index) || index < 0) {
      problems.push({ where: at, kind: 'malformed-row', message: `Expected "index,label", got "${row.cells.join(',')}"; skipped` })
      continue
    }
    if (byIndex.has(index) || seen.has(label)) {
      problems.push({ where: at, kind: 'duplicate-row', message: `Index ${index} or label "${label}" appears twice; kept the first` })
      continue
    }
    byIndex.set(index, label)
    seen.add(label)
  }
  return [...byIndex].sort((a, b) => a[0] - b[0]).map(([, label]) => label)
}
