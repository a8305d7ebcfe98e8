// Creating a run: the dataset found by id or name, the config completed against it and against the
// pretrained checkpoint, and the run folder made by the store with that complete config. Cheap (JSON
// reads only), so the app process can do it before handing the training to a job process.
import type { RunConfig, RunConfigRequest } from '../../../shared/types'
import { loadDataset } from '../data/record'
import { appendLog, createRun } from '../runs/store'
import { presetBase } from '../runs/presets'
import { completeRunConfigWithRecipe } from './config'
import { recipeLines, type RecipeChoice } from './recipe'
import { clipSets } from './data'
import { checkPretrainedFiles, pretrainedModelConfig } from './model'

export interface NewRun {
  runId: string
  config: RunConfig
  /** Which rule (or the user, or the preset) set each of the recipe's fields (recipe.ts). */
  recipe: RecipeChoice[]
}

/** The complete config a partial one becomes for its dataset (nothing is written). */
export function resolveRunConfig(partial: RunConfigRequest): RunConfig {
  return resolveRunConfigWithRecipe(partial).config
}

/** resolveRunConfig, with the rule that set each recipe field (for `tagbench train`, the form and the run's log). */
export function resolveRunConfigWithRecipe(partial: RunConfigRequest): { config: RunConfig; recipe: RecipeChoice[] } {
  if (!partial.dataset) throw new Error('Run config: no dataset given')
  const record = loadDataset(partial.dataset)
  const start = partial.pretrained ?? (partial.preset ? presetBase(partial.preset).pretrained : undefined) ?? { kind: 'none' }
  const pretrained = pretrainedModelConfig(start)
  // The run refers to the dataset by id: a later dataset with the same name is another dataset.
  return completeRunConfigWithRecipe({ ...partial, dataset: record.id }, record, pretrained)
}

export function createTrainingRun(partial: RunConfigRequest, opts: { experiment?: string } = {}): NewRun {
  const { config, recipe } = resolveRunConfigWithRecipe(partial)
  // The job's own checks of the pretrained files, before anything is written.
  checkPretrainedFiles(config.pretrained, config.size)
  const record = loadDataset(config.dataset)
  const valClips = clipSets(record, config.fold).val.n
  const runId = createRun(config, {
    name: config.name,
    datasetName: record.name,
    datasetFingerprint: record.fingerprint,
    classNames: record.classNames,
    valClips,
    ...(opts.experiment ? { experiment: opts.experiment } : {})
  })
  appendLog(runId, ['Recipe (which rule set each value; recipe.ts):', ...recipeLines(recipe).map((l) => `  ${l}`)].join('\n'))
  return { runId, config, recipe }
}
