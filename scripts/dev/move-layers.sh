#!/usr/bin/env bash
# Issue 19, "Layers that hold": gives the engine root's loose files homes and splits src/shared/types.ts
# by domain, then rewrites every import that pointed at the old places. Re-runnable and idempotent:
# run it again after merging a branch that still imports the old paths (or still edits the one-file
# types.ts) and it moves what is left, splits what is left and fixes those imports; with nothing left
# to do it changes nothing. It only moves (git mv), splits and rewrites import paths; no code changes.
#
#   bash scripts/dev/move-layers.sh            # then: npm run typecheck && npm run lint
#
# Where things go (ARCHITECTURE.md, "Layers"):
#   engine/platform/  what this machine and process offer: app info, tfjs backend choice, ORT report,
#                     CPUs, GPUs, the data folder, worker entry points
#   engine/io/        atomic file writes and the .npy format
#   engine/control/   long operations: the cancel check, progress reports, fault-injection points
#   engine/util/      seeded random numbers
#   shared/types.ts   a barrel over one file per domain (app, jobs, datasets, runs, experiments,
#                     inference, evaluation, explore, combine); importers keep importing it.
set -euo pipefail
cd "$(dirname "$0")/../.."

node --input-type=module - "$@" <<'NODE'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'

const root = process.cwd()
const ENGINE = 'src/main/engine'
const HOMES = {
  platform: ['appInfo', 'backend', 'cpus', 'gpus', 'ortInfo', 'paths', 'workerEntry'],
  io: ['fsutil', 'npy'],
  control: ['cancel', 'faults', 'progress'],
  util: ['rng']
}
/** old path → new path, relative to the repository root, without extension. */
const MOVES = new Map(Object.entries(HOMES).flatMap(([home, names]) => names.map((n) => [`${ENGINE}/${n}`, `${ENGINE}/${home}/${n}`])))

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' })
const exists = (p) => fs.existsSync(path.join(root, p))
const log = (...a) => console.log('move-layers:', ...a)

// ---------- 1. git mv the engine root's loose files ----------
/** Files moved by this run: their imports are still written from their old folder. */
const movedNow = new Map() // new file (with ext) → old file (with ext)
for (const [from, to] of MOVES) {
  const src = `${from}.ts`
  const dst = `${to}.ts`
  if (exists(src) && exists(dst)) throw new Error(`both ${src} and ${dst} exist: merge them by hand, then run this again`)
  if (!exists(src)) continue
  fs.mkdirSync(path.dirname(path.join(root, dst)), { recursive: true })
  git('mv', src, dst)
  movedNow.set(dst, src)
  log(`git mv ${src} ${dst}`)
}

// ---------- 2. split src/shared/types.ts by domain ----------
const TYPES = 'src/shared/types.ts'
/** Section title (the `// ---------- title ----------` lines of types.ts) → domain file. */
const DOMAINS = {
  'app / backend': 'app',
  jobs: 'jobs',
  datasets: 'datasets',
  'models and runs': 'runs',
  experiments: 'experiments',
  "executors: where an experiment's runs train": 'experiments',
  inference: 'inference',
  'live tagging': 'inference',
  'per-clip predictions and errors': 'evaluation',
  'embedding map': 'explore',
  'checkpoint averaging and ensembles': 'combine'
}
const ABOUT = {
  app: 'The app and the machine: backends, ONNX Runtime, training engines, folders.',
  jobs: 'Job processes: their state and progress.',
  datasets: 'Datasets: import requests, records, files, events, statistics, subsets, previews.',
  runs: 'Models and runs: model kinds, the run configuration, run records, metrics, thresholds, cost estimates.',
  experiments: 'Experiments and the executors their runs train on (local, Slurm).',
  inference: 'Inference: tagging files, ONNX export, the feature cache, live tagging.',
  evaluation: "Per-clip predictions and what they explain: PR curves, a number's clips.",
  explore: 'The embedding map of a dataset through a model.',
  combine: 'Checkpoint averaging and ensembles.'
}
const MARKER = /^\/\/ -{6,} (.+?) -{6,}\s*$/

