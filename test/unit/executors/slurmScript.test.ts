// The Slurm job script and its options: every option becomes the sbatch flag sbatch(1) documents, the
// preamble runs before tagbench, paths with spaces survive both #SBATCH and shell quoting, and bad
// options are refused with the field named. `bash -n` checks the script parses; the quoting is checked
// by letting bash itself echo the quoted words back.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sbatchOptions, shellQuote, slurmScript } from '../../../src/main/engine/executors/slurm/script'
import { checkSlurmOptions, loadSlurmOptions, saveSlurmOptions } from '../../../src/main/engine/executors/slurm/options'
import { useTempDataDir } from '../data/helpers'

const base = { runId: '2026-12-04T10-00-00-ast-tiny-ab12', runName: 'grid: seed=1', runDir: '/shared/tb/runs/2026-12-04T10-00-00-ast-tiny-ab12', dataDir: '/shared/tb', command: "'/usr/bin/node' '/opt/tagbench/bin/tagbench.mjs'", writtenAt: '2026-12-04T10:00:00.000Z' }

describe('Slurm job script', () => {
  it('asks for what the options say, in sbatch(1) flags', () => {
    const lines = sbatchOptions({ ...base, options: { partition: 'gpu', account: 'audio-lab', time: '1-12:00', cpus: 8, mem: '32G', gpus: 'a100:2', gpuFlag: 'gres', extra: ['--qos=long', '--constraint=a100'] } })
    expect(lines).toEqual([
      `--job-name=tagbench-${base.runId}`,
      `--output=${base.runDir}/slurm-%j.out`,
      `--error=${base.runDir}/slurm-%j.err`,
      '--nodes=1',
      '--ntasks=1',
      '--partition=gpu',
      '--account=audio-lab',
      '--time=1-12:00',
      '--cpus-per-task=8',
      '--mem=32G',
      '--gres=gpu:a100:2',
      '--qos=long',
      '--constraint=a100'
    ])
    expect(sbatchOptions({ ...base, options: { gpus: '1', gpuFlag: 'gpus' } })).toContain('--gpus=1')
    // No GPU line at all without GPUs; defaults leave partition etc. to the cluster.
    expect(sbatchOptions({ ...base, options: {} }).filter((l) => /gpu|partition|account|time|mem|cpus/.test(l))).toEqual([])
  })

  it('writes a script bash parses: #SBATCH first, the node marker, the preamble, then tagbench slurm-job', () => {
    const text = slurmScript({ ...base, options: { partition: 'gpu', preamble: 'module load cuda/12.1\nsource ~/venvs/tb/bin/activate' } })
    const lines = text.split('\n')
    const firstCommand = lines.findIndex((l, i) => i > 0 && l.trim() && !l.startsWith('#'))
    // sbatch stops reading #SBATCH at the first command: every option comes before it.
    expect(lines.slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false)
    expect(lines.filter((l) => l.startsWith('#SBATCH'))).toHaveLength(6)
    expect(lines[firstCommand]).toMatch(/^echo "\$SLURM_JOB_ID \$\(hostname\) .*>> \/shared\/tb\/runs\/.*\/slurm-nodes\.txt/)
    const order = ['slurm-nodes.txt', 'module load cuda/12.1', 'source ~/venvs/tb/bin/activate', 'export TAGBENCH_DATA_DIR=/shared/tb', `exec '/usr/bin/node' '/opt/tagbench/bin/tagbench.mjs' slurm-job ${base.runId}`]
    const at = order.map((s) => text.indexOf(s))
    expect(at.every((i) => i >= 0)).toBe(true)
    expect([...at].sort((a, b) => a - b)).toEqual(at)
    const file = path.join(os.tmpdir(), `tagbench-script-${process.pid}.sh`)
    fs.writeFileSync(file, text)
    try {
      execFileSync('bash', ['-n', file])
    } finally {
      fs.rmSync(file)
    }
  })

  it('quotes paths with spaces and quotes for the shell and for #SBATCH', () => {
    const runDir = "/home/me/My Data/tb/runs/r1"
    const text = slurmScript({ ...base, runDir, dataDir: "/home/me/My Data/it's/tb", options: {} })
    expect(text).toContain(`#SBATCH --output="${runDir}/slurm-%j.out"`)
    expect(text).toContain(`export TAGBENCH_DATA_DIR='/home/me/My Data/it'\\''s/tb'`)
    for (const word of ['plain', 'a b', "it's", '$HOME `x` "q"', '']) {
      expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(word) || "''"}`]).toString()).toBe(word)
    }
    expect(() => slurmScript({ ...base, runDir: '/a"b', options: {} })).toThrow(/#SBATCH/)
  })

  it('checks each option and names the bad one', () => {
    expect(checkSlurmOptions({ partition: ' gpu ', time: '90', cpus: '4' as unknown as number, mem: '16g', gpus: '0', extra: ['', '--qos=long'], preamble: '  module load x\r\n' })).toEqual({ partition: 'gpu', time: '90', cpus: 4, mem: '16G', extra: ['--qos=long'], preamble: 'module load x' })
    for (const t of ['90', '1:30', '02:00:00', '2-00', '2-12:00', '2-12:00:00']) expect(checkSlurmOptions({ time: t }).time).toBe(t)
    expect(() => checkSlurmOptions({ partition: 'gpu; rm -rf ~' })).toThrow(/Slurm option partition: "gpu; rm -rf ~" is not a Slurm name/)
    expect(() => checkSlurmOptions({ time: '2 hours' })).toThrow(/option time: "2 hours"/)
    expect(() => checkSlurmOptions({ cpus: 0 })).toThrow(/option cpus: "0" is not a positive integer/)
    expect(() => checkSlurmOptions({ mem: 'lots' })).toThrow(/option mem/)
    expect(() => checkSlurmOptions({ gpus: 'two' })).toThrow(/option gpus/)
    expect(() => checkSlurmOptions({ extra: ['echo hi'] })).toThrow(/option extra: "echo hi" is not an sbatch option/)
    expect(() => checkSlurmOptions({ startDeadlineMinutes: -1 })).toThrow(/startDeadlineMinutes/)
  })

  it('keeps the options per data folder', () => {
    const data = useTempDataDir()
    try {
      expect(loadSlurmOptions()).toEqual({})
      saveSlurmOptions({ partition: 'gpu', gpus: '1', preamble: 'module load cuda' })
      expect(JSON.parse(fs.readFileSync(path.join(data.dir, 'slurm.json'), 'utf8'))).toEqual({ partition: 'gpu', gpus: '1', preamble: 'module load cuda' })
      expect(loadSlurmOptions()).toEqual({ partition: 'gpu', gpus: '1', preamble: 'module load cuda' })
      expect(() => saveSlurmOptions({ cpus: -2 })).toThrow(/cpus/)
    } finally {
      data.cleanup()
    }
  })
})
