// `tagbench resume <run>`: continue an interrupted, cancelled or failed run from its last checkpoint,
// in a job process, with the same schedule, optimizer state and data order.
import type { Command } from 'commander'
import { checkResumable } from '../../engine/train/trainer'
import { printResult } from '../output'
import { outcomeText, trainOne } from './train'

export function registerResume(program: Command): void {
  program
    .command('resume <run>')
    .description('Resume a run from its last checkpoint (after Ctrl-C, a crash or kill -9)')
    .option('--engine <name>', 'continue on this training engine (ort | tfjs | auto) instead of the run\'s own; both read the same checkpoints')
    .option('--json', 'print {"run", "test", "best_epoch"} as JSON')
    .action(async (runId: string, opts: { json?: boolean; engine?: string }) => {
      checkResumable(runId)
      if (opts.engine !== undefined) {
        if (!['auto', 'ort', 'tfjs'].includes(opts.engine)) throw new Error(`--engine ${opts.engine}: use ort, tfjs or auto`)
        // The job process inherits the environment; the trainer reads the override from there.
        process.env.TAGBENCH_ENGINE = opts.engine
      }
      const outcome = await trainOne(runId, true, !!opts.json)
      printResult(opts.json, { run: outcome.run, test: outcome.test, best_epoch: outcome.best_epoch }, () => outcomeText(outcome))
      if (outcome.status !== 'done') process.exitCode = 1
    })
}
