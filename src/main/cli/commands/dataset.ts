// `tagbench dataset ...`: import a folder, list, show, make a subset of, or delete datasets.
import type { Command } from 'commander'
import type { DatasetLayout, DatasetRecord, DatasetSummary, SubsetRecipe } from '../../../shared/types'
import { createSubset, deleteDataset, describeDataset, importDataset, listDatasets, loadDataset } from '../../engine/data/record'
import { printResult, progressBar } from '../output'
import { positiveInt } from '../args'

const LAYOUTS = ['auto', 'folders', 'fsd50k', 'esc50', 'speechcommands', 'csv', 'frames']
const MAX_PROBLEMS_SHOWN = 20

function summaryLine(d: DatasetSummary): string {
  const splits = `${d.splits.train}/${d.splits.val}/${d.splits.test}`
  return `${d.name}  [${d.id}]  ${d.layout}, ${d.clips} clips, ${d.classes} classes${d.multiLabel ? ', multi-label' : ''}, train/val/test ${splits}${d.hasStrongLabels ? ', strong labels' : ''}${d.problems ? `, ${d.problems} problems` : ''}${d.parent ? `, subset of ${d.parent}` : ''}`
}

/** The text `import`, `show` and `subset` print: summary, statistics, notes and the first problems. */
function describeText(r: DatasetRecord): string {
  const s = r.stats
  const perClass = Object.entries(s.clipsPerClass)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')
  const lines = [
    summaryLine(r),
    `Root: ${r.root}`,
    `Clips per class: ${perClass}`,
    `Labels per clip: ${s.labelCardinality.toFixed(2)} (${s.cardinalityHistogram.map((h) => `${h.labels}: ${h.clips}`).join(', ')}); imbalance ${s.imbalanceRatio.toFixed(2)}`,
    `Durations: ${s.durationHistogram.map((h) => `${h.fromS.toFixed(2)}-${h.toS.toFixed(2)} s: ${h.clips}`).join(', ')}`
  ]
  if (s.frameSparsity !== undefined) lines.push(`Frame targets at ${r.frameRate} frames/s: ${(s.frameSparsity * 100).toFixed(1)}% zeros`)
  if (r.folds) lines.push(`Folds: ${r.folds.join(', ')}`)
  for (const note of r.notes ?? []) lines.push(`Note: ${note}`)
  if (r.problemList.length > 0) {
    lines.push(`Problems (${r.problemList.length}):`)
    for (const p of r.problemList.slice(0, MAX_PROBLEMS_SHOWN)) lines.push(`  ${p.kind}  ${p.where}: ${p.message}`)
    if (r.problemList.length > MAX_PROBLEMS_SHOWN) lines.push(`  ... ${r.problemList.length - MAX_PROBLEMS_SHOWN} more (see --json)`)
  }
  return lines.join('\n')
}

/** A --label-rate/--frame-rate value: a positive number, or an error naming it. */
function rateOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!(n > 0)) throw new Error(`--label-rate must be a positive number of frames per second, got "${v}"`)
  return n
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('Import, list, inspect and subset datasets')

  dataset
    .command('import <folder>')
    .description('Import a folder as a dataset (folders-per-class, FSD50K, ESC-50, Speech Commands, fname,labels CSV or per-frame label files in frames/; strong labels from a fname,onset,offset,label CSV)')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--layout <layout>', `layout: ${LAYOUTS.join('|')}`, 'auto')
    .option('--frame-rate <fps>', 'frames per second for strong-label frame targets (statistics)')
    .option('--label-rate <fps>', 'frames per second of per-frame label files in frames/ or labels/ (default: rows ÷ duration, rounded)')
    .option('--json', 'print JSON (the record without its file list)')
    .action(async (folder: string, opts: { name?: string; layout: string; frameRate?: string; labelRate?: string; json?: boolean }) => {
      if (!LAYOUTS.includes(opts.layout)) throw new Error(`Unknown layout "${opts.layout}" (use ${LAYOUTS.join(', ')})`)
      const bar = progressBar(!opts.json)
      try {
        const record = await importDataset(
          { folder, name: opts.name, layout: opts.layout as DatasetLayout | 'auto', frameRate: rateOption(opts.labelRate ?? opts.frameRate) },
          { onProgress: (p) => bar.update(p) }
        )
        bar.stop()
        printResult(opts.json, describeDataset(record), () => describeText(record))
      } finally {
        bar.stop()
      }
    })

  dataset
    .command('list')
    .description('List imported datasets')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const all = listDatasets()
      printResult(opts.json, all, () => (all.length ? all.map(summaryLine).join('\n') : 'No datasets yet (tagbench dataset import <folder>)'))
    })

  dataset
    .command('show <name>')
    .description('Show a dataset (by name or id): statistics, notes and import problems')
    .option('--json', 'print JSON (the record without its file list)')
    .action((name: string, opts: { json?: boolean }) => {
      const record = loadDataset(name)
      printResult(opts.json, describeDataset(record), () => describeText(record))
    })

  dataset
    .command('subset <name>')
    .description('Make a new dataset from some classes of another one')
    .requiredOption('--classes <list>', 'comma-separated classes to keep')
    .option('--mode <mode>', "within: every label of a clip is picked; single: exactly one label is picked (it keeps only that one)", 'within')
    .option('--per-class <n>', 'at most this many clips per class')
    .option('--balance', 'cap every class at the count of the rarest picked class')
    .option('--seed <seed>', 'random seed for capping and re-drawn splits', '0')
    .option('--split <ratios>', 'redraw splits with train,val,test ratios, e.g. 0.8,0.1,0.1 (default: keep the parent splits)')
    .requiredOption('--name <name>', 'name of the new dataset')
    .option('--json', 'print JSON (the record without its file list)')
    .action(async (name: string, opts: { classes: string; mode: string; perClass?: string; balance?: boolean; seed: string; split?: string; name: string; json?: boolean }) => {
      if (opts.mode !== 'within' && opts.mode !== 'single') throw new Error(`--mode must be within or single, got "${opts.mode}"`)
      const seed = Number(opts.seed)
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${opts.seed}"`)
      const recipe: SubsetRecipe = { classes: opts.classes.split(',').map((c) => c.trim()).filter(Boolean), mode: opts.mode, seed }
      if (opts.perClass !== undefined) recipe.perClass = positiveInt(opts.perClass, '--per-class')
      if (opts.balance) recipe.balance = true
      if (opts.split !== undefined) {
        const r = opts.split.split(',').map(Number)
        if (r.length !== 3 || r.some((x) => !(x >= 0))) throw new Error(`--split needs three non-negative ratios train,val,test, got "${opts.split}"`)
        recipe.splitRatios = { train: r[0], val: r[1], test: r[2] }
      }
      const record = await createSubset(name, recipe, opts.name)
      printResult(opts.json, describeDataset(record), () => describeText(record))
    })

  dataset
    .command('delete <name>')
    .description('Delete a dataset record (by name or id); the audio files are not touched')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) => {
      const gone = deleteDataset(name)
      printResult(opts.json, { deleted: gone.id, name: gone.name }, () => `Deleted ${gone.name} [${gone.id}] (audio in ${gone.root} untouched)`)
    })
}
