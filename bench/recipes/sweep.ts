// The recipe sweeps of issue 16, for real: each entry of a grid file is one `tagbench train` on a real
// dataset, run one after another in job processes as a user would run them, and its figures appended
// to a results table (CSV, and a Markdown copy): test mAP (and accuracy on single-label sets), best validation mAP and its epoch, epochs
// run, wall time and the machine's load while it ran. Entries already in the table are skipped, so an
// interrupted sweep continues where it stopped, and `--only` re-measures chosen entries.
//   TAGBENCH_DATA_DIR=/tmp/tb node bin/run-ts.mjs bench/recipes/sweep.ts bench/recipes/grid.yaml
// (bench/synthetic sweeps of made-up runs for the compare views are in bench/sweep.ts.)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { parse as parseCsv } from 'csv-parse/sync'
import { stringify as stringifyCsv } from 'csv-stringify/sync'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface GridEntry {
  /** Unique id of the entry: the row key in the results table. */
  id: string
  /** A key of `datasets`. */
  dataset: string
  /** What the entry tries, in words (copied to the table). */
  note?: string
  /** `tagbench train` arguments besides --dataset; `$CKPT` is the pretrained AST folder. */
  args: string[]
}

export interface GridFile {
  /** Dataset aliases → folders (relative to the repository root, or absolute); `$DATA` is --data, `$SHARED` is --shared. */
  datasets: Record<string, string>
  runs: GridEntry[]
}

// test_acc: single-label sets only (the score their best epoch is chosen on); empty for multi-label.
export const RESULT_COLUMNS = ['id', 'dataset', 'note', 'args', 'test_mAP', 'test_acc', 'val_mAP', 'best_epoch', 'epochs', 'wall_s', 'load', 'date', 'run'] as const
export type ResultRow = Record<(typeof RESULT_COLUMNS)[number], string>

export function readGrid(file: string): GridFile {
  const g = parseYaml(fs.readFileSync(file, 'utf8')) as GridFile
  if (!g || typeof g.datasets !== 'object' || !Array.isArray(g.runs)) throw new Error(`${file}: needs 'datasets' (alias: folder) and 'runs' (a list)`)
  const seen = new Set<string>()
  g.runs.forEach((r, i) => {
    if (!r.id || !r.dataset || !Array.isArray(r.args)) throw new Error(`${file}: runs[${i}] needs id, dataset and args`)
    if (seen.has(r.id)) throw new Error(`${file}: runs[${i}]: id '${r.id}' is used twice`)
    if (!(r.dataset in g.datasets)) throw new Error(`${file}: runs[${i}] (${r.id}): unknown dataset '${r.dataset}' (one of ${Object.keys(g.datasets).join(', ')})`)
    seen.add(r.id)
  })
  return g
}

export function readResults(file: string): ResultRow[] {
  if (!fs.existsSync(file)) return []
  const rows = parseCsv(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Partial<ResultRow>[]
  // A table written before a column existed reads it as empty.
  return rows.map((r) => Object.fromEntries(RESULT_COLUMNS.map((c) => [c, r[c] ?? ''])) as ResultRow)
}

/** The Markdown table of a results CSV (what bench/recipes/results.md holds). */
export function resultsMarkdown(rows: ResultRow[]): string {
  const cols = ['id', 'dataset', 'test_mAP', 'test_acc', 'val_mAP', 'best_epoch', 'epochs', 'wall_s', 'load', 'date', 'note'] as const
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => (r[c] ?? '').replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n') + '\n'
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, text)
  fs.renameSync(tmp, file)
}

/** A single-label run's test accuracy from its run.json ('' for a multi-label run: its test has none). */
function testAccuracy(runDir: string): string {
  const run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { test?: { accuracy?: number | null } | null }
  const acc = run.test?.accuracy
  return typeof acc === 'number' ? acc.toFixed(4) : ''
}

/** Fills test_acc of rows recorded before it existed, from their runs where they are still on this machine; whether any changed. */
export function fillAccuracy(rows: ResultRow[], dataDir: string): boolean {
  let changed = false
  for (const r of rows) {
    const dir = path.join(dataDir, 'runs', r.run)
    if (r.test_acc || !r.run || !fs.existsSync(path.join(dir, 'run.json'))) continue
    r.test_acc = testAccuracy(dir)
    changed ||= r.test_acc !== ''
  }
  return changed
}

