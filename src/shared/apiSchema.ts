// The parameters of every API method as schemas (./schema), one per entry of ApiMethods: the service
// checks each request against its schema before any handler runs, on both transports, so a wrong
// type reads "run.get: id must be a string, got number 5" rather than an internal TypeError. The
// run config and grid schemas here are also the ones the engine applies to grid files, so the API,
// the UI and files on disk share one definition of a valid config.
import type { ApiMethod } from './api'
import type { ExperimentAxis, PartialRunConfig, RunConfigKey, RunConfigRequest } from './types'
import { FIELDS, type RunConfigField } from './runConfigFields'
import { CURVE_PER, type CurveMetric } from './curves'
import {
  ValidationError,
  array,
  boolean,
  either,
  literal,
  none,
  nullable,
  unknown,
  number,
  object,
  oneOf,
  optional,
  record,
  string,
  tagged,
  unknownName,
  type Schema
} from './schema'

const id = () => string({ nonEmpty: true, maxLength: 400 })
const path = () => string({ nonEmpty: true, maxLength: 4096 })
const posInt = () => number({ integer: true, min: 1 })
const nonNegInt = () => number({ integer: true, min: 0 })

export const pretrainingSchema = tagged('kind', {
  none: object({ kind: literal('none') }),
  imagenet: object({ kind: literal('imagenet'), path: path() }),
  audioset: object({ kind: literal('audioset'), path: path() }),
  run: object({ kind: literal('run'), runId: id() })
})

/** The schema of one field's value, from the field table (type, bounds, choices). */
function fieldSchema(f: RunConfigField): Schema<unknown> {
  switch (f.type) {
    case 'int':
    case 'number':
      return number({ integer: f.type === 'int', min: f.min, max: f.max, minExclusive: f.minExclusive, maxExclusive: f.maxExclusive })
    case 'boolean':
      return boolean()
    case 'choice':
      return oneOf(f.choices ?? [])
    case 'string':
      return f.key === 'dataset' || f.key === 'preset' ? id() : string({ maxLength: f.maxLength })
    case 'pretraining':
      return pretrainingSchema
  }
}

/**
 * Every field of RunConfig with the type it must have, generated from the field table. Ranges that
 * depend on other fields or on the dataset (freqm ≤ melBins, fold among the dataset's folds) are
 * completeRunConfig's to check.
 */
export const runConfigFields = Object.fromEntries(FIELDS.map((f) => [f.key, optional(fieldSchema(f))])) as { [K in RunConfigKey]-?: Schema<unknown> }

/** A partial run config (a grid's base, a config file): every field optional, none unknown. */
export const partialRunConfigSchema: Schema<PartialRunConfig> = object(runConfigFields) as unknown as Schema<PartialRunConfig>

/** A run config as run.start and model.estimate take it: the dataset is required, the rest is completed. */
export const runStartSchema: Schema<RunConfigRequest> = object({ ...runConfigFields, dataset: id() }) as unknown as Schema<RunConfigRequest>

/** Keys an experiment axis may vary: a config field, or 'stride' (fstride and tstride together). */
export const AXIS_KEYS = [...FIELDS.filter((f) => !f.noAxis).map((f) => f.key), 'stride'] as ExperimentAxis['key'][]

/** The schema one value of an axis must match (a grid's `fold` axis may also be ['all']). */
export function axisValueSchema(key: string): Schema<unknown> {
  if (key === 'stride') return number({ integer: true, min: 1, max: 16 })
  const field = (runConfigFields as Record<string, Schema<unknown>>)[key]
  if (!field || !(AXIS_KEYS as string[]).includes(key)) throw new ValidationError(`unknown ${unknownName('axis', key, AXIS_KEYS)}`, key)
  // The field's schema without `optional`: an axis value is always given.
  return { expects: field.expects, parse: (v, at) => (v === undefined ? field.parse(NaN, at) : field.parse(v, at)) }
}

