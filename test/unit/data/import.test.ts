import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTempDataDir, tempDir, writeText, writeWav } from './helpers'
import type { DatasetRecord, ImportProblem } from '../../../src/shared/types'

// paths.ts reads TAGBENCH_DATA_DIR on every call, so setting it before the first import is enough.
const data = useTempDataDir()
const trees = tempDir('trees')
const { importDataset, listDatasets, loadDataset, deleteDataset, frameTargets, applyTestFold, clipFrameCount } = await import('../../../src/main/engine/data/record')
const { frameSparsity } = await import('../../../src/main/engine/data/frames')

afterAll(() => {
  data.cleanup()
  trees.cleanup()
})

const kinds = (problems: ImportProblem[]): string[] => problems.map((p) => `${p.kind} ${p.where}`).sort()
const splitOf = (r: DatasetRecord, p: string): string | undefined => r.files.find((f) => f.path === p)?.split
const NOT_AUDIO = 'this is not audio at all, just text with a .wav name'

describe('folders-per-class', () => {
  let root: string
  let record: DatasetRecord
  beforeAll(async () => {
    root = path.join(trees.dir, 'animals')
    for (let i = 0; i < 20; i++) writeWav(path.join(root, 'dog', `d${i}.wav`), 0.5, 8000)
    for (let i = 0; i < 10; i++) writeWav(path.join(root, 'cat', `c${i}.wav`), 0.25, 16000, 2)
    writeWav(path.join(root, 'cat', 'deeper', 'c-deep.wav'), 1, 8000)
    writeText(path.join(root, 'dog', 'broken.wav'), NOT_AUDIO)
    writeText(path.join(root, 'dog', 'zero.wav'), '')
    // A WAV cut off mid-data: its header still reads fine.
    writeWav(path.join(root, 'dog', 'cut.wav'), 0.5, 8000)
    fs.truncateSync(path.join(root, 'dog', 'cut.wav'), 3000)
    fs.mkdirSync(path.join(root, 'bird'))
    writeWav(path.join(root, 'stray.wav'), 0.1, 8000)
    fs.symlinkSync('..', path.join(root, 'cat', 'loop'))
    record = await importDataset({ folder: root })
  })

  it('labels clips by folder and reports every bad input without stopping', () => {
    expect(record.layout).toBe('folders')
    expect(record.classNames).toEqual(['cat', 'dog'])
    expect(record.clips).toBe(31)
    expect(record.multiLabel).toBe(false)
    expect(record.files.find((f) => f.path === 'cat/deeper/c-deep.wav')?.labels).toEqual(['cat'])
    expect(kinds(record.problemList)).toEqual([
      'empty-folder bird',
      'other stray.wav',
      'symlink-loop cat/loop',
      'unreadable-audio dog/broken.wav',
      'unreadable-audio dog/cut.wav',
      'unreadable-audio dog/zero.wav'
    ])
    expect(record.problems).toBe(6)
    expect(record.problemList.find((p) => p.where === 'dog/cut.wav')!.message).toMatch(/truncated: its header declares \d+ bytes, the file has 3000/)
    expect(record.problemList.find((p) => p.where === 'dog/zero.wav')!.message).toMatch(/empty/)
  })

  it('probes durations and sample rates, and computes the statistics', () => {
    const cat0 = record.files.find((f) => f.path === 'cat/c0.wav')!
    expect(cat0.durationS).toBeCloseTo(0.25, 6)
    expect(cat0.sampleRate).toBe(16000)
    expect(record.stats.clipsPerClass).toEqual({ cat: 11, dog: 20 })
    expect(record.stats.imbalanceRatio).toBeCloseTo(20 / 11, 12)
    expect(record.stats.labelCardinality).toBe(1)
    expect(record.stats.cardinalityHistogram).toEqual([{ labels: 1, clips: 31 }])
    const hist = record.stats.durationHistogram
    expect(hist.reduce((a, h) => a + h.clips, 0)).toBe(31)
    expect(hist[0]).toMatchObject({ fromS: 0.25, clips: 10 })
    expect(hist.at(-1)).toMatchObject({ toS: 1, clips: 1 })
    expect(record.stats.frameSparsity).toBeUndefined()
  })

  it('draws seeded stratified 80/10/10 splits when the layout has none', () => {
    expect(record.splits).toEqual({ train: 25, val: 3, test: 3 })
    expect(record.stats.splitSizes).toEqual(record.splits)
    const dogs = record.files.filter((f) => f.labels[0] === 'dog')
    expect(dogs.filter((f) => f.split === 'train').length).toBe(16)
    expect(record.notes!.join(' ')).toMatch(/No official split: drew train\/val\/test 0.8\/0.1\/0.1 by per-class stratification \(seed 0\)/)
  })

  it('is stored atomically and reads back the same after a restart, under a unique name', async () => {
    const reread = loadDataset(record.id)
    expect(reread).toEqual(record)
    expect(loadDataset('animals')).toEqual(record)
    expect(fs.readdirSync(path.join(data.dir, 'datasets', record.id)).sort()).toEqual(['dataset.json', 'summary.json'])
    const again = await importDataset({ folder: root })
    expect(again.name).toBe('animals-2')
    // Same content, same fingerprint; a changed file changes it.
    expect(again.fingerprint).toBe(record.fingerprint)
    expect(again.files).toEqual(record.files)
    fs.utimesSync(path.join(root, 'dog', 'd0.wav'), new Date(2001, 1, 1), new Date(2001, 1, 1))
    const third = await importDataset({ folder: root, name: 'animals-touched' })
    expect(third.fingerprint).not.toBe(record.fingerprint)
    expect(listDatasets().map((d) => d.name)).toEqual(expect.arrayContaining(['animals', 'animals-2', 'animals-touched']))
    expect(deleteDataset('animals-2').id).toBe(again.id)
    expect(deleteDataset(third.id).name).toBe('animals-touched')
    expect(() => loadDataset('animals-2')).toThrow(/No dataset "animals-2"/)
    expect(fs.existsSync(root)).toBe(true)
  })
})

