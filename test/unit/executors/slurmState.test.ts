// What Slurm says (squeue, scontrol and sacct output recorded on a real cluster, see
// test/fixtures/slurm/make-fixtures.sh) and what it means for a run: pending with its reason,
// running, ended without the run finishing (failed, interrupted and resumable, or cancelled, each with
// a message), a node that never wrote to the shared folder by the deadline, a job Slurm forgot.
import { describe, expect, it } from 'vitest'
import fs from 'node:fs'
import path from 'node:path'
import { parseSacct, parseScontrol, parseSqueue, reconcile, type ReconcileInput } from '../../../src/main/engine/executors/slurm/state'
import type { SlurmRunInfo } from '../../../src/shared/types'

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../fixtures/slurm', name), 'utf8')
const local = (s: string) => new Date(s).toISOString() // Slurm prints the cluster's local time

describe('Slurm output parsers', () => {
  it('reads squeue -o "%i|%T|%r|%N|%S" while jobs run and after they end', () => {
    expect(parseSqueue(fixture('squeue-early.txt'))).toEqual([
      { jobId: '7', state: 'COMPLETED', reason: undefined, node: 'localhost', startTime: local('2026-12-04T22:30:19') },
      { jobId: '8', state: 'FAILED', reason: 'NonZeroExitCode', node: 'localhost', startTime: local('2026-12-04T22:30:19') },
      { jobId: '11', state: 'PENDING', reason: 'BeginTime', node: undefined, startTime: local('2026-12-04T23:30:19') },
      { jobId: '9', state: 'RUNNING', reason: undefined, node: 'localhost', startTime: local('2026-12-04T22:30:21') },
      { jobId: '10', state: 'RUNNING', reason: undefined, node: 'localhost', startTime: local('2026-12-04T22:30:21') }
    ])
    expect(parseSqueue(fixture('squeue-late.txt')).map((j) => [j.jobId, j.state, j.reason])).toEqual([
      ['10', 'CANCELLED', undefined],
      ['7', 'COMPLETED', undefined],
      ['8', 'FAILED', 'NonZeroExitCode'],
      ['11', 'PENDING', 'BeginTime'],
      ['9', 'TIMEOUT', 'TimeLimit']
    ])
    expect(parseSqueue('')).toEqual([])
  })

  it('reads scontrol show job -o, with exit codes', () => {
    expect(parseScontrol(fixture('scontrol.txt')).map((j) => [j.jobId, j.state, j.reason, j.node, j.exitCode])).toEqual([
      ['7', 'COMPLETED', undefined, 'localhost', '0:0'],
      ['8', 'FAILED', 'NonZeroExitCode', 'localhost', '3:0'],
      ['9', 'TIMEOUT', 'TimeLimit', 'localhost', '0:15'],
      ['10', 'CANCELLED', undefined, 'localhost', '0:15'],
      ['11', 'PENDING', 'BeginTime', undefined, '0:0']
    ])
  })

  it('reads sacct -P -X, dropping "by <uid>" and job steps', () => {
    expect(parseSacct(fixture('sacct.txt')).map((j) => [j.jobId, j.state, j.reason, j.node, j.exitCode])).toEqual([
      ['4101', 'COMPLETED', undefined, 'gpu017', '0:0'],
      ['4102', 'OUT_OF_MEMORY', 'OutOfMemory', 'gpu018', '0:125'],
      ['4103', 'PREEMPTED', undefined, 'gpu019', '0:15'],
      ['4104', 'CANCELLED', undefined, 'gpu017', '0:15'],
      ['4105', 'NODE_FAIL', 'NodeDown', 'gpu020', '0:0'],
      ['4106', 'PENDING', 'Priority', undefined, '0:0']
    ])
  })
})

