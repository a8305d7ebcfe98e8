// What the config completer knows of a dataset, for the config tests: 20 multi-label clips of 4 s
// without folds or strong labels, with any field overridden.
import type { DatasetFacts } from '../../../src/main/engine/train/config'

export const facts = (over: Partial<DatasetFacts> = {}): DatasetFacts => ({
  name: 'd',
  multiLabel: true,
  folds: null,
  hasStrongLabels: false,
  files: Array.from({ length: 20 }, () => ({ durationS: 4 })),
  ...over
})
