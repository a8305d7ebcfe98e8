// Tagging results as CSV rows (one per file and label: its rank and score, and whether it passed the
// model's thresholds) and as JSON, for export from the Tag page.
import { stringify } from 'csv-stringify/browser/esm/sync'
import type { TagFileResult } from '@shared/api'

export function tagResultsCsv(results: TagFileResult[]): string {
  const rows: (string | number)[][] = [['file', 'duration_s', 'rank', 'label', 'score', 'positive', 'error']]
  for (const r of results) {
    if (r.error) {
      rows.push([r.file, r.durationS ?? '', '', '', '', '', r.error])
      continue
    }
    r.top.forEach((t, i) => rows.push([r.file, r.durationS ?? '', i + 1, t.label, t.score, r.positive.includes(t.label) ? 1 : 0, '']))
  }
  return stringify(rows)
}

export function tagResultsJson(results: TagFileResult[], labels: string[], model: string): string {
  return JSON.stringify({ model, labels, results }, null, 2)
}