describe('FSD50K', () => {
  let record: DatasetRecord
  beforeAll(async () => {
    const root = path.join(trees.dir, 'FSD50K')
    const gt = path.join(root, 'FSD50K.ground_truth')
    writeText(path.join(gt, 'vocabulary.csv'), '0,Bark,/m/05tny_\n1,Guitar,/m/0342h\n2,Speech,/m/09x0r\n3,Rain,/m/06mb1\n')
    const dev = ['fname,labels,mids,split']
    for (let i = 1; i <= 12; i++) {
      const labels = i % 3 === 0 ? 'Bark,Speech' : i % 3 === 1 ? 'Guitar' : 'Rain,Guitar,Speech'
      dev.push(`${i},"${labels}","/m/x",${i <= 9 ? 'train' : 'val'}`)
      writeWav(path.join(root, 'FSD50K.dev_audio', `${i}.wav`), 0.2 + 0.05 * i, 8000)
    }
    dev.push('13,"Bark,Meow","/m/x",train') // Meow is not in the vocabulary
    writeWav(path.join(root, 'FSD50K.dev_audio', '13.wav'), 0.3, 8000)
    dev.push('14,"Meow","/m/x",train') // only unknown labels: no clip left
    writeWav(path.join(root, 'FSD50K.dev_audio', '14.wav'), 0.3, 8000)
    dev.push('99,"Bark","/m/x",train') // no audio
    dev.push('3,"Bark","/m/x",train') // duplicate
    dev.push('15,"Bark"') // malformed
    dev.push('16,"Bark","/m/x",holdout') // unknown split
    writeText(path.join(gt, 'dev.csv'), dev.join('\n') + '\n')
    const ev = ['fname,labels,mids']
    for (let i = 100; i < 105; i++) {
      ev.push(`${i},"${i % 2 ? 'Bark' : 'Rain'}","/m/x"`)
      writeWav(path.join(root, 'FSD50K.eval_audio', `${i}.wav`), 0.4, 8000)
    }
    writeText(path.join(gt, 'eval.csv'), ev.join('\n') + '\n')
    record = await importDataset({ folder: root })
  })

  it('keeps the vocabulary order and the official splits, eval as test', () => {
    expect(record.layout).toBe('fsd50k')
    expect(record.classNames).toEqual(['Bark', 'Guitar', 'Speech', 'Rain'])
    expect(record.splits).toEqual({ train: 10, val: 3, test: 5 })
    expect(splitOf(record, 'FSD50K.eval_audio/100.wav')).toBe('test')
    expect(splitOf(record, 'FSD50K.dev_audio/10.wav')).toBe('val')
    expect(record.multiLabel).toBe(true)
    expect(record.files.find((f) => f.path === 'FSD50K.dev_audio/2.wav')!.labels).toEqual(['Rain', 'Guitar', 'Speech'])
    expect(record.files.find((f) => f.path === 'FSD50K.dev_audio/13.wav')!.labels).toEqual(['Bark'])
    expect(record.stats.clipsPerClass).toEqual({ Bark: 4 + 1 + 2, Guitar: 8, Speech: 8, Rain: 4 + 3 })
    expect(record.stats.cardinalityHistogram).toEqual([
      { labels: 1, clips: 4 + 1 + 5 },
      { labels: 2, clips: 4 },
      { labels: 3, clips: 4 }
    ])
    expect(record.stats.labelCardinality).toBeCloseTo((10 + 8 + 12) / 18, 12)
  })

  it('reports unknown labels, missing files, duplicates and malformed rows by file and line', () => {
    expect(kinds(record.problemList)).toEqual([
      'duplicate-row FSD50K.ground_truth/dev.csv:17',
      'malformed-row FSD50K.ground_truth/dev.csv:18',
      'malformed-row FSD50K.ground_truth/dev.csv:19',
      'missing-file FSD50K.ground_truth/dev.csv:16',
      'unknown-label FSD50K.ground_truth/dev.csv:14',
      'unknown-label FSD50K.ground_truth/dev.csv:15'
    ])
    expect(record.problemList.find((p) => p.where.endsWith(':19'))!.message).toMatch(/holdout/)
  })
})

