// ESLint for Tagbench: the recommended sets of ESLint, typescript-eslint and Vue, and the import
// boundaries that keep the layers apart (ARCHITECTURE.md, "Layers"). Run it with `npm run lint`;
// `npm test` runs it before the unit tests. test/unit/layers.test.ts proves the boundary rules bite.
//
// Boundaries come from eslint-plugin-boundaries rather than dependency-cruiser: it runs inside ESLint
// (one tool, one cache, one report, editor squiggles), resolves each import to a file through the
// TypeScript resolver (so `../../server/x`, `@shared/api` and a new folder are all classified by where
// they land, not by how the import is spelled), and its verdicts can be tested with ESLint's Node API.
import { defineConfig } from 'eslint/config'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import boundaries from 'eslint-plugin-boundaries'
import globals from 'globals'

/**
 * The layers, by folder. Globs by layer, not file lists, so a new folder inside a layer (a model kind,
 * an engine) needs no change here. A file belongs to the element of its nearest folder that matches.
 */
const ELEMENTS = [
  { type: 'engine', pattern: 'src/main/engine' },
  { type: 'jobs', pattern: 'src/main/jobs' },
  { type: 'service', pattern: 'src/main/service' },
  { type: 'server', pattern: 'src/main/server' },
  { type: 'cli', pattern: 'src/main/cli' },
  // The Electron main-process entry: the files directly in src/main. An element of single files needs
  // the legacy `mode: 'full'` (whole-path match); `partialMatch: false` would take in every folder below.
  { type: 'main', pattern: 'src/main/*.ts', mode: 'full' },
  { type: 'preload', pattern: 'src/preload' },
  { type: 'renderer', pattern: 'src/renderer' },
  { type: 'shared', pattern: 'src/shared' }
]

const layer = (...types) => types.map((type) => ({ element: { type } }))
const packages = (source) => ({ module: { origin: ['external', 'core'], source } })
const ANY_PACKAGE = { module: { origin: ['external', 'core'] } }
const NODE_BUILTIN = { module: { origin: 'core' } }
/** Only these main-side files talk to Electron: the app entry and the utilityProcess launcher. */
const ELECTRON_HOSTS = ['src/main/*.ts', 'src/main/jobs/utilityLauncher.ts']

/** Which layer may import which; anything not allowed here is an error. Order matters: later wins. */
const POLICIES = [
  // Who may import which layer (local files).
  { from: layer('engine'), allow: { to: layer('engine', 'shared') } },
  { from: layer('jobs'), allow: { to: layer('jobs', 'engine', 'shared') } },
  { from: layer('service'), allow: { to: layer('service', 'jobs', 'engine', 'shared') } },
  { from: layer('server'), allow: { to: layer('server', 'service', 'jobs', 'shared') } },
  { from: layer('cli'), allow: { to: layer('cli', 'server', 'service', 'jobs', 'engine', 'shared') } },
  { from: layer('main'), allow: { to: layer('main', 'server', 'service', 'jobs', 'shared') } },
  { from: layer('preload'), allow: { to: layer('shared') } },
  { from: layer('renderer'), allow: { to: layer('renderer', 'shared') } },
  { from: layer('shared'), allow: { to: layer('shared') } },

  // Packages and Node built-ins: the main side may use any; then the exceptions.
  { from: layer('engine', 'jobs', 'service', 'server', 'cli', 'main'), allow: { to: ANY_PACKAGE } },
  // Electron stays in the app entry and the utilityProcess launcher: the engine, job processes, the
  // service and the CLI all run in plain Node too.
  {
    from: layer('engine', 'jobs', 'service', 'server', 'cli'),
    disallow: { to: packages('electron') },
    message: 'Only the Electron entry (src/main/index.ts), the utilityProcess launcher and the preload import electron.'
  },
  { from: { file: { path: ELECTRON_HOSTS } }, allow: { to: packages('electron') } },
  // The preload only forwards: electron and the shared contract, nothing else.
  { from: layer('preload'), allow: { to: packages('electron') } },
  // The renderer runs in a sandboxed browser page: npm packages bundled by Vite, no Node, no Electron,
  // no engine-only native packages.
  { from: layer('renderer'), allow: { to: ANY_PACKAGE } },
  {
    from: layer('renderer'),
    disallow: { to: [NODE_BUILTIN, packages(['electron', 'onnxruntime-node', '@tensorflow/*'])] },
    message: 'The renderer is a browser page: it reaches the main side only through src/shared and its API client.'
  }
  // src/shared imports nothing outside itself: no package, no Node built-in (no policy allows them).
]