/** Runs `tagbench train --json`; its JSON outcome, the wall time and the mean 1-minute load sampled while it ran. */
async function train(args: string[]): Promise<{ out: { run: string; test: Record<string, number | null> | null; best_epoch: number | null }; wallS: number; load: number }> {
  const loads: number[] = [os.loadavg()[0]]
  const timer = setInterval(() => loads.push(os.loadavg()[0]), 15_000)
  const t0 = Date.now()
  try {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tagbench.mjs'), 'train', ...args, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
    const text = stdout.trim()
    if (code !== 0 && !text.startsWith('{')) throw new Error(`tagbench train ${args.join(' ')} exited ${code}`)
    return { out: JSON.parse(text), wallS: (Date.now() - t0) / 1000, load: loads.reduce((a, b) => a + b, 0) / loads.length }
  } finally {
    clearInterval(timer)
  }
}

export async function runSweep(gridFile: string, opts: { out: string; only?: string[]; data?: string; shared?: string; ckpt?: string }): Promise<ResultRow[]> {
  const grid = readGrid(gridFile)
  const dataDir = process.env.TAGBENCH_DATA_DIR
  if (!dataDir) throw new Error('Set TAGBENCH_DATA_DIR (the runs of the sweep go there)')
  const rows = readResults(opts.out)
  const write = () => {
    writeAtomic(opts.out, stringifyCsv(rows, { header: true, columns: [...RESULT_COLUMNS] }))
    writeAtomic(opts.out.replace(/\.csv$/, '.md'), resultsMarkdown(rows))
  }
  if (fillAccuracy(rows, dataDir)) write()
  const shared = opts.shared ?? path.resolve(ROOT, '../shared')
  const ckpt = opts.ckpt ?? path.join(shared, 'checkpoints/ast-tiny-d4-debian137')
  const folder = (alias: string) => {
    const f = grid.datasets[alias].replace('$DATA', opts.data ?? '/work/data').replace('$SHARED', shared)
    return path.isAbsolute(f) ? f : path.resolve(ROOT, f)
  }
  for (const entry of grid.runs) {
    if (opts.only ? !opts.only.includes(entry.id) : rows.some((r) => r.id === entry.id)) continue
    const args = ['--dataset', folder(entry.dataset), ...entry.args.map((a) => a.replace('$CKPT', ckpt)), '--name', entry.id]
    process.stderr.write(`\n== ${entry.id}: tagbench train ${args.join(' ')}\n`)
    const { out, wallS, load } = await train(args)
    const run = JSON.parse(fs.readFileSync(path.join(dataDir, 'runs', out.run, 'run.json'), 'utf8')) as { best: { epoch: number; mAP: number | null } | null; epochsDone: number }
    const row: ResultRow = {
      id: entry.id,
      dataset: entry.dataset,
      note: entry.note ?? '',
      args: entry.args.join(' '),
      test_mAP: out.test?.mAP != null ? out.test.mAP.toFixed(4) : '',
      test_acc: testAccuracy(path.join(dataDir, 'runs', out.run)),
      val_mAP: run.best?.mAP != null ? run.best.mAP.toFixed(4) : '',
      best_epoch: String(out.best_epoch ?? ''),
      epochs: String(run.epochsDone),
      wall_s: wallS.toFixed(0),
      load: load.toFixed(1),
      date: new Date().toISOString().slice(0, 16) + 'Z',
      run: out.run
    }
    // Re-read first: rows written meanwhile (another sweep, an entry added by hand) are kept.
    rows.splice(0, rows.length, ...readResults(opts.out))
    fillAccuracy(rows, dataDir)
    const i = rows.findIndex((r) => r.id === entry.id)
    if (i >= 0) rows[i] = row
    else rows.push(row)
    write()
    process.stderr.write(`== ${entry.id}: test mAP ${row.test_mAP}${row.test_acc ? `, test accuracy ${row.test_acc}` : ''}, val mAP ${row.val_mAP} (epoch ${row.best_epoch}/${row.epochs}), ${row.wall_s} s, load ${row.load}\n`)
  }
  return rows
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { Command } = await import('commander')
  const program = new Command()
    .argument('<grid>', 'grid file (bench/recipes/grid.yaml)')
    .option('--out <csv>', 'results table (entries already in it are skipped)', path.join(ROOT, 'bench/recipes/results.csv'))
    .option('--only <ids>', 'comma-separated entry ids to (re-)run, even if already in the table')
    .option('--data <dir>', 'what $DATA means in the grid\'s dataset folders', '/work/data')
    .option('--shared <dir>', 'what $SHARED means: the practice data and checkpoints (default: ../shared beside the repository)')
    .option('--ckpt <folder>', 'the pretrained Hugging Face AST folder ($CKPT; default $SHARED/checkpoints/ast-tiny-d4-debian137)')
    .parse()
  const o = program.opts<{ out: string; only?: string; data: string; shared?: string; ckpt?: string }>()
  await runSweep(program.args[0], { out: path.resolve(o.out), only: o.only?.split(','), data: o.data, shared: o.shared, ckpt: o.ckpt })
}
