// `tagbench tag <model> <files or folders...>`: tag audio with a run, an exported .onnx, a checkpoint
// folder or a Hugging Face AST folder. Text, JSON or CSV out; optional embeddings as .npy.
import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { stringify } from 'csv-stringify/sync'
import type { TagFileResult } from '../../../shared/types'
import { eventsCsv, eventsFrameFile } from '../../../shared/frameEvents'
import { writeFileAtomicSync } from '../../engine/io/fsutil'
import { writeNpy } from '../../engine/io/npy'
import { ACTIVATION_CHOICES } from '../../engine/infer/activation'
import { tagFiles, type TagOptions } from '../../engine/infer/tag'
import { printResult, progressBar } from '../output'
import { oneOf, positiveInt, positiveNumber } from '../args'

interface TagCliOptions {
  topK: string
  hop?: string
  aggregate: string
  activation: string
  threads?: string
  batch: string
  provider: string
  engine: string
  json?: boolean
  csv?: string
  embeddings?: string
  events?: string
}

/** One row per file: the positives, then the top-k labels and scores in their own columns. */
function resultsCsv(results: TagFileResult[], topK: number): string {
  const header = ['file', 'duration_s', 'error', 'positive', 'events']
  for (let i = 1; i <= topK; i++) header.push(`top${i}_label`, `top${i}_score`)
  const rows = results.map((r) => {
    const row: (string | number)[] = [r.file, r.durationS ?? '', r.error ?? '', r.positive.join(';'), r.events?.length ?? '']
    for (let i = 0; i < topK; i++) row.push(r.top[i]?.label ?? '', r.top[i] ? Number(r.top[i].score.toFixed(6)) : '')
    return row
  })
  return stringify([header, ...rows])
}

function textLine(r: TagFileResult): string {
  if (r.error) return `${r.file}: ERROR ${r.error}`
  const top = r.top.map((t) => `${t.label} ${t.score.toFixed(3)}`).join(', ')
  const events = r.events ? ` | ${r.events.length} event${r.events.length === 1 ? '' : 's'}` : ''
  return `${r.file}: ${top} | positive: ${r.positive.length > 0 ? r.positive.join(', ') : '(none)'}${events}`
}

/** Each file's events as <stem>.events.csv and a 0/1 frame file <stem>.txt; how many files had a frame output. */
function writeEventFiles(dir: string, results: TagFileResult[], labels: string[]): number {
  fs.mkdirSync(dir, { recursive: true })
  let n = 0
  for (const r of results) {
    if (r.error || !r.frames || !r.events) continue
    const stem = path.basename(r.file, path.extname(r.file))
    writeFileAtomicSync(path.join(dir, `${stem}.events.csv`), eventsCsv(r.events))
    writeFileAtomicSync(path.join(dir, `${stem}.txt`), eventsFrameFile(r.events, labels, r.frames.values.length, r.frames.frameRate))
    n++
  }
  if (n === 0) throw new Error(`--events: the model gives no frame output (train it with --frame-head), so there are no events to write`)
  return n
}

export function registerTag(program: Command): void {
  program
    .command('tag <model> <paths...>')
    .description(
      'Tag audio files and folders (searched recursively) with a model: a run id (its best checkpoint and thresholds), ' +
        'a .onnx from `tagbench export`, a checkpoint folder or a Hugging Face AST folder. Long files are cut into ' +
        'model-sized windows; files that cannot be read are reported and the rest are tagged.'
    )
    .option('--top-k <k>', 'labels listed per file', '5')
    .option('--hop <seconds>', 'seconds between window starts (default: half a window)')
    .option('--aggregate <how>', 'combine windows: max | mean', 'max')
    .option('--activation <a>', 'clip scores: auto (the model\'s own: softmax for single-label training, else sigmoid) | sigmoid | softmax', 'auto')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)')
    .option('--batch <n>', 'windows per model call', '8')
    .option('--provider <p>', 'ONNX Runtime provider: auto | cpu | cuda', 'auto')
    .option('--engine <e>', 'auto (ONNX Runtime, tfjs when it cannot load) | ort | tfjs', 'auto')
    .option('--csv <file.csv>', 'write one row per file to this CSV')
    .option('--embeddings <file.npy>', 'write float32 [files, D] mean embeddings (rows in result order; NaN where a file failed)')
    .option('--events <folder>', 'models with a frame output: write <name>.events.csv (onset,offset,label) and <name>.txt (0/1 per frame, one column per class: the per-frame import form) for each file')
    .option('--json', 'print JSON (results, engine and what it fell back from)')
    .action(async (model: string, paths: string[], o: TagCliOptions) => {
      const topK = positiveInt(o.topK, '--top-k')
      const opts: TagOptions = {
        topK,
        aggregate: oneOf(o.aggregate, ['max', 'mean'] as const, '--aggregate'),
        activation: oneOf(o.activation, ACTIVATION_CHOICES, '--activation'),
        batchSize: positiveInt(o.batch, '--batch'),
        provider: oneOf(o.provider, ['auto', 'cpu', 'cuda'] as const, '--provider'),
        engine: oneOf(o.engine, ['auto', 'ort', 'tfjs'] as const, '--engine'),
        embeddings: Boolean(o.embeddings),
        ...(o.hop !== undefined ? { hopS: positiveNumber(o.hop, '--hop') } : {}),
        ...(o.threads !== undefined ? { threads: positiveInt(o.threads, '--threads') } : {})
      }
      const bar = progressBar(!o.json)
      let out
      try {
        out = await tagFiles(model, paths, opts, { onProgress: (p) => bar.update(p) })
      } finally {
        bar.stop()
      }
      if (o.csv) writeFileAtomicSync(o.csv, resultsCsv(out.results, topK))
      const eventFiles = o.events ? writeEventFiles(o.events, out.results, out.labels) : 0
      if (o.embeddings && out.embeddings) writeNpy(o.embeddings, out.embeddings, [out.results.length, out.embeddingDim])
      const failed = out.results.filter((r) => r.error).length
      printResult(o.json, out.embeddings ? { ...out, embeddings: o.embeddings } : out, () =>
        [
          ...(o.csv ? [] : out.results.map(textLine)),
          `Tagged ${out.results.length - failed} file${out.results.length - failed === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''} with ${out.model} (${out.activation} scores): ${out.note}.`,
          ...(o.csv ? [`Wrote ${o.csv}`] : []),
          ...(o.events ? [`Wrote events and frame files of ${eventFiles} file${eventFiles === 1 ? '' : 's'} to ${o.events}`] : []),
          ...(o.embeddings ? [`Wrote ${o.embeddings} [${out.results.length}, ${out.embeddingDim}]`] : [])
        ].join('\n')
      )
      // Failures are per file; only a run that tagged nothing at all is a failed command.
      if (failed > 0 && failed === out.results.length) process.exitCode = 1
    })
}