describe('ESC-50', () => {
  let record: DatasetRecord
  beforeAll(async () => {
    const root = path.join(trees.dir, 'ESC-50-master')
    const rows = ['filename,fold,target,category,esc10,src_file,take']
    for (let fold = 1; fold <= 5; fold++) {
      for (const [target, category] of [[0, 'dog'], [1, 'rooster'], [2, 'rain']] as const) {
        const name = `${fold}-${100 + target}-A-${target}.wav`
        rows.push(`${name},${fold},${target},${category},True,${100 + target},A`)
        writeWav(path.join(root, 'audio', name), 0.3, 8000)
      }
    }
    rows.push('6-1-A-0.wav,6,0,dog,True,1,A') // no such fold
    rows.push('../outside.wav,1,0,dog,True,1,A')
    rows.push('1-999-A-0.wav,1,0,rooster,True,1,A') // target 0 is dog
    writeText(path.join(root, 'meta', 'esc50.csv'), rows.join('\n') + '\n')
    writeWav(path.join(trees.dir, 'outside.wav'), 0.3, 8000)
    record = await importDataset({ folder: root, name: 'esc' })
  })

  it('records folds, orders classes by target and splits by the default test fold', () => {
    expect(record.layout).toBe('esc50')
    expect(record.classNames).toEqual(['dog', 'rooster', 'rain'])
    expect(record.folds).toEqual([1, 2, 3, 4, 5])
    expect(record.files.every((f) => f.fold !== undefined)).toBe(true)
    // Default: test = fold 5, val = fold 1.
    for (const f of record.files) expect(f.split).toBe(f.fold === 5 ? 'test' : f.fold === 1 ? 'val' : 'train')
    expect(record.splits).toEqual({ train: 9, val: 3, test: 3 })
    const fold2 = applyTestFold(record.files, 2)
    for (const f of fold2) expect(f.split).toBe(f.fold === 2 ? 'test' : f.fold === 3 ? 'val' : 'train')
    expect(kinds(record.problemList)).toEqual(['escapes-root meta/esc50.csv:18', 'malformed-row meta/esc50.csv:17', 'malformed-row meta/esc50.csv:19'])
  })
})

