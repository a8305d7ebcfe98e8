// `tagbench metrics` and `tagbench thresholds` through commander, on .npy files written from the sklearn
// fixture, so the printed numbers are checked against sklearn's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeNpy } from '../../../src/main/engine/io/npy'
import { registerMetrics } from '../../../src/main/cli/commands/metrics'
import { registerThresholds } from '../../../src/main/cli/commands/thresholds'
import { f1Scores } from '../../../src/main/engine/eval/metrics'
import { makeRng } from '../../../src/main/engine/util/rng'
import { runCli } from '../cliHarness'

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/eval/metrics.json'), 'utf8'))
const multi = fx.sets.find((s: { name: string }) => s.name === 'multilabel-ties-1dp')
const single = fx.sets.find((s: { name: string }) => s.name === 'single-label')

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagbench-cli-eval-'))
  for (const [name, set] of [['multi', multi], ['single', single]] as const) {
    writeNpy(path.join(dir, `${name}-scores.npy`), Float32Array.from(set.scores), [set.nClips, set.nClasses])
    writeNpy(path.join(dir, `${name}-targets.npy`), Uint8Array.from(set.targets), [set.nClips, set.nClasses])
  }
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

async function run(args: string[]): Promise<unknown> {
  const out = await runCli([registerMetrics, registerThresholds], [...args])
  return args.includes('--json') ? JSON.parse(out) : out
}
const f = (name: string) => path.join(dir, name)
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9)

describe('tagbench metrics', () => {
  it('prints sklearn’s numbers, null AP for a class without positives', async () => {
    const m = (await run(['metrics', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--json'])) as Record<string, unknown>
    close(m.mAP as number, multi.mAP)
    expect((m.ap as (number | null)[])[4]).toBeNull()
    expect((m.ap as (number | null)[])[5]).toBe(1)
    close(m.auc as number, multi.meanAuc)
    close(m.dprime as number, multi.dprime)
    close(m.microF1 as number, multi.f1Default.microF1)
    close(m.macroF1 as number, multi.f1Default.macroF1)
    expect(m.accuracy).toBeUndefined()
  })
  it('per-class thresholds and accuracy for single-label targets', async () => {
    const thr = multi.f1PerClass.thresholds.join(',')
    const m = (await run(['metrics', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--thresholds', thr, '--json'])) as Record<string, number>
    close(m.microF1, multi.f1PerClass.microF1)
    const s = (await run(['metrics', '--scores', f('single-scores.npy'), '--targets', f('single-targets.npy'), '--json'])) as Record<string, number>
    close(s.accuracy, single.accuracy)
    const text = (await run(['metrics', '--scores', f('single-scores.npy'), '--targets', f('single-targets.npy')])) as string
    expect(text).toContain('accuracy 0.6667')
  })
  it('errors name the file', async () => {
    await expect(run(['metrics', '--scores', f('missing.npy'), '--targets', f('multi-targets.npy')])).rejects.toThrow(/missing\.npy/)
    await expect(run(['metrics', '--scores', f('single-scores.npy'), '--targets', f('multi-targets.npy')])).rejects.toThrow(/single-scores\.npy is \[30, 5\] but .*multi-targets\.npy is \[40, 6\]/)
    await expect(run(['metrics', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--thresholds', '0.1,0.2'])).rejects.toThrow(/2 values for 6 classes/)
  })
})

describe('tagbench thresholds', () => {
  it('in-sample search reaches at least the F1 of 0.5; default prints 0.5s', async () => {
    const d = (await run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--method', 'default', '--json'])) as Record<string, unknown>
    expect(d).toMatchObject({ method: 'default', learnedOn: 'same set', learnClips: 40, reportClips: 40 })
    expect(d.thresholds).toEqual(new Array(6).fill(0.5))
    close(d.microF1 as number, multi.f1Default.microF1)
    const s = (await run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--method', 'search', '--json'])) as Record<string, number>
    expect(s.macroF1).toBeGreaterThanOrEqual(d.macroF1 as number)
  })
  it('--val-fraction splits with the seed and reports on the held-out clips', async () => {
    const args = ['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--method', 'all', '--val-fraction', '0.5', '--seed', '3', '--json']
    const r = (await run(args)) as { methods: { method: string; thresholds: number[]; microF1: number }[]; learnedOn: string; learnClips: number; reportClips: number }
    expect(r).toMatchObject({ learnedOn: 'random split', learnClips: 20, reportClips: 20 })
    expect(r.methods.map((m) => m.method)).toEqual(['default', 'search', 'sgl'])
    // Recompute the held-out F1 for the SGL thresholds from the same seeded split.
    const order = makeRng(3).shuffle(Array.from({ length: 40 }, (_, i) => i)).slice(20)
    const rows = (v: number[]) => order.flatMap((i) => v.slice(i * 6, i * 6 + 6))
    const sgl = r.methods[2]
    expect(sgl.microF1).toBe(f1Scores(Float32Array.from(rows(multi.scores)), rows(multi.targets), 20, 6, sgl.thresholds).microF1)
    expect(await run(args)).toEqual(r) // deterministic
  })
  it('learns on --val-scores/--val-targets and rejects mismatched classes or bad options', async () => {
    const r = (await run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--val-scores', f('multi-scores.npy'), '--val-targets', f('multi-targets.npy'), '--method', 'sgl', '--t-init', '0.5', '--json'])) as Record<string, unknown>
    expect(r.learnedOn).toBe('validation files')
    await expect(run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--val-scores', f('single-scores.npy'), '--val-targets', f('single-targets.npy')])).rejects.toThrow(/5 classes but .*multi-scores\.npy has 6/)
    await expect(run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--method', 'magic'])).rejects.toThrow(/Unknown method "magic"/)
    await expect(run(['thresholds', '--scores', f('multi-scores.npy'), '--targets', f('multi-targets.npy'), '--val-fraction', '1'])).rejects.toThrow(/--val-fraction 1/)
  })
})
