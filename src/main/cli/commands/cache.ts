// `tagbench cache`: the feature cache's size per feature setting; `cache clear` and `cache prune`
// free the disk it takes (safe while runs train: a missing entry is computed again).
import type { Command } from 'commander'
import prettyBytes from 'pretty-bytes'
import type { CacheRemoval } from '../../../shared/types'
import { cacheUsage, clearCache } from '../../engine/audio/cacheAdmin'
import { pruneUnusedFeatures } from '../../engine/data/cachePrune'
import { printResult } from '../output'

const removedText = (r: CacheRemoval) => `Removed ${r.entries} cached feature file${r.entries === 1 ? '' : 's'} (${prettyBytes(r.bytes)})`

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('The feature cache: disk used per feature setting (`cache show`, the default), `cache prune`, `cache clear`')
  cache
    .command('show', { isDefault: true })
    .description('Disk used per feature setting')
    .option('--json', 'print {dir, entries, bytes, settings: [...]} as JSON')
    .action(async (opts: { json?: boolean }) => {
      const usage = await cacheUsage()
      printResult(opts.json, usage, () =>
        [
          `Feature cache: ${usage.dir}`,
          ...usage.settings.map((s) => `  ${s.name.padEnd(24)} ${String(s.entries).padStart(7)} clips  ${prettyBytes(s.bytes).padStart(9)}${s.current ? '' : '  (old version: never read; `tagbench cache prune` removes it)'}`),
          `Total: ${usage.entries} clips, ${prettyBytes(usage.bytes)}`
        ].join('\n')
      )
    })
  cache
    .command('clear')
    .description('Delete every cached feature, or those of one feature setting')
    .option('--settings <name>', 'only this setting (a name from `tagbench cache`, e.g. v1-sr16000-mel128)')
    .option('--json', 'print {entries, bytes} removed as JSON')
    .action(async (opts: { settings?: string; json?: boolean }) => {
      const removed = await clearCache(opts.settings)
      printResult(opts.json, removed, () => removedText(removed))
    })
  cache
    .command('prune')
    .description('Delete the cached features no dataset can use any more: edited, moved or deleted audio, and older feature versions')
    .option('--json', 'print {entries, bytes} removed as JSON')
    .action(async (opts: { json?: boolean }) => {
      const removed = await pruneUnusedFeatures()
      printResult(opts.json, removed, () => removedText(removed))
    })
}
