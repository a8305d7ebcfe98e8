// `tagbench thresholds`: learn per-class decision thresholds (default 0.5, exhaustive F1 search, or
// SGL-Thresh) on one set of scores and report micro/macro F1 on another: separate validation files,
// a random split of the given set, or (without either) the given set itself.
import type { Command } from 'commander'
import type { ThresholdMethodResult } from '../../../shared/types'
import { f1Scores } from '../../engine/eval/metrics'
import { learnThresholds, type SglOptions, type ThresholdMethod } from '../../engine/eval/thresholds'
import { makeRng } from '../../engine/util/rng'
import { printResult } from '../output'
import { readScoresAndTargets, type Matrix } from './metrics'
import { finiteNumber } from '../args'

const METHODS = ['default', 'search', 'sgl', 'all'] as const

interface Opts {
  scores: string
  targets: string
  method: string
  valScores?: string
  valTargets?: string
  valFraction?: string
  seed: string
  sglEpochs: string
  sglLr: string
  sigmaInit: string
  tInit: string
  json?: boolean
}

interface Sets {
  learn: { scores: Matrix; targets: Matrix }
  report: { scores: Matrix; targets: Matrix }
  learnedOn: 'same set' | 'validation files' | 'random split'
}

function rowsOf(m: Matrix, rows: number[]): Matrix {
  const data = new Float32Array(rows.length * m.cols)
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols))
  return { data, rows: rows.length, cols: m.cols }
}

function chooseSets(opts: Opts): Sets {
  const given = readScoresAndTargets(opts.scores, opts.targets)
  if (opts.valScores || opts.valTargets) {
    if (!opts.valScores || !opts.valTargets) throw new Error('--val-scores and --val-targets go together')
    if (opts.valFraction !== undefined) throw new Error('use either --val-scores/--val-targets or --val-fraction, not both')
    const val = readScoresAndTargets(opts.valScores, opts.valTargets)
    if (val.scores.cols !== given.scores.cols) throw new Error(`${opts.valScores} has ${val.scores.cols} classes but ${opts.scores} has ${given.scores.cols}`)
    return { learn: val, report: given, learnedOn: 'validation files' }
  }
  if (opts.valFraction === undefined) return { learn: given, report: given, learnedOn: 'same set' }
  const fraction = finiteNumber(opts.valFraction, '--val-fraction')
  const n = given.scores.rows
  const nLearn = Math.round(fraction * n)
  if (!(fraction > 0 && fraction < 1) || nLearn === 0 || nLearn === n) {
    throw new Error(`--val-fraction ${opts.valFraction} leaves nothing to learn on or to report on with ${n} clips`)
  }
  const order = makeRng(finiteNumber(opts.seed, '--seed')).shuffle(Array.from({ length: n }, (_, i) => i))
  const pick = (rows: number[]) => ({ scores: rowsOf(given.scores, rows), targets: rowsOf(given.targets, rows) })
  return { learn: pick(order.slice(0, nLearn)), report: pick(order.slice(nLearn)), learnedOn: 'random split' }
}

export function registerThresholds(program: Command): void {
  program
    .command('thresholds')
    .description(
      'Learn per-class thresholds and report micro/macro F1. Methods: default (0.5), search (per-class exhaustive F1 maximisation), sgl (SGL-Thresh: t and sigma per class by Adam on -micro-F1), all. Learns on --val-scores/--val-targets, or on a --val-fraction random split of the given set, or else on the given set itself (in-sample); reports on the rest'
    )
    .requiredOption('--scores <file>', 'scores .npy [clips, classes] to report on')
    .requiredOption('--targets <file>', 'targets .npy (0/1), same shape')
    .option('--method <m>', `method: ${METHODS.join('|')}`, 'sgl')
    .option('--val-scores <file>', 'validation scores .npy to learn thresholds on')
    .option('--val-targets <file>', 'validation targets .npy')
    .option('--val-fraction <f>', 'learn on this random fraction of the given clips, report on the others')
    .option('--seed <n>', 'seed of the random split', '0')
    .option('--sgl-epochs <n>', 'SGL-Thresh epochs (full batch)', '100')
    .option('--sgl-lr <lr>', 'SGL-Thresh Adam learning rate', '0.01')
    .option('--sigma-init <s>', 'SGL-Thresh initial sigma', '50')
    .option('--t-init <t>', 'SGL-Thresh initial threshold (0.3 or 0.5 in the paper)', '0.3')
    .option('--json', 'print JSON: {method, thresholds, microF1, macroF1, learnedOn, learnClips, reportClips}; with --method all, {methods: [...], ...}')
    .action((opts: Opts) => {
      if (!(METHODS as readonly string[]).includes(opts.method)) throw new Error(`Unknown method "${opts.method}" (use ${METHODS.join(', ')})`)
      const sets = chooseSets(opts)
      const sgl: SglOptions = {
        epochs: finiteNumber(opts.sglEpochs, '--sgl-epochs'),
        lr: finiteNumber(opts.sglLr, '--sgl-lr'),
        sigmaInit: finiteNumber(opts.sigmaInit, '--sigma-init'),
        tInit: finiteNumber(opts.tInit, '--t-init')
      }
      const methods: ThresholdMethod[] = opts.method === 'all' ? ['default', 'search', 'sgl'] : [opts.method as ThresholdMethod]
      const { learn, report } = sets
      const results = methods.map((method): ThresholdMethodResult => {
        const thresholds = learnThresholds(method, learn.scores.data, learn.targets.data, learn.scores.rows, learn.scores.cols, sgl)
        const { microF1, macroF1 } = f1Scores(report.scores.data, report.targets.data, report.scores.rows, report.scores.cols, thresholds)
        return { method, thresholds, microF1, macroF1 }
      })
      const context = { learnedOn: sets.learnedOn, learnClips: learn.scores.rows, reportClips: report.scores.rows }
      const value = results.length === 1 ? { ...results[0], ...context } : { methods: results, ...context }
      printResult(opts.json, value, () =>
        [
          `Learnt on ${sets.learnedOn} (${learn.scores.rows} clips), F1 on ${sets.learnedOn === 'same set' ? 'the same clips (in-sample)' : `${report.scores.rows} other clips`}:`,
          ...results.map((r) => `${r.method.padEnd(8)} micro-F1 ${r.microF1.toFixed(4)}  macro-F1 ${r.macroF1.toFixed(4)}  thresholds ${r.thresholds.map((t) => t.toFixed(3)).join(' ')}`)
        ].join('\n')
      )
    })
}
