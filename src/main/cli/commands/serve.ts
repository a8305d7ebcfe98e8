import type { Command } from 'commander'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer } from '../../server/server'
import { machineNames } from '../../server/security'

/** The built renderer: out/renderer at the project root, found from src/ (tsx) or out/ (bundled). */
function defaultRendererDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (path.basename(dir) !== 'src' && path.basename(dir) !== 'out' && path.dirname(dir) !== dir) dir = path.dirname(dir)
  return path.join(path.dirname(dir), 'out', 'renderer')
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Server mode: serve the UI and the API on loopback, for a headless box watched from a browser (e.g. over an SSH tunnel)')
    .option('--host <host>', 'address to bind; anything but loopback must be asked for explicitly', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8765')
    .option('--renderer <dir>', 'built renderer folder', defaultRendererDir())
    .option('--json', 'print {url, token, port} as JSON')
    .action(async (opts: { host: string; port: string; renderer: string; json?: boolean }) => {
      const port = Number(opts.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, got ${opts.port}`)
      const server = await startServer({ host: opts.host, port, rendererDir: opts.renderer })
      if (opts.json) console.log(JSON.stringify({ url: server.url, token: server.token, port: server.port }))
      else {
        console.log(`Tagbench server mode. Open this URL in a browser (it holds the access token):\n\n    ${server.url}\n`)
        if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
          console.log(`Warning: bound to ${opts.host}, reachable from other machines that can route to it. Anyone with the token can use the app.`)
          if (opts.host === '0.0.0.0' || opts.host === '::') {
            const here = machineNames().addresses.filter((a) => !a.startsWith('127.') && a !== '::1' && !a.startsWith('fe80'))
            const shown = [os.hostname(), ...here].map((h) => `http://${h.includes(':') ? `[${h}]` : h}:${server.port}/?token=${server.token}`)
            console.log(`From another machine, use one of:\n${shown.map((u) => `    ${u}`).join('\n')}`)
          }
        } else console.log(`Bound to loopback only. From another machine, tunnel it: ssh -L ${server.port}:127.0.0.1:${server.port} ${os.hostname()}`)
      }
      const stop = async () => {
        await server.close()
        process.exit(0)
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
}