function splitTypes() {
  if (!exists(TYPES)) return
  const text = fs.readFileSync(path.join(root, TYPES), 'utf8')
  const lines = text.split('\n')
  if (!lines.some((l) => MARKER.test(l))) return // already a barrel
  const files = new Map() // domain → lines
  let current = null
  const header = []
  for (const line of lines) {
    const m = MARKER.exec(line)
    if (m) {
      const title = m[1].trim()
      current = DOMAINS[title] ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
      if (!DOMAINS[title]) log(`warning: section "${title}" of types.ts has no domain here; it goes to src/shared/${current}.ts (add it to DOMAINS)`)
      if (!files.has(current)) files.set(current, [])
      files.get(current).push(line)
    } else if (current) files.get(current).push(line)
    else header.push(line)
  }
  if (header.some((l) => l.trim() && !l.startsWith('//'))) throw new Error(`${TYPES} has code before its first section marker; move it into a section first`)
  // Who declares what: every declaration must be exported, so that another domain file can import it.
  const declared = new Map() // name → domain
  for (const [domain, body] of files) {
    const src = body.join('\n')
    for (const m of src.matchAll(/^(export\s+)?(?:declare\s+)?(interface|type|const|let|function|enum|class)\s+(\w+)/gm)) {
      if (!m[1]) throw new Error(`${TYPES}: ${m[2]} ${m[3]} is not exported; export it (or move it) before splitting`)
      if (!['interface', 'type'].includes(m[2])) throw new Error(`${TYPES}: ${m[2]} ${m[3]} is a value; types.ts holds types only`)
      declared.set(m[3], domain)
    }
  }
  const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'/g, "''")
  const written = []
  for (const [domain, body] of files) {
    const code = stripComments(body.join('\n'))
    const needs = new Map() // other domain → names
    for (const [name, owner] of declared) {
      if (owner === domain || !new RegExp(`\\b${name}\\b`).test(code)) continue
      if (!needs.has(owner)) needs.set(owner, [])
      needs.get(owner).push(name)
    }
    const imports = [...needs.keys()].sort().map((d) => `import type { ${needs.get(d).sort().join(', ')} } from './${d}'`)
    const about = ABOUT[domain] ?? `The "${domain}" records of the contract.`
    const out = [`// ${about}`, '// Plain data (JSON-serialisable), part of the contract between the engine and the renderer;', '// ./types.ts re-exports it.', ...imports, '', ...body]
    const file = `src/shared/${domain}.ts`
    if (exists(file)) throw new Error(`${file} exists already: cannot split types.ts into it`)
    fs.writeFileSync(path.join(root, file), out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '\n'))
    written.push(domain)
  }
  const barrel = [
    ...header.filter((l) => l.startsWith('//')),
    '// One file per domain; this barrel keeps every `import … from \'…/shared/types\'` working.',
    '',
    ...written.map((d) => `export type * from './${d}'`),
    ''
  ]
  fs.writeFileSync(path.join(root, TYPES), barrel.join('\n'))
  git('add', TYPES, ...written.map((d) => `src/shared/${d}.ts`))
  log(`split ${TYPES} into ${written.map((d) => `${d}.ts`).join(', ')}`)
}
splitTypes()

// ---------- 3. rewrite imports that point at the old places ----------
const EXTS = ['.ts', '.tsx', '.vue', '.mts', '.mjs', '.js', '.cjs']
const listed = git('ls-files', '-co', '--exclude-standard').split('\n').filter(Boolean)
const code = listed.filter((f) => EXTS.some((e) => f.endsWith(e)) && exists(f))
const oldOf = new Map([...MOVES].map(([o, n]) => [n, o]))

/** Where a relative specifier written in `dir` lands now (path without extension, or a folder), or null. */
function resolve(dir, spec) {
  const base = path.relative(root, path.resolve(root, dir, spec)).split(path.sep).join('/')
  const noExt = base.replace(/\.(ts|tsx|vue|mts|mjs|js|cjs)$/, '')
  if (MOVES.has(noExt)) return MOVES.get(noExt) // an old place: where it went
  if (exists(`${base}/index.ts`)) return base // a folder's index
  if (exists(base) && fs.statSync(path.join(root, base)).isFile()) return noExt
  if (EXTS.some((e) => exists(noExt + e))) return noExt
  return null
}

const SPEC = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bvi\.(?:mock|doMock|unmock|importActual)\s*(?:<[^>]*>)?\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g
let changedFiles = 0
for (const file of code) {
  const abs = path.join(root, file)
  const before = fs.readFileSync(abs, 'utf8')
  const dir = path.dirname(file)
  const oldFile = movedNow.get(file) ?? (oldOf.has(file.replace(/\.ts$/, '')) ? `${oldOf.get(file.replace(/\.ts$/, ''))}.ts` : null)
  const oldDir = oldFile ? path.dirname(oldFile) : null
  const after = before.replace(SPEC, (all, lead, q, spec) => {
    // A file moved by this run still speaks from its old folder; one moved earlier, from its new one
    // unless a merged branch added an import written for the old folder.
    const order = movedNow.has(file) ? [oldDir] : oldDir ? [dir, oldDir] : [dir]
    let hit = null
    for (const d of order) {
      hit = resolve(d, spec)
      if (hit) break
    }
    if (!hit) return all
    const ext = /\.(ts|tsx|vue|mts|mjs|js|cjs)$/.exec(spec)?.[0] ?? ''
    let rel = path.relative(path.join(root, dir), path.join(root, hit)).split(path.sep).join('/')
    if (!rel.startsWith('.')) rel = `./${rel}`
    const next = rel + ext
    return next === spec ? all : `${lead}${q}${next}${q}`
  })
  if (after !== before) {
    fs.writeFileSync(abs, after)
    changedFiles++
  }
}
log(`rewrote imports in ${changedFiles} file(s)`)

// ---------- 4. paths named in the docs and in comments ----------
const names = [...MOVES.keys()].map((p) => path.basename(p)).join('|')
// Docs may say `engine/fsutil.ts`; code only gets the unambiguous full path (`src/main/engine/…`).
const docPathIn = (file) => new RegExp(`\\b(${file.endsWith('.md') ? '(?:src/main/)?' : 'src/main/'}engine/)(${names})(\\.ts)?\\b(?!/)`, 'g')
for (const file of listed.filter((f) => (f.endsWith('.md') || EXTS.some((e) => f.endsWith(e))) && exists(f) && f !== 'scripts/dev/move-layers.sh')) {
  const docPath = docPathIn(file)
  const abs = path.join(root, file)
  const before = fs.readFileSync(abs, 'utf8')
  const after = before.replace(docPath, (all, pre, name, ext) => `${pre}${path.basename(path.dirname(MOVES.get(`${ENGINE}/${name}`)))}/${name}${ext ?? ''}`)
  if (after !== before) {
    fs.writeFileSync(abs, after)
    log(`updated paths in ${file}`)
  }
}
NODE
