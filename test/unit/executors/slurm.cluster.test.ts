// Experiments on a real Slurm cluster (test/slurm/start.sh starts a one-node one on localhost; CI runs
// it as root). Each step is a `tagbench` process, as a user would type it: a refused partition creates
// nothing; a 2 × 2 grid is submitted with --no-wait, one run is cancelled, another's job is killed
// with scancel after its first checkpoint; a second process watches the jobs to the end from the run
// store, resumes the killed run (it continues from its checkpoint), and the pooled results are those
// of the runs. A run trained on Slurm equals the same run trained locally, and a job that dies before
// its first checkpoint leaves a failed run that says so, and one that reaches its time limit an
// interrupted one. Skipped, with the reason, without Slurm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { HANG_MS } from '../../limits'
import { tempDir } from '../data/helpers'
import { importTinyDataset, writeTinyDataset } from '../train/helpers'
import { onPath } from '../../../src/main/engine/executors/slurm/commands'

const ROOT = path.resolve(__dirname, '../../..')

function slurmAbsence(): string | null {
  if (!onPath('sbatch')) return 'sbatch is not on the PATH (install Slurm and run test/slurm/start.sh as root to run these tests)'
  try {
    execFileSync('sinfo', ['-h'], { stdio: 'pipe', timeout: 20_000 })
  } catch (err) {
    return `sbatch is here but no Slurm controller answers (${String((err as { stderr?: Buffer }).stderr ?? err).trim()}); run test/slurm/start.sh as root`
  }
  return null
}
const absent = slurmAbsence()
if (absent) console.warn(`Skipping the Slurm cluster tests: ${absent}`)

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

let data: { dir: string; cleanup: () => void }
let audio: { dir: string; cleanup: () => void }

