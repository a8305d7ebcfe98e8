// The layer rules of eslint.config.js (ARCHITECTURE.md, "Layers") bite: code that crosses a layer fails
// `npm run lint` with the boundary rule named, and code that keeps to its layer passes. Each case lints a
// string as if it were a file at that path, with the project's own config, through ESLint's Node API
// (the files need not exist; their imports resolve against the real tree).
import path from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../..')
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

/** The rule ids and messages ESLint reports for `code` placed at `file` (relative to the repository). */
async function lint(file: string, code: string): Promise<{ rule: string | null; message: string; line: number }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return result.messages.map((m) => ({ rule: m.ruleId, message: m.message, line: m.line }))
}

describe('layer boundaries', () => {
  it('the engine never imports electron, the server, the service, jobs, the CLI or the renderer', async () => {
    const messages = await lint(
      'src/main/engine/eval/layerProbe.ts',
      [
        "import { app } from 'electron'",
        "import { startServer } from '../../server/server'",
        "import { createService } from '../../service'",
        "import { RUNNERS } from '../../jobs/runners'",
        "import { main } from '../../cli/index'",
        "import { fmtNum } from '../../../renderer/src/lib/format'",
        'export const all = [app, startServer, createService, RUNNERS, main, fmtNum]'
      ].join('\n')
    )
    expect(messages.map((m) => [m.line, m.rule])).toEqual([1, 2, 3, 4, 5, 6].map((line) => [line, 'boundaries/dependencies']))
    expect(messages[0].message).toMatch(/import electron/)
    expect(messages[1].message).toMatch(/"engine" to elements of type "server"/)
    expect(messages[5].message).toMatch(/"engine" to elements of type "renderer"/)
  })

  it('a new folder inside the engine is held by the same rules (globs by layer, not file lists)', async () => {
    const messages = await lint('src/main/engine/models/someNewKind/index.ts', "import { app } from 'electron'\nexport const a = app\n")
    expect(messages.map((m) => m.rule)).toEqual(['boundaries/dependencies'])
  })

  it('the renderer reaches the main side only through src/shared: no engine, no Node, no Electron', async () => {
    const messages = await lint(
      'src/renderer/src/lib/layerProbe.ts',
      [
        "import { averagePrecision } from '../../../main/engine/eval/metrics'",
        "import fs from 'node:fs'",
        "import { ipcRenderer } from 'electron'",
        "import type { Service } from '../../../main/service/index'",
        'export const all = [averagePrecision, fs, ipcRenderer]',
        'export type S = Service'
      ].join('\n')
    )
    expect(messages.map((m) => [m.line, m.rule])).toEqual([1, 2, 3, 4].map((line) => [line, 'boundaries/dependencies']))
    expect(messages[0].message).toMatch(/"renderer" to elements of type "engine"/)
  })

  it('src/shared holds types, data and pure helpers: no imports from outside it, no host globals, nothing async', async () => {
    const messages = await lint(
      'src/shared/layerProbe.ts',
      [
        "import path from 'node:path'",
        "import { ref } from 'vue'",
        "import { averagePrecision } from '../main/engine/eval/metrics'",
        'export const home = () => process.env.HOME',
        'export async function load(): Promise<string> { return String(await Promise.resolve(path.sep)) }',
        'export class Store { x = 1 }',
        'export class BadRequest extends Error {}',
        'export const all = [ref, averagePrecision]'
      ].join('\n')
    )
    expect(messages.map((m) => [m.line, m.rule])).toEqual([
      [1, 'boundaries/dependencies'],
      [2, 'boundaries/dependencies'],
      [3, 'boundaries/dependencies'],
      [4, 'no-restricted-globals'],
      [5, 'no-restricted-syntax'],
      [5, 'no-restricted-syntax'],
      [6, 'no-restricted-syntax']
    ])
  })

  it('the preload only forwards: electron and src/shared, nothing else', async () => {
    const messages = await lint(
      'src/preload/layerProbe.ts',
      ["import { ipcRenderer } from 'electron'", "import { API_METHODS } from '../shared/api'", "import fs from 'node:fs'", "import { RUNNERS } from '../main/jobs/runners'", 'export const all = [ipcRenderer, API_METHODS, fs, RUNNERS]'].join('\n')
    )
    expect(messages.map((m) => [m.line, m.rule])).toEqual([
      [3, 'boundaries/dependencies'],
      [4, 'boundaries/dependencies']
    ])
  })

  it('electron stays in the Electron entry: the service and job runners may not import it', async () => {
    const service = await lint('src/main/service/layerProbe.ts', "import { app } from 'electron'\nexport const a = app\n")
    const jobs = await lint('src/main/jobs/layerProbe.ts', "import { app } from 'electron'\nexport const a = app\n")
    expect([...service, ...jobs].map((m) => m.rule)).toEqual(['boundaries/dependencies', 'boundaries/dependencies'])
  })

  it('inside the engine, audio/ never imports the dataset records in data/ (data/ uses audio/)', async () => {
    const audio = await lint('src/main/engine/audio/layerProbe.ts', "import { listDatasets } from '../data/record'\nexport const a = listDatasets\n")
    const data = await lint('src/main/engine/data/layerProbe.ts', "import { probeAudio } from '../audio/decode'\nexport const a = probeAudio\n")
    expect(audio.map((m) => m.rule)).toEqual(['no-restricted-imports'])
    expect(data).toEqual([])
  })

  it('a file outside every layer is reported, so a new top-level folder gets a rule before it gets code', async () => {
    const messages = await lint('src/main/newLayer/x.ts', 'export const x = 1\n')
    expect(messages.map((m) => m.rule)).toContain('boundaries/no-unknown-files')
  })

  it('code that keeps to its layer passes', async () => {
    const engine = await lint(
      'src/main/engine/eval/layerProbe.ts',
      ["import fs from 'node:fs'", "import * as tf from '@tensorflow/tfjs-core'", "import type { RunRecord } from '../../../shared/api'", "import { averagePrecision } from './metrics'", 'export const all = [fs, tf, averagePrecision]', 'export type R = RunRecord', ''].join('\n')
    )
    const renderer = await lint(
      'src/renderer/src/lib/layerProbe.ts',
      ["import { ref } from 'vue'", "import { API_METHODS } from '@shared/api'", "import { runsAbove } from '@shared/frameEvents'", "import { fmtNum } from './format'", 'export const all = [ref, API_METHODS, runsAbove, fmtNum]', ''].join('\n')
    )
    const service = await lint(
      'src/main/service/layerProbe.ts',
      ["import { listRuns } from '../engine/runs/store'", "import type { ApiMethod } from '../../shared/api'", 'export const all = [listRuns]', 'export type M = ApiMethod', ''].join('\n')
    )
    expect({ engine, renderer, service }).toEqual({ engine: [], renderer: [], service: [] })
  })
})
