#!/usr/bin/env node
// Runs a TypeScript entry point with tsx's loader, so the CLI and benches work straight after `npm install`.
import { register } from 'tsx/esm/api'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

register()
const [entry, ...rest] = process.argv.slice(2)
if (!entry) {
  console.error('usage: run-ts <file.ts> [args...]')
  process.exit(2)
}
process.argv = [process.argv[0], path.resolve(entry), ...rest]
await import(pathToFileURL(path.resolve(entry)).href)
