// `tagbench runs`: the runs in the data folder, newest first, with their status and results.
import type { Command } from 'commander'
import type { RunSummary } from '../../../shared/api'
import { listRuns } from '../../engine/runs/store'
import { printResult } from '../output'
import { refreshAllSlurmRuns } from '../../engine/executors/slurm/experiment'

const f4 = (x: number | null | undefined): string => (x == null ? '-' : x.toFixed(4))

function runLine(r: RunSummary): string {
  const test = r.test ? `test mAP ${f4(r.test.mAP)}${r.test.accuracy != null ? ` acc ${f4(r.test.accuracy)}` : ''}` : 'no test yet'
  const best = r.best ? `best epoch ${r.best.epoch} (val mAP ${f4(r.best.mAP)})` : ''
  const slurm = r.slurm ? `  [Slurm job ${r.slurm.jobId || '-'} ${r.slurm.state}${r.slurm.reason ? ` (${r.slurm.reason})` : ''}${r.slurm.node ? ` on ${r.slurm.node}` : ''}]` : ''
  return `${r.id}  ${r.status.padEnd(11)} ${r.name} on ${r.datasetName}: ${r.epochsDone}/${r.config.epochs} epochs, ${best}${best ? ', ' : ''}${test}${r.experiment ? `  [experiment ${r.experiment}]` : ''}${slurm}${r.failure ? `\n    ${r.failure}` : ''}`
}

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('List training runs, newest first')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      // Runs on Slurm: ask it first, so that states are current (and a finished job's run settled).
      const stale = await refreshAllSlurmRuns()
      if (stale) process.stderr.write(`tagbench: ${stale}\n`)
      const problems: string[] = []
      const runs = listRuns((m) => problems.push(m))
      for (const p of problems) process.stderr.write(`tagbench: skipping a run folder: ${p}\n`)
      printResult(opts.json, runs, () => (runs.length ? runs.map(runLine).join('\n') : 'No runs yet (tagbench train --dataset <name> --preset quick)'))
    })
}
