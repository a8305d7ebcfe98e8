// `tagbench metrics`: clip metrics (AP per class, mAP, AUC, d', F1, accuracy) of a scores/targets pair of
// .npy files, exactly as scikit-learn computes them.
import type { Command } from 'commander'
import { clipMetrics } from '../../engine/eval/metrics'
import { readNpyFloat32 } from '../../engine/io/npy'
import { printResult } from '../output'

export interface Matrix {
  data: Float32Array
  rows: number
  cols: number
}

/** A [clips, classes] matrix from .npy; a 1-D array is one class. Errors name the file. */
function readMatrix(file: string): Matrix {
  const a = readNpyFloat32(file)
  if (a.shape.length === 1) return { data: a.data, rows: a.shape[0], cols: 1 }
  if (a.shape.length !== 2) throw new Error(`${file}: expected a [clips, classes] array, found shape [${a.shape}]`)
  return { data: a.data, rows: a.shape[0], cols: a.shape[1] }
}

/** Scores and targets of the same shape, with at least one clip. */
export function readScoresAndTargets(scoresFile: string, targetsFile: string): { scores: Matrix; targets: Matrix } {
  const scores = readMatrix(scoresFile)
  const targets = readMatrix(targetsFile)
  if (scores.rows !== targets.rows || scores.cols !== targets.cols) {
    throw new Error(`${scoresFile} is [${scores.rows}, ${scores.cols}] but ${targetsFile} is [${targets.rows}, ${targets.cols}]`)
  }
  if (scores.rows === 0) throw new Error(`${scoresFile} holds no clips`)
  // A NaN score has no rank and a target of 0.5 or 7 no meaning for AP or F1: refuse them by position.
  const at = (m: Matrix, i: number) => `row ${Math.floor(i / m.cols)}, class ${i % m.cols}`
  const badScore = scores.data.findIndex((v) => !Number.isFinite(v))
  if (badScore >= 0) throw new Error(`${scoresFile}: score ${scores.data[badScore]} at ${at(scores, badScore)}; scores must be finite numbers`)
  const badTarget = targets.data.findIndex((v) => v !== 0 && v !== 1)
  if (badTarget >= 0) throw new Error(`${targetsFile}: target ${targets.data[badTarget]} at ${at(targets, badTarget)}; targets must be 0 or 1 (one column per class)`)
  return { scores, targets }
}

/** "0.5" for every class, or "0.3,0.5,0.4" with one value per class. */
function parseThresholds(text: string, nClasses: number): number | number[] {
  const values = text.split(',').map((s) => Number(s.trim()))
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`--thresholds must be a number or a comma-separated list of numbers, got "${text}"`)
  if (values.length === 1) return values[0]
  if (values.length !== nClasses) throw new Error(`--thresholds has ${values.length} values for ${nClasses} classes`)
  return values
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4))

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description('Clip metrics of scores against targets (both [clips, classes] .npy): AP per class (null without positives), mAP over classes with positives, macro ROC-AUC, d-prime, micro/macro F1 at thresholds (score > threshold), and top-1 accuracy when the targets are one-hot')
    .requiredOption('--scores <file>', 'scores (probabilities) .npy, [clips, classes]')
    .requiredOption('--targets <file>', 'targets .npy (0/1), same shape')
    .option('--thresholds <t>', 'decision threshold for F1: one value, or one per class separated by commas', '0.5')
    .option('--json', 'print JSON: {mAP, ap, auc, dprime, microF1, macroF1, accuracy?}')
    .action((opts: { scores: string; targets: string; thresholds: string; json?: boolean }) => {
      const { scores, targets } = readScoresAndTargets(opts.scores, opts.targets)
      const m = clipMetrics(scores.data, targets.data, scores.rows, scores.cols, parseThresholds(opts.thresholds, scores.cols))
      printResult(opts.json, m, () =>
        [
          `${scores.rows} clips, ${scores.cols} classes`,
          `mAP ${fmt(m.mAP)} (${m.ap.filter((a) => a !== null).length} classes with positives)`,
          `AUC ${fmt(m.auc)}  d' ${fmt(m.dprime)}`,
          `F1 micro ${fmt(m.microF1)}  macro ${fmt(m.macroF1)}`,
          ...(m.accuracy !== undefined ? [`accuracy ${fmt(m.accuracy)}`] : []),
          `AP per class: ${m.ap.map(fmt).join(' ')}`
        ].join('\n')
      )
    })
}