function tagbench(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tagbench.mjs'), ...args], { cwd: ROOT, env: { ...process.env, TAGBENCH_DATA_DIR: data.dir } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const runFile = (id: string, name: string) => path.join(data.dir, 'runs', id, name)
const runJson = (id: string) => JSON.parse(fs.readFileSync(runFile(id, 'run.json'), 'utf8')) as { status: string; epochsDone: number; test: Record<string, number> | null; failure?: string }

async function until(what: string, ok: () => boolean, timeoutMs = HANG_MS): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

interface Out {
  experiment: string
  status: string
  executor: string
  runs: { run: string; values: Record<string, unknown>; status: string; test: Record<string, number> | null; failure?: string; slurm?: { jobId: string; state: string; node?: string; jobs: string[]; stdout: string; stderr: string; script: string } }[]
  results: { values: Record<string, unknown>; n: number; mean: number | null; std: number | null; runIds: string[] }[]
}

const TINY = { depth: 1, melBins: 32, targetLength: 48, epochs: 12, batchSize: 4, threads: 1, engine: 'tfjs' as const }

describe.skipIf(!!absent)('experiments on a one-node Slurm cluster', () => {
  beforeAll(async () => {
    data = tempDir('slurm-data')
    audio = tempDir('slurm-audio')
    process.env.TAGBENCH_DATA_DIR = data.dir
    writeTinyDataset(audio.dir, 30, 0.5)
    await importTinyDataset(audio.dir, 'tiny')
    fs.writeFileSync(path.join(data.dir, 'grid.yaml'), `name: slurm-grid\ndataset: tiny\nbase: ${JSON.stringify(TINY)}\naxes:\n  specAugment: [true, false]\nseeds: [1, 2]\n`)
  })

  afterAll(() => {
    // Leave no job of these tests behind on the cluster.
    const runs = data && fs.existsSync(path.join(data.dir, 'runs')) ? fs.readdirSync(path.join(data.dir, 'runs')) : []
    const jobs = runs.flatMap((r) => (fs.existsSync(runFile(r, 'slurm.json')) ? (JSON.parse(fs.readFileSync(runFile(r, 'slurm.json'), 'utf8')) as { jobs: string[] }).jobs : []))
    if (jobs.length) execFileSync('scancel', jobs, { stdio: 'ignore' })
    data?.cleanup()
    audio?.cleanup()
  })

  it('refuses a bad partition before creating anything', async () => {
    const r = await tagbench(['experiment', path.join(data.dir, 'grid.yaml'), '--executor', 'slurm', '--partition', 'no-such-partition'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Slurm would refuse the jobs: .*Invalid partition name specified/)
    expect(fs.existsSync(path.join(data.dir, 'runs')) ? fs.readdirSync(path.join(data.dir, 'runs')) : []).toEqual([])
    expect(fs.existsSync(path.join(data.dir, 'slurm.json'))).toBe(false)
  })

  it('submits a grid, cancels one run, kills another job, watches to the end and resumes the killed run', async () => {
    const sub = await tagbench(['experiment', path.join(data.dir, 'grid.yaml'), '--executor', 'slurm', '--cpus', '1', '--time', '30', '--no-wait', '--json'])
    expect(sub.code, sub.stderr).toBe(0)
    const submitted = JSON.parse(sub.stdout) as Out
    expect(submitted.executor).toBe('slurm')
    expect(submitted.runs).toHaveLength(4)
    const [killed, , , cancelled] = submitted.runs.map((r) => r.run)
    for (const r of submitted.runs) {
      expect(r.slurm!.jobId).toMatch(/^\d+$/)
      // The script is in the run folder and asks for what was given.
      const script = fs.readFileSync(runFile(r.run, 'job.sbatch'), 'utf8')
      expect(script).toContain('#SBATCH --cpus-per-task=1')
      expect(script).toContain('#SBATCH --time=30')
      expect(script).toContain(`slurm-job ${r.run}`)
    }
    // Typed once: kept for this data folder.
    expect(JSON.parse(fs.readFileSync(path.join(data.dir, 'slurm.json'), 'utf8'))).toEqual({ cpus: 1, time: '30' })

    const cancel = await tagbench(['experiment', '--cancel', submitted.experiment, '--run', cancelled, '--json'])
    expect(cancel.code, cancel.stderr).toBe(0)
    expect(runJson(cancelled).status).toBe('cancelled')

    // Kill the first run's job after its first checkpoint, as a preemption or an admin would.
    await until(`run ${killed} to checkpoint an epoch`, () => runJson(killed).epochsDone >= 1 && fs.existsSync(runFile(killed, 'ckpt/last')))
    const firstJob = submitted.runs[0].slurm!.jobId
    execFileSync('scancel', [firstJob])

    // Another process (the app closed and opened again) finds the jobs from the run store and squeue.
    const watch = await tagbench(['experiment', '--watch', submitted.experiment, '--poll', '1', '--json'])
    const watched = JSON.parse(watch.stdout) as Out
    expect(watch.code).toBe(1) // not all done
    expect(watched.status).toBe('cancelled')
    const byRun = new Map(watched.runs.map((r) => [r.run, r]))
    expect(byRun.get(killed)).toMatchObject({ status: 'cancelled', slurm: { state: 'CANCELLED', node: 'localhost' } })
    expect(byRun.get(killed)!.failure).toMatch(new RegExp(`Slurm job ${firstJob}`))
    expect(runJson(killed).epochsDone).toBeLessThan(TINY.epochs)
    for (const r of [watched.runs[1], watched.runs[2]]) {
      expect(r).toMatchObject({ status: 'done', slurm: { state: 'COMPLETED', node: 'localhost' } })
      expect(fs.readFileSync(r.slurm!.stderr, 'utf8')).toMatch(/training run .* in Slurm job \d+/)
    }

    const resumed = await tagbench(['experiment', '--resume', submitted.experiment, '--run', killed, '--poll', '1', '--json'])
    const out = JSON.parse(resumed.stdout) as Out
    const again = out.runs.find((r) => r.run === killed)!
    expect(again.status).toBe('done')
    expect(again.slurm!.jobs).toEqual([firstJob, again.slurm!.jobId])
    expect(again.slurm!.jobId).not.toBe(firstJob)
    // It continued from its checkpoint: one unbroken series of epochs, and the log says so.
    expect(fs.readFileSync(runFile(killed, 'log.txt'), 'utf8')).toMatch(/Resuming from step \d+/)
    const epochs = fs.readFileSync(runFile(killed, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; epoch: number }).filter((m) => m.kind === 'epoch')
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: TINY.epochs }, (_, i) => i + 1))
    // The cancelled run stays cancelled (only --run was resumed), so the experiment is not done.
    expect(out.status).toBe('cancelled')
    expect(out.runs.find((r) => r.run === cancelled)!.status).toBe('cancelled')

    // Pooled over seeds: mean ± sample std of the done runs' test mAP, from the run store.
    const mAP = (id: string) => runJson(id).test!.mAP
    const [r0, r1, r2] = submitted.runs.map((r) => r.run)
    expect(out.results.map((c) => [c.values, c.n])).toEqual([[{ specAugment: true }, 2], [{ specAugment: false }, 1]])
    const m = (mAP(r0) + mAP(r1)) / 2
    expect(out.results[0].mean).toBeCloseTo(m, 12)
    expect(out.results[0].std).toBeCloseTo(Math.sqrt(((mAP(r0) - m) ** 2 + (mAP(r1) - m) ** 2) / 1), 12)
    expect(out.results[1].mean).toBeCloseTo(mAP(r2), 12)

    // The same run trained here: the same seeds and config give the same model and test mAP.
    const local = await tagbench(['train', '--dataset', 'tiny', '--depth', '1', '--mel-bins', '32', '--target-length', '48', '--epochs', '12', '--batch', '4', '--threads', '1', '--seed', '1', '--no-spec-augment', '--engine', 'tfjs', '--json'])
    expect(local.code, local.stderr).toBe(0)
    expect((JSON.parse(local.stdout) as { test: Record<string, number> }).test.mAP).toBeCloseTo(mAP(r2), 9)
  })

  it('leaves a run that reaches its time limit interrupted and resumable, never "running"', async () => {
    // Slurm's smallest limit is a minute; it ends the job within about a minute more (KillWait 10 s).
    fs.writeFileSync(path.join(data.dir, 'long.yaml'), `name: too-long\ndataset: tiny\nbase: ${JSON.stringify({ ...TINY, epochs: 100000 })}\n`)
    const r = await tagbench(['experiment', path.join(data.dir, 'long.yaml'), '--executor', 'slurm', '--time', '1', '--poll', '2', '--json'])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as Out
    expect(out.status).toBe('interrupted')
    expect(out.runs[0]).toMatchObject({ status: 'interrupted', slurm: { state: 'TIMEOUT', node: 'localhost' } })
    expect(out.runs[0].failure).toMatch(/^Slurm job \d+ on localhost reached its time limit \(TIMEOUT\), (after \d+ epochs?: Resume continues from its last checkpoint|before the run's first checkpoint: Resume starts it again from the beginning)\./)
    expect(runJson(out.runs[0].run).status).toBe('interrupted')
  })

  it('says so when a job dies before its first checkpoint, and keeps no run stuck', async () => {
    fs.writeFileSync(path.join(data.dir, 'one.yaml'), `name: dies\ndataset: tiny\nbase: ${JSON.stringify({ ...TINY, epochs: 1 })}\n`)
    const r = await tagbench(['experiment', path.join(data.dir, 'one.yaml'), '--executor', 'slurm', '--tagbench-command', '/bin/false', '--poll', '1', '--json'])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout) as Out
    expect(out.status).toBe('failed')
    expect(out.runs[0].status).toBe('failed')
    expect(out.runs[0].slurm!.state).toBe('FAILED')
    expect(out.runs[0].failure).toMatch(/Slurm job \d+ on localhost ended FAILED, exit code 1:0, before the run's first checkpoint: Resume starts it again from the beginning/)
  })
})