const boundariesConfig = {
  files: ['src/**/*.{ts,vue}'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': ELEMENTS,
    'boundaries/include': ['src/**/*'],
    // Silences the one-line notice that `mode: 'full'` (above) is a legacy option.
    'boundaries/legacy-warnings': false,
    // Every way a file can pull in another: import, export … from, require() and import().
    'boundaries/dependency-nodes': ['import', 'export', 'require', 'dynamic-import'],
    'import/resolver': {
      typescript: { project: ['tsconfig.node.json', 'tsconfig.web.json'], noWarnOnMultipleProjects: true },
      node: true
    }
  },
  rules: {
    'boundaries/dependencies': ['error', { default: 'disallow', checkAllOrigins: true, policies: POLICIES }],
    // Every file under src/ belongs to a layer, and every local import resolves to one.
    'boundaries/no-unknown-files': 'error',
    'boundaries/no-unknown-dependencies': 'error'
  }
}

/**
 * src/shared is the contract: types, constants, schemas (pure validators) and pure helpers over plain
 * data (e.g. frameEvents' CSV text). It runs in the renderer and in Node alike, so it may not touch
 * either runtime: no I/O, no timers, no globals of a host, nothing asynchronous, no classes beyond
 * error types. Its imports are checked by boundaries above (nothing outside src/shared).
 */
const SHARED_HOST_GLOBALS = ['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'window', 'document', 'navigator',
  'localStorage', 'sessionStorage', 'fetch', 'XMLHttpRequest', 'WebSocket', 'Worker', 'setTimeout', 'setInterval',
  'setImmediate', 'requestAnimationFrame', 'console']
const sharedPurity = {
  files: ['src/shared/**/*.ts'],
  rules: {
    'no-restricted-globals': ['error', ...SHARED_HOST_GLOBALS.map((name) => ({ name, message: `src/shared holds types, data and pure helpers: no ${name} (host runtime) here.` }))],
    'no-restricted-syntax': [
      'error',
      { selector: 'AwaitExpression, FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'src/shared holds types, data and pure helpers: nothing asynchronous (no I/O) here.' },
      { selector: 'ClassDeclaration:not([superClass.name=/Error$/]), ClassExpression:not([superClass.name=/Error$/])', message: 'src/shared holds types, data and pure helpers: plain objects and functions, classes only for error types.' }
    ]
  }
}

/**
 * Inside the engine, arrows point one way between some folders too. The audio layer (decoding, features,
 * the feature cache) sits below the dataset records: data/ may use audio/, never the reverse.
 */
const engineInside = {
  files: ['src/main/engine/audio/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+data/', message: 'audio/ sits below data/: pass what it needs from the dataset records in, or put the code in data/.' }] }]
  }
}

export default defineConfig(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', '.tagbench-data/**', 'scratch/**', 'bench/results/**', 'resources/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    // Node everywhere but the page (src/shared is held to neither runtime by sharedPurity below).
    ignores: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    // The recommended sets, less what would rewrite hundreds of lines without finding a bug. Each line
    // says why. Formatting is not linted: the project has no formatter and its TypeScript isn't either.
    rules: {
      // ~1,100 warnings: attributes share a line in our templates; formatting, not correctness.
      'vue/max-attributes-per-line': 'off',
      // ~620 warnings: short elements keep their text on one line; formatting.
      'vue/singleline-html-element-content-newline': 'off',
      // ~85 warnings: `<input />` vs `<input>` and `<div></div>` vs `<div />`; formatting.
      'vue/html-self-closing': 'off',
      // Template indentation and bracket placement: formatting, like the two rules above.
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      // Guards globally registered components against future HTML element names; ours are imported
      // one by one, and renaming `Notices` would be churn for no gain.
      'vue/multi-word-component-names': 'off',
      // 38 catch blocks rethrow an Error whose message already names the file and quotes the cause;
      // adding `{ cause }` everywhere is a separate sweep, not a bug fix.
      'preserve-caught-error': 'off',
      // `const { files: _files, ...rest } = r` is how we drop keys; `_x` marks a deliberately unused name.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `let [q, k, v] = …` where only q is reassigned stays one `let`, not two statements.
      'prefer-const': ['error', { destructuring: 'all' }]
    }
  },
  {
    files: ['test/**/*', 'bench/**/*'],
    rules: {
      // Tests and benchmarks read untyped JSON replies and poke at private shapes on purpose.
      '@typescript-eslint/no-explicit-any': 'off'
    }
  },
  {
    files: ['src/renderer/**/*', 'test/unit/renderer/**/*'],
    languageOptions: { globals: { ...globals.browser } }
  },
  boundariesConfig,
  sharedPurity,
  engineInside
)
