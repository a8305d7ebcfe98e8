#!/usr/bin/env node
// Issue 19, model registry: each model kind is one folder under src/main/engine/models/<kind>/.
// This moves the files that were still outside their kind's folder (git mv, so history follows) and
// rewrites every relative import in src/, test/ and bench/ that pointed at an old path, plus the
// moved files' own relative imports. Re-runnable: a move whose source is gone and target present is
// skipped, and imports are rewritten from whatever still points at an old path (e.g. after merging a
// branch that added a new importer of infer/onnxHtsat), and imports of AST's config names from
// models/config are pointed at models/ast/config. Run from the repository root:
//   node scripts/dev/move-models.mjs        (or bash scripts/dev/move-models.sh)
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const E = 'src/main/engine'
const MOVES = [
  [`${E}/models/ast.ts`, `${E}/models/ast/model.ts`],
  [`${E}/infer/onnxAst.ts`, `${E}/models/ast/onnx.ts`],
  [`${E}/infer/onnxHtsat.ts`, `${E}/models/htsat/onnx.ts`],
  [`${E}/infer/onnxCrnn.ts`, `${E}/models/crnn/onnx.ts`],
  ...['astWeights', 'deit', 'hfAst', 'names', 'posGrid'].map((f) => [`${E}/models/import/${f}.ts`, `${E}/models/ast/import/${f}.ts`])
]

const root = process.cwd()
const noExt = (p) => p.replace(/\.ts$/, '')
const oldToNew = new Map(MOVES.map(([a, b]) => [noExt(path.resolve(root, a)), noExt(path.resolve(root, b))]))
const newToOld = new Map([...oldToNew].map(([a, b]) => [b, a]))

for (const [from, to] of MOVES) {
  if (fs.existsSync(to) && !fs.existsSync(from)) continue
  if (!fs.existsSync(from)) throw new Error(`neither ${from} nor ${to} exists`)
  fs.mkdirSync(path.dirname(to), { recursive: true })
  execFileSync('git', ['mv', from, to], { stdio: 'inherit' })
}

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p, out) }
    else if (/\.(ts|vue|mts|mjs)$/.test(e.name)) out.push(p)
  }
  return out
}

/** The names an import statement ending at `offset` (where its specifier's `from` starts) brings in. */
function importedNames(text, offset) {
  const start = text.lastIndexOf('import', offset)
  const m = /\{([^}]*)\}/.exec(text.slice(start, offset))
  return m ? m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean) : []
}

const SPEC = /((?:from|import|mock|require)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g
let changed = 0
for (const file of ['src', 'test', 'bench'].flatMap((d) => walk(path.resolve(root, d)))) {
  const dir = path.dirname(file)
  // A moved file's imports were written relative to its old folder; after a merge it may hold both
  // kinds (ours rewritten, a branch's new lines still old-relative): take a spec that does not resolve
  // from the new folder as old-relative.
  const oldDir = newToOld.has(noExt(file)) ? path.dirname(newToOld.get(noExt(file))) : null
  const exists = (t) => ['.ts', '.vue', '.json', '/index.ts', ''].some((x) => fs.existsSync(t + x) && (x !== '' || fs.statSync(t).isFile()))
  const text = fs.readFileSync(file, 'utf8')
  const next = text.replace(SPEC, (all, pre, q, spec, offset) => {
    let target = path.resolve(dir, spec)
    // models/ast was models/ast.ts and is now the AST folder (models/ast/index.ts): an import that
    // takes only names the folder's index exports means the folder.
    if (oldToNew.has(target) && fs.existsSync(path.join(target, 'index.ts'))) {
      const names = importedNames(text, offset)
      const index = fs.readFileSync(path.join(target, 'index.ts'), 'utf8')
      if (names.length && names.every((n) => new RegExp(`export (const|function|type|interface) ${n}\\b`).test(index))) return all
    }
    if (!oldToNew.has(target) && !exists(target) && oldDir) target = path.resolve(oldDir, spec)
    if (!oldToNew.has(target) && (target === path.resolve(dir, spec) || !exists(target))) return all
    const dest = oldToNew.get(target) ?? target
    let rel = path.relative(dir, dest).split(path.sep).join('/')
    if (!rel.startsWith('.')) rel = './' + rel
    return rel === spec ? all : `${pre}${q}${rel}${q}`
  })
  if (next !== text) { fs.writeFileSync(file, next); changed++ }
}
// AST's config left models/config.ts for models/ast/config.ts (models/config.ts keeps what every kind
// shares): imports of AST names from models/config are split and pointed there.
const BASE_CONFIG = path.resolve(root, `${E}/models/config`)
const AST_CONFIG = path.resolve(root, `${E}/models/ast/config`)
const AST_NAMES = new Set(['AstConfig', 'AstConfigInput', 'AST_SIZES', 'AST_PATCH', 'astGrid', 'makeAstConfig'])
const IMPORT = /import (type )?\{([^}]*)\} from (['"])(\.{1,2}\/[^'"]+)\3/g
let split = 0
for (const file of ['src', 'test', 'bench'].flatMap((d) => walk(path.resolve(root, d)))) {
  const dir = path.dirname(file)
  const text = fs.readFileSync(file, 'utf8')
  const next = text.replace(IMPORT, (all, typeOnly, names, q, spec) => {
    if (path.resolve(dir, spec) !== BASE_CONFIG) return all
    const list = names.split(',').map((n) => n.trim()).filter(Boolean)
    const bare = (n) => n.replace(/^type\s+/, '').split(/\s+as\s+/)[0]
    const ast = list.filter((n) => AST_NAMES.has(bare(n)))
    if (ast.length === 0) return all
    const rest = list.filter((n) => !AST_NAMES.has(bare(n)))
    let rel = path.relative(dir, AST_CONFIG).split(path.sep).join('/')
    if (!rel.startsWith('.')) rel = './' + rel
    const line = (ns, s) => `import ${typeOnly ?? ''}{ ${ns.join(', ')} } from ${q}${s}${q}`
    return rest.length ? `${line(rest, spec)}\n${line(ast, rel)}` : line(ast, rel)
  })
  if (next !== text) { fs.writeFileSync(file, next); split++ }
}
console.log(`split AST config imports in ${split} files`)
console.log(`moved ${MOVES.length} files (or found them moved); rewrote imports in ${changed} files`)
