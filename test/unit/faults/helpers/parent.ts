// Stand-in for the CLI or app process in the parent-death test: starts a run's training job the way
// they do (job manager, forked worker), tells the test the job's pid, and waits to be killed.
//   parent.ts <runId>     (TAGBENCH_DATA_DIR and TAGBENCH_FAULT come from the environment)
import { createJobManager } from '../../../../src/main/jobs/manager'
import { forkLauncher } from '../../../../src/main/jobs/launcher'

const runId = process.argv[2]
let pid: number | undefined
const jobs = createJobManager((name, o) => {
  const p = forkLauncher(name, o)
  pid = p.pid
  return p
}, () => undefined)
const job = jobs.start(
  { kind: 'train', runner: 'train', params: { runId }, label: `train ${runId}`, env: { TAGBENCH_DATA_DIR: process.env.TAGBENCH_DATA_DIR!, TAGBENCH_FAULT: process.env.TAGBENCH_FAULT ?? '' } },
  { runId }
)
job.done.catch(() => undefined)
const tell = setInterval(() => {
  if (pid !== undefined) {
    process.send?.({ pid })
    clearInterval(tell)
  }
}, 20)
