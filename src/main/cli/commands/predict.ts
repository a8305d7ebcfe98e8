// `tagbench predict`: clip logits of fbank features with a trained model (a run id, a Tagbench
// checkpoint folder or a Hugging Face ASTForAudioClassification folder) on the tfjs engine.
import type { Command } from 'commander'
import { readNpyFloat32, writeNpy } from '../../engine/io/npy'
import { resolveModel } from '../../engine/infer/modelRef'
import { prepareModelInput } from '../../engine/models/input'
import { backendReport } from '../../engine/platform/backend'
import { printResult } from '../output'
import { positiveInt } from '../args'
import { predictWithProgress } from '../modelRun'

interface PredictOptions {
  weights: string
  input: string
  out: string
  embeddings?: string
  raw?: boolean
  batch: string
  json?: boolean
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'Clip logits [batch, classes] (.npy) of fbank features [batch, frames, mel] (.npy) with a run, a checkpoint ' +
        'folder or a Hugging Face AST folder, on the tfjs engine; column i is label i (listed with --json)'
    )
    .requiredOption('--weights <model>', 'run id, checkpoint folder (model.safetensors + config.json) or Hugging Face AST folder')
    .requiredOption('--input <X.npy>', 'normalised model input [batch, frames, mel] or [frames, mel] (raw fbank with --raw)')
    .requiredOption('--out <L.npy>', 'where to write the logits')
    .option('--embeddings <E.npy>', 'also write the pooled embeddings [batch, dim]')
    .option('--raw', "input is raw fbank (tagbench features): pad/cut and normalise with the model's own settings")
    .option('--batch <n>', 'clips per forward pass', '8')
    .option('--json', 'print JSON')
    .action(async (opts: PredictOptions) => {
      const chunk = positiveInt(opts.batch, '--batch')
      const ref = resolveModel(opts.weights)
      if (!ref.loadModel) throw new Error(`${opts.weights}: predict runs tfjs models (runs, checkpoints, Hugging Face folders); use tagbench tag for .onnx files`)
      const x = readNpyFloat32(opts.input)
      const model = await ref.loadModel()
      try {
        const c = model.config
        if (opts.raw && !('norm' in c)) throw new Error(`--raw applies the model's feature normalisation; ${opts.weights} is ${c.kind.toUpperCase()}, which normalises its own input`)
        const input = prepareModelInput(opts.input, x.shape, x.data, c, opts.raw && 'norm' in c ? c.norm : undefined)
        const result = predictWithProgress(model, input, chunk, 'predict', !opts.json)
        writeNpy(opts.out, result.logits, [input.batch, result.classes])
        if (opts.embeddings) writeNpy(opts.embeddings, result.embedding, [input.batch, result.dim])
        const value = { out: opts.out, shape: [input.batch, result.classes], embeddings: opts.embeddings ?? null, model: ref.description, backend: backendReport()?.chosen ?? null, labels: c.labels }
        printResult(opts.json, value, () => `${opts.out}: logits [${value.shape.join(', ')}] from ${ref.description} (${backendReport()?.label ?? ''})`)
      } finally {
        model.dispose()
      }
    })
}