describe('Speech Commands', () => {
  const words = ['yes', 'no', 'up']
  function makeTree(root: string, lists: { validation: boolean }): void {
    const testing: string[] = []
    const validation: string[] = []
    for (let s = 0; s < 20; s++) {
      const speaker = `spk${String(s).padStart(2, '0')}ab`
      for (const w of words) {
        for (let n = 0; n < (s % 3) + 1; n++) {
          const rel = `${w}/${speaker}_nohash_${n}.wav`
          writeWav(path.join(root, rel), 0.1, 8000)
          if (s >= 16) testing.push(rel)
          else if (lists.validation && s >= 13) validation.push(rel)
        }
      }
    }
    writeWav(path.join(root, '_background_noise_', 'white_noise.wav'), 0.5, 8000)
    testing.push('yes/nobody_nohash_0.wav', '../../etc/passwd', testing[0])
    writeText(path.join(root, 'testing_list.txt'), testing.join('\n') + '\n')
    if (lists.validation) writeText(path.join(root, 'validation_list.txt'), validation.join('\n') + '\n')
  }

  it('uses both official lists when present and skips _background_noise_', async () => {
    const root = path.join(trees.dir, 'sc-both')
    makeTree(root, { validation: true })
    const r = await importDataset({ folder: root, name: 'sc-both' })
    expect(r.layout).toBe('speechcommands')
    expect(r.classNames).toEqual(['no', 'up', 'yes'])
    expect(r.files.some((f) => f.path.startsWith('_background_noise_'))).toBe(false)
    expect(splitOf(r, 'yes/spk16ab_nohash_0.wav')).toBe('test')
    expect(splitOf(r, 'no/spk13ab_nohash_0.wav')).toBe('val')
    expect(splitOf(r, 'up/spk00ab_nohash_0.wav')).toBe('train')
    const clipsOf = (from: number, to: number): number => words.length * Array.from({ length: to - from }, (_, i) => ((from + i) % 3) + 1).reduce((a, b) => a + b, 0)
    expect(r.splits).toEqual({ train: clipsOf(0, 13), val: clipsOf(13, 16), test: clipsOf(16, 20) })
    expect(kinds(r.problemList)).toEqual([`duplicate-row testing_list.txt:${clipsOf(16, 20) + 3}`, `escapes-root testing_list.txt:${clipsOf(16, 20) + 2}`, `missing-file testing_list.txt:${clipsOf(16, 20) + 1}`])
  })

  it('without validation_list.txt, carves a stratified val split out of train with whole speakers', async () => {
    const root = path.join(trees.dir, 'sc-test-only')
    makeTree(root, { validation: false })
    const r = await importDataset({ folder: root, layout: 'speechcommands' })
    const total = r.clips
    const testBefore = r.files.filter((f) => Number(f.path.slice(f.path.indexOf('spk') + 3, f.path.indexOf('spk') + 5)) >= 16)
    expect(testBefore.every((f) => f.split === 'test')).toBe(true)
    expect(r.splits.test).toBe(testBefore.length)
    expect(Math.abs(r.splits.val - total * 0.1)).toBeLessThanOrEqual(3)
    const speakerSplits = new Map<string, Set<string>>()
    for (const f of r.files) {
      const spk = path.basename(f.path).split('_nohash_')[0]
      speakerSplits.set(spk, new Set([...(speakerSplits.get(spk) ?? []), f.split]))
    }
    for (const s of speakerSplits.values()) expect(s.size).toBe(1)
    expect(r.notes!.join(' ')).toMatch(/No official val split: moved \d+ of \d+ train clips \(10% of all\) to val by iterative stratification over groups \(each speaker in one split\) \(seed 0\)/)
  })
})

describe('generic CSV with vocabulary and strong labels', () => {
  let record: DatasetRecord
  beforeAll(async () => {
    const root = path.join(trees.dir, 'instruments')
    // A BOM and CRLF line ends in one file, a CRLF header over LF rows in the other (as real exports have).
    writeText(path.join(root, 'vocabulary.csv'), '\ufeffindex,label\r\n0,piano\r\n1,violin\r\n2,drum\r\n')
    const gt = ['fname,labels,split']
    const events = ['fname,onset,offset,label']
    for (let i = 0; i < 10; i++) {
      writeWav(path.join(root, 'audio', `${1000 + i}.wav`), 2, 8000)
      const labels = i % 2 ? 'piano,violin' : 'drum'
      gt.push(`${i === 3 ? `${1000 + i}.wav` : 1000 + i},"${labels}",${i < 6 ? 'train' : i < 8 ? 'val' : 'test'}`)
      for (const l of labels.split(',')) events.push(`${1000 + i},${(0.1 * i).toFixed(2)},${(0.1 * i + 0.5).toFixed(2)},${l}`)
    }
    gt.push('/etc/hosts,"piano",train')
    gt.push('1000,"piano",train')
    gt.push('1011,"",train')
    events.push('1000,0.5,0.2,drum') // offset before onset
    events.push('1000,abc,1,drum')
    events.push('1000,0.1,0.3,guitar')
    events.push('4242,0.1,0.3,drum')
    events.push('1001,0.1,0.6,piano') // duplicate
    events.push('1001,1.5,9,violin') // runs past the end: clipped
    events.push('1002,1.0,1.25,drum,extra')
    writeText(path.join(root, 'ground_truth.csv'), gt[0] + '\r\n' + gt.slice(1).join('\n') + '\n')
    writeText(path.join(root, 'events.csv'), events.join('\n') + '\n')
    record = await importDataset({ folder: root, frameRate: 10 })
  })

  it('reads fname with or without extension, keeps the given splits and the vocabulary order', () => {
    expect(record.layout).toBe('csv')
    expect(record.classNames).toEqual(['piano', 'violin', 'drum'])
    expect(record.clips).toBe(10)
    expect(record.splits).toEqual({ train: 6, val: 2, test: 2 })
    expect(record.files.find((f) => f.path === 'audio/1003.wav')!.labels).toEqual(['piano', 'violin'])
    expect(kinds(record.problemList)).toEqual([
      'duplicate-row events.csv:21',
      'duplicate-row ground_truth.csv:13',
      'escapes-root ground_truth.csv:12',
      'malformed-row events.csv:17',
      'malformed-row events.csv:18',
      'malformed-row events.csv:23',
      'malformed-row ground_truth.csv:14',
      'missing-file events.csv:20',
      'unknown-label events.csv:19'
    ])
  })

  it('attaches strong labels and turns them into frame targets; sparsity matches the targets', () => {
    expect(record.hasStrongLabels).toBe(true)
    expect(record.frameRate).toBe(10)
    expect(record.events!.length).toBe(15 + 1)
    const t = frameTargets(record, 'audio/1001.wav', 10, 20)
    const col = (c: number): number[] => Array.from({ length: 20 }, (_, i) => t[i * 3 + c])
    expect(col(0)).toEqual([0, 1, 1, 1, 1, 1, ...new Array(14).fill(0)]) // piano 0.1-0.6 s
    expect(col(1)).toEqual([0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]) // + 1.5-9 s clipped
    expect(col(2)).toEqual(new Array(20).fill(0))
    let zeros = 0
    let cells = 0
    for (const f of record.files) {
      const ft = frameTargets(record, f.path, 10, clipFrameCount(f.durationS!, 10))
      cells += ft.length
      zeros += ft.filter((v) => v === 0).length
    }
    expect(record.stats.frameSparsity).toBeCloseTo(zeros / cells, 12)
    expect(frameSparsity(record.files, record.events!, record.classNames, 10)).toBe(record.stats.frameSparsity)
  })
})