const axisSchema: Schema<ExperimentAxis> = {
  expects: 'an axis {key, values}',
  parse(v, at = '') {
    const a = object({ key: string({ nonEmpty: true }), values: array(unknown(), { nonEmpty: true }) }).parse(v, at)
    const valueSchema = (() => {
      try {
        return axisValueSchema(a.key)
      } catch (err) {
        throw new ValidationError(`${at ? `${at}: ` : ''}${(err as Error).message}`, `${at}.key`)
      }
    })()
    const allFolds = a.key === 'fold' && a.values.length === 1 && a.values[0] === 'all'
    if (!allFolds) a.values.forEach((x, i) => valueSchema.parse(x, `${at ? `${at}.` : ''}${a.key}[${i}]`))
    return { key: a.key as ExperimentAxis['key'], values: a.values }
  }
}

/** Slurm job options as a grid file's `slurm:` mapping or experiment.start's `slurm` give them. */
const slurmOptionsSchema = object({
  partition: optional(string({ maxLength: 200 })),
  account: optional(string({ maxLength: 200 })),
  time: optional(string({ maxLength: 100 })),
  cpus: optional(posInt()),
  mem: optional(string({ maxLength: 100 })),
  gpus: optional(string({ maxLength: 100 })),
  gpuFlag: optional(oneOf(['gres', 'gpus'])),
  extra: optional(array(string({ maxLength: 2000 }))),
  preamble: optional(string({ maxLength: 100_000 })),
  command: optional(string({ maxLength: 4096 })),
  startDeadlineMinutes: optional(number({ min: 0, minExclusive: true }))
})

/** An experiment spec as experiment.start takes it (and as a grid file becomes once read). */
export const experimentSpecSchema = object({
  name: string({ nonEmpty: true, maxLength: 200 }),
  base: runStartSchema,
  axes: array(axisSchema),
  seeds: optional(array(number({ integer: true }), { nonEmpty: true })),
  parallel: optional(posInt()),
  executor: optional(oneOf(['local', 'slurm'])),
  slurm: optional(slurmOptionsSchema)
})

/** The fields of a grid file (YAML or JSON); `axes` may also be a map key → values. */
export const gridFileSchema = object({
  name: optional(string({ nonEmpty: true, maxLength: 200 })),
  dataset: optional(id()),
  preset: optional(id()),
  base: optional(partialRunConfigSchema),
  axes: optional(either(array(axisSchema), record(array(unknown(), { nonEmpty: true })))),
  seeds: optional(array(number({ integer: true }), { nonEmpty: true })),
  parallel: optional(posInt()),
  executor: optional(oneOf(['local', 'slurm'])),
  slurm: optional(slurmOptionsSchema)
})

const maybe = <T>(s: Schema<T>): Schema<T | undefined> => ({ expects: s.expects, optional: true, parse: (v, at) => (v === undefined || v === null ? undefined : s.parse(v, at)) })

