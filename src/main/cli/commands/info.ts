import type { Command } from 'commander'
import { collectAppInfo } from '../../engine/platform/appInfo'
import { printResult } from '../output'

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show the compute backend in use and why the others were not, ONNX Runtime providers, versions and data folder')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const info = await collectAppInfo('websocket')
      printResult(opts.json, info, () =>
        [
          `Tagbench ${info.version}`,
          `Backend: ${info.backend.summary}`,
          ...info.backend.candidates.map((c) => `  ${c.ok ? '✔' : '✘'} ${c.label}: ${c.reason}`),
          `Device: ${info.backend.device}`,
          `ONNX Runtime: ${info.ort.available ? `${info.ort.version} (${info.ort.providers.join(', ')})` : 'unavailable'}; ${info.ort.reason}`,
          `Training engines: ort = ${info.training.ort}`,
          ...info.training.auto.map((a) => `  --engine auto for ${a.model}: ${a.engine} (${a.reason})`),
          `Data folder: ${info.dataDir}`
        ].join('\n')
      )
    })
}