describe('import errors and progress', () => {
  it('names the folder when it is missing, empty or not of the forced layout', async () => {
    await expect(importDataset({ folder: path.join(trees.dir, 'nope') })).rejects.toThrow(/Cannot open dataset folder .*nope/)
    const empty = path.join(trees.dir, 'empty')
    fs.mkdirSync(path.join(empty, 'a'), { recursive: true })
    await expect(importDataset({ folder: empty })).rejects.toThrow(/No usable clips in .*empty.*empty-folder/)
    fs.mkdirSync(path.join(trees.dir, 'flat'))
    await expect(importDataset({ folder: path.join(trees.dir, 'flat') })).rejects.toThrow(/Cannot tell the layout/)
    await expect(importDataset({ folder: empty, layout: 'esc50' })).rejects.toThrow(/meta\/esc50.csv is missing/)
    const junk = path.join(trees.dir, 'junk')
    writeText(path.join(junk, 'x', 'a.wav'), NOT_AUDIO)
    await expect(importDataset({ folder: junk })).rejects.toThrow(/No readable audio .*1 unreadable-audio/)
  })

  it('reports progress and can be cancelled midway, leaving nothing behind', async () => {
    const root = path.join(trees.dir, 'many')
    for (let i = 0; i < 300; i++) writeWav(path.join(root, `c${i % 3}`, `${i}.wav`), 0.05, 8000)
    const before = listDatasets().length
    const ac = new AbortController()
    const seen: { done: number; total: number }[] = []
    const run = importDataset(
      { folder: root, name: 'cancelled' },
      {
        signal: ac.signal,
        concurrency: 4,
        onProgress: (p) => {
          seen.push({ done: p.done, total: p.total })
          if (p.done >= 20) ac.abort()
        }
      }
    )
    await expect(run).rejects.toThrow(/abort/i)
    expect(seen.at(-1)!.done).toBeLessThan(300)
    expect(listDatasets().length).toBe(before)

    const updates: { done: number; total: number; unit: string }[] = []
    const ok = await importDataset({ folder: root, name: 'many' }, { onProgress: (p) => updates.push(p) })
    expect(ok.clips).toBe(300)
    expect(updates.at(-1)).toMatchObject({ done: 300, total: 300, unit: 'files' })
    for (let i = 1; i < updates.length; i++) if (updates[i].total === updates[i - 1].total) expect(updates[i].done).toBeGreaterThanOrEqual(updates[i - 1].done)
  })

  it('skips an unreadable record in the list, and names its file when loaded', () => {
    const dir = path.join(data.dir, 'datasets', 'broken-1')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'dataset.json'), '{ not json')
    expect(listDatasets().some((d) => d.id === 'broken-1')).toBe(false)
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ id: 'broken-1', name: 'broken', createdAt: '2000' }))
    expect(() => loadDataset('broken')).toThrow(/broken-1\/dataset.json is not valid JSON/)
    fs.rmSync(dir, { recursive: true })
  })
})