/** One schema per API method: a method missing here does not compile. */
export const API_PARAMS: { [M in ApiMethod]: Schema<unknown> } = {
  'app.info': none(),
  'fs.listDir': maybe(object({ path: optional(string({ maxLength: 4096 })) })),
  'cache.usage': none(),
  'cache.clear': maybe(object({ settings: optional(string({ nonEmpty: true, maxLength: 200 })) })),
  'cache.prune': none(),
  'dataset.list': none(),
  'dataset.detect': object({ folder: path() }),
  'dataset.get': object({ id: id() }),
  // Empty folder/model/paths pass here: their handlers answer with what to choose.
  'dataset.import': object({
    folder: string({ maxLength: 4096 }),
    name: optional(string({ maxLength: 2000 })),
    layout: optional(oneOf(['auto', 'folders', 'fsd50k', 'esc50', 'speechcommands', 'csv', 'frames'])),
    frameRate: optional(number({ min: 0, minExclusive: true, max: 1000 }))
  }),
  'dataset.subset': object({
    parent: id(),
    name: string({ nonEmpty: true, maxLength: 200 }),
    recipe: object({
      classes: array(string({ nonEmpty: true }), { nonEmpty: true }),
      mode: oneOf(['within', 'single']),
      perClass: optional(posInt()),
      balance: optional(boolean()),
      seed: number({ integer: true }),
      splitRatios: optional(object({ train: number({ min: 0 }), val: number({ min: 0 }), test: number({ min: 0 }) }))
    })
  }),
  'dataset.delete': object({ id: id() }),
  'dataset.clip': object({ id: id(), file: path() }),
  'audio.preview': object({ file: path() }),
  'job.list': none(),
  'job.cancel': object({ jobId: id() }),
  'model.choices': none(),
  'model.estimate': runStartSchema,
  'model.recipe': runStartSchema,
  'run.list': none(),
  'run.get': object({ id: id() }),
  'run.metrics': object({ id: id(), since: optional(nonNegInt()) }),
  'run.start': runStartSchema,
  'run.resume': object({ id: id() }),
  'run.cancel': object({ id: id() }),
  'run.delete': object({ id: id() }),
  'run.thresholds': object({ id: id() }),
  'run.exportMetrics': object({ id: id(), format: oneOf(['csv', 'json', 'tensorboard']) }),
  'run.exportOnnx': object({ runId: id(), out: optional(path()), overwrite: optional(boolean()) }),
  'experiment.presets': none(),
  'experiment.start': experimentSpecSchema,
  'experiment.list': none(),
  'experiment.resume': object({ id: id() }),
  'experiment.cancel': object({ id: id() }),
  'experiment.delete': object({ id: id(), withRuns: optional(boolean()) }),
  'tag.run': object({
    model: string({ maxLength: 4096 }),
    paths: array(string({ maxLength: 4096 }), { maxLength: 100_000 }),
    topK: optional(posInt()),
    hopS: optional(number({ min: 0, minExclusive: true })),
    aggregate: optional(oneOf(['max', 'mean'])),
    activation: optional(oneOf(['auto', 'sigmoid', 'softmax']))
  }),
  'tag.result': object({ jobId: id() }),
  'slurm.info': none(),
  'run.curves': object({
    ids: array(id(), { maxLength: 100_000 }),
    metric: oneOf(Object.keys(CURVE_PER) as CurveMetric[]),
    columns: number({ integer: true, min: 1, max: 100_000 }),
    range: optional(nullable(array(number(), { maxLength: 2 })))
  }),
  'run.predictions': object({ id: id(), split: optional(oneOf(['val', 'test'])) }),
  'run.prCurve': object({ id: id(), split: optional(oneOf(['val', 'test'])), classIndex: nullable(nonNegInt()) }),
  'run.clips': object({
    id: id(),
    split: oneOf(['val', 'test']),
    selection: tagged('kind', {
      errors: object({ kind: literal('errors'), classIndex: nullable(nonNegInt()), error: oneOf(['fp', 'fn', 'both']), thresholdMethod: oneOf(['default', 'search', 'sgl']), limit: optional(nonNegInt()) }),
      confusion: object({ kind: literal('confusion'), trueClass: nonNegInt(), predictedClass: nonNegInt() }),
      threshold: object({ kind: literal('threshold'), classIndex: nullable(nonNegInt()), threshold: number() })
    })
  }),
  'run.average': object({ id: id(), last: number({ integer: true, min: 2 }) }),
  'run.averages': object({ id: id() }),
  'ensemble.create': object({ members: array(path(), { nonEmpty: true, maxLength: 64 }), name: optional(string({ maxLength: 400 })) }),
  'ensemble.list': none(),
  'map.build': object({ model: path(), dataset: id() }),
  'map.get': object({ model: path(), dataset: id() }),
  'live.start': object({ model: path(), hopS: optional(number({ min: 0.1, max: 10 })), activation: optional(oneOf(['auto', 'sigmoid', 'softmax'])) }),
  'live.push': object({ jobId: id(), pcm: string({ maxLength: 8_000_000 }) }),
  'live.stop': object({ jobId: id() }),
  'run.slurmLog': object({ id: id(), stream: oneOf(['stdout', 'stderr']) })
}

/** Whether `method` is one of the API's own methods (never an inherited name such as "constructor"). */
export function isApiMethod(method: unknown): method is ApiMethod {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(API_PARAMS, method)
}

/** The params checked against the method's schema; throws an Error that starts with the method name. */
export function checkParams(method: ApiMethod, params: unknown): unknown {
  try {
    return API_PARAMS[method].parse(params, '')
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${method}: ${err.message}`, err.at)
    throw err
  }
}