describe('reconcile: a job state and the run store', () => {
  const info: SlurmRunInfo = { jobId: '42', state: 'PENDING', script: '/s/r/job.sbatch', stdout: '/s/r/slurm-42.out', stderr: '/s/r/slurm-42.err', submittedAt: '2026-12-04T10:00:00.000Z', jobs: ['42'], checkedAt: '2026-12-04T10:00:00.000Z' }
  const input = (over: Partial<ReconcileInput>): ReconcileInput => ({
    info,
    job: null,
    run: { status: 'queued', epochsDone: 0, hasCheckpoint: false, dir: '/s/r' },
    nodeWroteAt: null,
    stderrTail: '',
    now: new Date('2026-12-04T10:05:00Z'),
    deadlineMinutes: 10,
    ...over
  })

  it('shows a pending job with its reason, and a running one with its node', () => {
    const p = reconcile(input({ job: { jobId: '42', state: 'PENDING', reason: 'Priority' } }))
    expect(p).toMatchObject({ info: { state: 'PENDING', reason: 'Priority' }, patch: null, cancel: false })
    const r = reconcile(input({ job: { jobId: '42', state: 'RUNNING', node: 'gpu017', startTime: '2026-12-04T10:01:00.000Z' }, nodeWroteAt: '2026-12-04T10:01:01Z' }))
    expect(r).toMatchObject({ info: { state: 'RUNNING', node: 'gpu017', startedAt: '2026-12-04T10:01:00.000Z', nodeWroteAt: '2026-12-04T10:01:01Z' }, patch: null, cancel: false })
  })

  it('leaves a finished run alone when its job completes', () => {
    const r = reconcile(input({ job: { jobId: '42', state: 'COMPLETED', node: 'gpu017', exitCode: '0:0' }, run: { status: 'done', epochsDone: 5, hasCheckpoint: true, dir: '/s/r' } }))
    expect(r).toMatchObject({ info: { state: 'COMPLETED' }, patch: null, cancel: false })
  })

  it('makes time limits, preemption and lost nodes resumable, with how far the run got', () => {
    const running = { status: 'running' as const, epochsDone: 3, hasCheckpoint: true, dir: '/s/r' }
    const t = reconcile(input({ job: { jobId: '42', state: 'TIMEOUT', reason: 'TimeLimit', node: 'gpu017', exitCode: '0:15' }, run: running }))
    expect(t.patch).toEqual({ status: 'interrupted', failure: 'Slurm job 42 on gpu017 reached its time limit (TIMEOUT), after 3 epochs: Resume continues from its last checkpoint.' })
    expect(reconcile(input({ job: { jobId: '42', state: 'PREEMPTED' }, run: running })).patch).toMatchObject({ status: 'interrupted', failure: expect.stringMatching(/was preempted \(PREEMPTED\), after 3 epochs: Resume continues/) })
    expect(reconcile(input({ job: { jobId: '42', state: 'NODE_FAIL', node: 'gpu020' }, run: running })).patch).toMatchObject({ status: 'interrupted', failure: expect.stringMatching(/lost its node gpu020 \(NODE_FAIL\)/) })
  })

  it('fails a run whose job died, naming the cause and quoting its stderr; before a checkpoint it says so', () => {
    const f = reconcile(input({ job: { jobId: '42', state: 'FAILED', reason: 'NonZeroExitCode', node: 'gpu017', exitCode: '1:0' }, stderrTail: "Error: Cannot find module 'tsx'" }))
    expect(f.patch!.status).toBe('failed')
    expect(f.patch!.failure).toBe(
      "Slurm job 42 on gpu017 ended FAILED, exit code 1:0, before the run's first checkpoint: Resume starts it again from the beginning. Last lines of /s/r/slurm-42.err:\nError: Cannot find module 'tsx'"
    )
    const oom = reconcile(input({ job: { jobId: '42', state: 'OUT_OF_MEMORY', exitCode: '0:125' }, run: { status: 'running', epochsDone: 1, hasCheckpoint: true, dir: '/s/r' } }))
    expect(oom.patch).toMatchObject({ status: 'failed', failure: expect.stringMatching(/ran out of memory \(OUT_OF_MEMORY\): ask for more with the Slurm mem option, after 1 epoch: Resume continues/) })
    // COMPLETED while the run store says it is still running: the trainer never finished it.
    expect(reconcile(input({ job: { jobId: '42', state: 'COMPLETED', exitCode: '0:0' }, run: { status: 'running', epochsDone: 2, hasCheckpoint: true, dir: '/s/r' } })).patch).toMatchObject({ status: 'failed', failure: expect.stringMatching(/ended \(COMPLETED\) but the run did not finish/) })
  })

  it('gives Slurm\'s reason to a run its trainer ended "cancelled" on SIGTERM', () => {
    const stopped = { status: 'cancelled' as const, epochsDone: 2, hasCheckpoint: true, dir: '/s/r' }
    expect(reconcile(input({ info: { ...info, state: 'RUNNING' }, job: { jobId: '42', state: 'TIMEOUT' }, run: stopped })).patch).toMatchObject({ status: 'interrupted', failure: expect.stringMatching(/time limit .* after 2 epochs: Resume continues/) })
    expect(reconcile(input({ info: { ...info, state: 'RUNNING' }, job: { jobId: '42', state: 'CANCELLED' }, run: stopped })).patch).toEqual({ status: 'cancelled', failure: 'Slurm job 42 was cancelled (scancel), after 2 epochs.' })
  })

  it('marks a run whose job was cancelled cancelled, and keeps the message of a run already settled', () => {
    expect(reconcile(input({ job: { jobId: '42', state: 'CANCELLED' } })).patch).toEqual({ status: 'cancelled', failure: "Slurm job 42 was cancelled (scancel), before the run's first checkpoint." })
    const settled = reconcile(input({ info: { ...info, state: 'RUNNING', message: 'the deadline message' }, job: { jobId: '42', state: 'CANCELLED' }, run: { status: 'failed', epochsDone: 0, hasCheckpoint: false, dir: '/s/r' } }))
    expect(settled).toMatchObject({ patch: null, info: { state: 'CANCELLED', message: 'the deadline message' } })
  })

  it('cancels a job that runs past the start deadline without writing to the shared folder', () => {
    const job = { jobId: '42', state: 'RUNNING', node: 'gpu017', startTime: '2026-12-04T10:00:00.000Z' }
    // 9 minutes: still within the deadline.
    expect(reconcile(input({ job, now: new Date('2026-12-04T10:09:00Z') }))).toMatchObject({ patch: null, cancel: false })
    const late = reconcile(input({ job, now: new Date('2026-12-04T10:11:00Z') }))
    expect(late.cancel).toBe(true)
    expect(late.patch!.status).toBe('failed')
    expect(late.patch!.failure).toMatch(/^Job 42 has been RUNNING on gpu017 for 11 min but has not written to the run folder \/s\/r: the node cannot see or write the data folder\..*Tagbench cancelled the job\.$/)
    // Once the node has written, no deadline applies.
    expect(reconcile(input({ job, nodeWroteAt: '2026-12-04T10:00:05Z', now: new Date('2026-12-04T12:00:00Z') }))).toMatchObject({ patch: null, cancel: false })
  })

  it('gives a run up only after Slurm has forgotten its job for a while', () => {
    const soon = reconcile(input({ job: null, now: new Date('2026-12-04T10:00:30Z') }))
    expect(soon).toMatchObject({ patch: null, info: { state: 'PENDING' } })
    const gone = reconcile(input({ job: null, run: { status: 'running', epochsDone: 4, hasCheckpoint: true, dir: '/s/r' } }))
    expect(gone.info.state).toBe('UNKNOWN')
    expect(gone.patch).toMatchObject({ status: 'interrupted', failure: expect.stringMatching(/^Slurm no longer knows job 42 .*after 4 epochs: Resume continues from its last checkpoint\.$/) })
    const done = reconcile(input({ job: null, run: { status: 'done', epochsDone: 4, hasCheckpoint: true, dir: '/s/r' } }))
    expect(done).toMatchObject({ patch: null, info: { state: 'COMPLETED' } })
  })
})
