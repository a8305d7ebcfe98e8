// The training recipe's defaults as the UI and the CLI see them: for each field the engine fills from
// the dataset's size and kind (src/main/engine/train/recipe.ts), its value and the rule that chose it.

/** The fields the recipe chooses when the user (or the preset) leaves them unset. */
export const RECIPE_FIELDS = ['batchSize', 'epochs', 'lr', 'schedule', 'warmupSteps', 'specAugment', 'mixup', 'balancedSampling', 'earlyStopPatience'] as const
export type RecipeField = (typeof RECIPE_FIELDS)[number]

export interface RecipeRule {
  value: number | boolean | string
  /** Stable id of the rule (tests, logs and the UI refer to it). */
  rule: string
  /** One plain sentence: why this value for this data. */
  reason: string
}

/** Where a value of a complete config came from: the user, the preset, or a recipe rule. */
export interface RecipeChoice extends RecipeRule {
  field: RecipeField
  source: 'user' | 'preset' | 'rule'
}
