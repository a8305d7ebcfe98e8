import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir, useTempDataDir, writeText, writeWav } from './helpers'
import { runCli } from '../cliHarness'

const data = useTempDataDir()
const trees = tempDir('cli')
const { registerDataset } = await import('../../../src/main/cli/commands/dataset')
afterAll(() => {
  data.cleanup()
  trees.cleanup()
})

/** Runs `tagbench dataset ...` in-process and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  return runCli([registerDataset], ['dataset', ...args])
}

describe('tagbench dataset', () => {
  const root = path.join(trees.dir, 'birds')
  for (let i = 0; i < 10; i++) writeWav(path.join(root, 'audio', `${i}.wav`), 0.2, 8000)
  writeText(path.join(root, 'labels.csv'), ['fname,labels', ...Array.from({ length: 10 }, (_, i) => `${i},"${i % 2 ? 'owl' : 'owl,crow'}"`), '11,owl'].join('\n'))

  it('imports with the layout forced or detected, and prints the summary with problems', async () => {
    const json = JSON.parse(await run('import', root, '--layout', 'csv', '--name', 'birds', '--json'))
    expect(json).toMatchObject({ name: 'birds', layout: 'csv', clips: 10, classes: 2, multiLabel: true, problems: 1 })
    expect(json.problemList[0]).toMatchObject({ kind: 'missing-file', where: 'labels.csv:12' })
    expect(json.files).toBeUndefined()
    const text = await run('import', root)
    expect(text).toMatch(/^birds-2 .* csv, 10 clips, 2 classes, multi-label, train\/val\/test \d+\/\d+\/\d+, 1 problems/)
    expect(text).toMatch(/missing-file {2}labels.csv:12/)
    await expect(run('import', root, '--layout', 'tar')).rejects.toThrow(/Unknown layout "tar"/)
  })

  it('lists, shows, subsets and deletes', async () => {
    const list = JSON.parse(await run('list', '--json'))
    expect(list.map((d: { name: string }) => d.name)).toEqual(['birds', 'birds-2'])
    expect(JSON.parse(await run('show', 'birds', '--json')).stats.clipsPerClass).toEqual({ crow: 5, owl: 10 })
    const sub = JSON.parse(await run('subset', 'birds', '--classes', 'owl', '--mode', 'within', '--per-class', '3', '--seed', '2', '--name', 'owls', '--json'))
    expect(sub).toMatchObject({ name: 'owls', clips: 3, classes: 1, recipe: { classes: ['owl'], mode: 'within', perClass: 3, seed: 2 } })
    await expect(run('subset', 'birds', '--classes', 'owl', '--per-class', 'x', '--name', 'bad')).rejects.toThrow(/--per-class must be a positive integer/)
    expect(await run('delete', 'birds-2')).toMatch(/Deleted birds-2/)
    await expect(run('show', 'birds-2')).rejects.toThrow(/No dataset "birds-2"/)
  })
})
