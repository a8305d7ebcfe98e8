// `tagbench` command line: each command is a thin wrapper over the engine, registered from its own
// module under ./commands. Every command takes --json for scripting.
import { Command } from 'commander'
import { registerInfo } from './commands/info'
import { registerDataset } from './commands/dataset'
import { registerServe } from './commands/serve'
import { registerMetrics } from './commands/metrics'
import { registerThresholds } from './commands/thresholds'
import { registerFeatures } from './commands/features'
import { registerTag } from './commands/tag'
import { registerExport } from './commands/export'
import { registerTrain } from './commands/train'
import { registerResume } from './commands/resume'
import { registerRuns } from './commands/runs'
import { registerExperiment, registerExperiments } from './commands/experiment'
import { registerEmbed } from './commands/embed'
import { registerPredict } from './commands/predict'
import { registerCache } from './commands/cache'
import { registerSlurmJob } from './commands/slurm'
import { registerPredictions } from './commands/predictions'
import { registerCombine } from './commands/combine'

// Each entry adds one command (or a command group) to the program.
const COMMANDS: ((program: Command) => void)[] = [
  registerInfo,
  registerDataset,
  registerServe,
  registerMetrics,
  registerThresholds,
  registerFeatures,
  registerCache,
  registerTag,
  registerTrain,
  registerResume,
  registerRuns,
  registerExperiment,
  registerExperiments,
  registerExport,
  registerEmbed,
  registerPredict,
  registerSlurmJob,
  registerPredictions,
  registerCombine
]

export function buildProgram(): Command {
  const program = new Command()
  program
    .name('tagbench')
    .description('Audio tagging experiments: datasets, AST/HTS-AT training, metrics, thresholds, ONNX tagging.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
  for (const register of COMMANDS) register(program)
  return program
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (err) {
    console.error(`tagbench: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  }
}
