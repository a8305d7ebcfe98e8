// Without Slurm's commands (any machine but a login node): the experiment form is told why Slurm is
// not offered, and `tagbench experiment --executor slurm` stops with a message naming sbatch, before
// anything is created. Runs everywhere: PATH is pointed at an empty folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir } from '../data/helpers'
import { handlers } from '../../../src/main/service/slurm'
import type { SlurmInfo } from '../../../src/shared/api'
import type { ServiceContext } from '../../../src/main/service/index'

const ROOT = path.resolve(__dirname, '../../..')
let data: { dir: string; cleanup: () => void }
let empty: { dir: string; cleanup: () => void }
const savedPath = process.env.PATH

describe('without Slurm', () => {
  beforeAll(() => {
    data = tempDir('noslurm-data')
    empty = tempDir('noslurm-path')
    process.env.TAGBENCH_DATA_DIR = data.dir
  })
  afterAll(() => {
    process.env.PATH = savedPath
    data.cleanup()
    empty.cleanup()
  })

  it('slurm.info says sbatch is missing, with the saved options still there', async () => {
    fs.writeFileSync(path.join(data.dir, 'slurm.json'), JSON.stringify({ partition: 'gpu' }))
    process.env.PATH = empty.dir
    try {
      const info = (await handlers['slurm.info']!(undefined, {} as ServiceContext)) as SlurmInfo
      expect(info).toEqual({ available: false, message: expect.stringMatching(/^sbatch is not on the PATH/), partitions: [], options: { partition: 'gpu' } })
    } finally {
      process.env.PATH = savedPath
    }
  })

  it('tagbench experiment --executor slurm names the missing sbatch and creates nothing', () => {
    const grid = path.join(data.dir, 'grid.yaml')
    fs.writeFileSync(grid, 'name: g\ndataset: tiny\nseeds: [1, 2]\n')
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/tagbench.mjs'), 'experiment', grid, '--executor', 'slurm'], { cwd: ROOT, env: { ...process.env, PATH: empty.dir, TAGBENCH_DATA_DIR: data.dir }, encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/tagbench: sbatch is not on the PATH: run Tagbench on a machine with Slurm's commands/)
    expect(fs.existsSync(path.join(data.dir, 'runs'))).toBe(false)
    expect(fs.existsSync(path.join(data.dir, 'experiments'))).toBe(false)
  })
})
