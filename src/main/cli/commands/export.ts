// `tagbench export <model> --out model.onnx`: an ONNX file (opset 17, dynamic batch) that carries its
// labels, feature settings, normalisation, thresholds and score activation, for `tagbench tag` or any ONNX runtime.
import type { Command } from 'commander'
import { exportModelRef } from '../../engine/infer/modelRef'
import { printResult } from '../output'

export function registerExport(program: Command): void {
  program
    .command('export <model>')
    .description(
      'Export a run (its best checkpoint and optimised thresholds), a checkpoint folder or a Hugging Face AST folder ' +
        'to ONNX: input fbank [batch, frames, mel] (normalised), outputs logits, embedding and, for HTS-AT and frame ' +
        'heads, frame_logits; labels, features, thresholds and the score activation (softmax for single-label training) in the metadata'
    )
    .requiredOption('--out <model.onnx>', 'where to write the model')
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { out: string; json?: boolean }) => {
      const r = await exportModelRef(model, opts.out)
      const m = r.meta
      const value = { path: r.path, bytes: r.bytes, source: r.source, modelKind: m.modelKind, labels: m.labels.length, features: m.features, thresholds: m.thresholds !== null, activation: m.activation, activationAssumed: r.activationAssumed, frameOutput: m.frameOutput }
      printResult(opts.json, value, () =>
        [
          `Wrote ${r.path} (${(r.bytes / 1e6).toFixed(1)} MB): ${m.modelKind.toUpperCase()}, ${m.labels.length} labels, input [batch, ${m.features.targetLength}, ${m.features.melBins}]` +
            (m.frameOutput ? `, frame_logits at ${m.frameOutput.frameRate} frames/s` : ''),
          m.thresholds ? 'Thresholds: the run’s best method (by validation micro-F1).' : 'Thresholds: none (tagging uses 0.5).',
          `Scores: ${m.activation}${r.activationAssumed ? ` (${r.activationAssumed}; \`tagbench tag --activation softmax\` overrides it)` : ''}.`
        ].join('\n')
      )
    })
}
