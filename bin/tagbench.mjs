#!/usr/bin/env node
// `npx tagbench`: loads the TypeScript CLI through tsx, so no build step is needed after `npm install`.
import { register } from 'tsx/esm/api'
import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'

register()
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const { main } = await import(pathToFileURL(path.join(root, 'src/main/cli/index.ts')).href)
await main(process.argv)
