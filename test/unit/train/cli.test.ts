// The CLI commands end to end in child processes: train --json, runs --json, experiment <grid>,
// Ctrl-C (SIGINT) during training leaving a cancelled, resumable run, and resume --json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { tempDir } from '../data/helpers'
import { importTinyDataset, writeTinyDataset } from './helpers'

let data: { dir: string; cleanup: () => void }
let audio: { dir: string; cleanup: () => void }
const ROOT = path.resolve(__dirname, '../../..')
const TINY = ['--depth', '1', '--mel-bins', '32', '--target-length', '48', '--batch', '4', '--threads', '1', '--engine', 'tfjs']

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function tagbench(args: string[], opts: { onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tagbench.mjs'), ...args], { cwd: ROOT, env: { ...process.env, TAGBENCH_DATA_DIR: data.dir } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      opts.onStderr?.(stderr, child)
    })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('tagbench train / runs / experiment / resume', () => {
  beforeAll(async () => {
    data = tempDir('cli-data')
    audio = tempDir('cli-audio')
    process.env.TAGBENCH_DATA_DIR = data.dir
    writeTinyDataset(audio.dir, 30, 0.5)
    await importTinyDataset(audio.dir, 'tiny')
  })

  afterAll(() => {
    data.cleanup()
    audio.cleanup()
  })

  it('train --json prints the run, its test metrics and the best epoch; runs --json lists it', async () => {
    // A folder that was imported before is the same dataset, not a new import.
    const r = await tagbench(['train', '--dataset', audio.dir, ...TINY, '--epochs', '2', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { run: string; test: Record<string, number>; best_epoch: number }
    expect(Object.keys(out)).toEqual(['run', 'test', 'best_epoch'])
    expect(out.test.mAP).toBeGreaterThan(0)
    expect([1, 2]).toContain(out.best_epoch)
    const runs = JSON.parse((await tagbench(['runs', '--json'])).stdout) as { id: string; status: string; datasetName: string }[]
    expect(runs.find((x) => x.id === out.run)).toMatchObject({ status: 'done', datasetName: 'tiny' })
    const again = await tagbench(['resume', out.run, '--json'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/tagbench: Run .* has already finished/)
  })

  it('Ctrl-C stops training with a checkpoint; resume --json finishes the run', async () => {
    let sent = false
    const r = await tagbench(['train', '--dataset', 'tiny', ...TINY, '--epochs', '12'], {
      onStderr: (text, child) => {
        // After the first epoch line, press Ctrl-C (SIGINT to the CLI, as a terminal would).
        if (!sent && /epoch 1 /.test(text)) {
          sent = true
          child.kill('SIGINT')
        }
      }
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/Stopping after the current step/)
    const runId = /Run (\S+): ast-tiny/.exec(r.stderr)![1]
    expect(r.stdout).toMatch(new RegExp(`Run ${runId} ended cancelled. Resume it with: tagbench resume ${runId}`))
    const resumed = await tagbench(['resume', runId, '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(JSON.parse(resumed.stdout).run).toBe(runId)
    const metrics = fs.readFileSync(path.join(data.dir, 'runs', runId, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; epoch: number })
    expect(metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
  })

  it('experiment <grid.yaml> --json trains every run and prints pooled results', async () => {
    const grid = path.join(data.dir, 'grid.yaml')
    fs.writeFileSync(grid, ['name: cli-grid', 'dataset: tiny', 'base:', '  depth: 1', '  melBins: 32', '  targetLength: 48', '  epochs: 1', '  batchSize: 4', '  threads: 1', 'axes:', '  specAugment: [true, false]', 'parallel: 2', ''].join('\n'))
    const r = await tagbench(['experiment', grid, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { experiment: string; status: string; runs: { status: string; values: unknown }[]; results: { values: unknown; n: number }[] }
    expect(out.status).toBe('done')
    expect(out.runs.map((x) => [x.values, x.status])).toEqual([[{ specAugment: true }, 'done'], [{ specAugment: false }, 'done']])
    expect(out.results.map((c) => c.n)).toEqual([1, 1])
  })

  it('experiment --resume <id> trains what an interrupted experiment has left', async () => {
    const { createExperiment } = await import('../../../src/main/engine/experiments/experiment')
    const { experimentsDir } = await import('../../../src/main/engine/platform/paths')
    const exp = createExperiment({ name: 'cli-orphan', base: { dataset: 'tiny', depth: 1, melBins: 32, targetLength: 48, epochs: 1, batchSize: 4, threads: 1 }, axes: [{ key: 'specAugment', values: [true, false] }] })
    // Left 'running' by a queue process that is gone (pid 2^22 + 1 is above Linux's pid_max).
    const file = path.join(experimentsDir(), exp.id, 'experiment.json')
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), status: 'running', owner: { pid: 4194305, hostname: os.hostname() } }))
    const both = await tagbench(['experiment', 'grid.yaml', '--resume', exp.id])
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/grid file, or --resume/)
    const r = await tagbench(['experiment', '--resume', exp.id, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { experiment: string; status: string; runs: { status: string }[] }
    expect(out).toMatchObject({ experiment: exp.id, status: 'done' })
    expect(out.runs.map((x) => x.status)).toEqual(['done', 'done'])
    const again = await tagbench(['experiment', '--resume', exp.id])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already finished/)
    const listed = JSON.parse((await tagbench(['experiments', '--json'])).stdout) as { id: string; status: string; results: { n: number }[] }[]
    expect(listed.find((e) => e.id === exp.id)).toMatchObject({ status: 'done', results: [{ n: 1 }, { n: 1 }] })
    expect((await tagbench(['experiments'])).stdout).toMatch(new RegExp(`${exp.id}  done +cli-orphan: 2 runs\\n  specAugment=true .*test mAP`))
    const deleted = await tagbench(['experiments', '--delete', exp.id, '--with-runs', '--json'])
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: exp.id, runsDeleted: 2 })
    const runsLeft = JSON.parse((await tagbench(['runs', '--json'])).stdout) as { id: string }[]
    expect(runsLeft.some((r) => exp.runIds.includes(r.id))).toBe(false)
    expect((JSON.parse((await tagbench(['experiments', '--json'])).stdout) as { id: string }[]).some((e) => e.id === exp.id)).toBe(false)
    expect((await tagbench(['experiments', '--delete', exp.id])).stderr).toMatch(/No experiment/)
  })
})
