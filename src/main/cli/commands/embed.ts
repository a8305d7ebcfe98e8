// `tagbench embed`: AST embeddings of fbank features with ImageNet DeiT weights, adapted as AST does
// (RGB kernel summed, position grid cut or interpolated): the pooled (cls + dist) / 2 after the final
// norm, the representation a new head would see. A check of the ImageNet initialisation against PyTorch.
import type { Command } from 'commander'
import { initBackend } from '../../engine/platform/backend'
import { readNpyFloat32, writeNpy } from '../../engine/io/npy'
import { AST_SIZES, makeAstConfig } from '../../engine/models/ast/config'
import { astFromDeitTrunk, readDeitTrunk } from '../../engine/models/ast/import/deit'
import { prepareModelInput } from '../../engine/models/input'
import type { ModelSize } from '../../../shared/types'
import { printResult } from '../output'
import { predictWithProgress } from '../modelRun'
import { positiveInt } from '../args'

interface EmbedOptions {
  weights: string
  model: string
  fstride: string
  tstride: string
  frames?: string
  heads?: string
  depth?: string
  input: string
  out: string
  raw?: boolean
  mean: string
  std: string
  batch: string
  json?: boolean
}

export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description(
      'Embed fbank features [batch, frames, mel] (.npy) with an AST initialised from ImageNet DeiT weights ' +
        '(timm deit_*_distilled_patch16_224 or Hugging Face facebook/deit-*-distilled-patch16-224 .safetensors); ' +
        'writes the pooled embedding (cls + dist) / 2 after the final norm as float32 .npy [batch, dim]'
    )
    .requiredOption('--weights <file.safetensors>', 'DeiT weights, timm or Hugging Face names (F32, F16 or BF16)')
    .requiredOption('--input <X.npy>', 'features [batch, frames, mel] or [frames, mel]; mel bins set the model input')
    .requiredOption('--out <E.npy>', 'where to write the embeddings')
    .option('--model <name>', 'ast-tiny, ast-small or ast-base (width and heads)', 'ast-tiny')
    .option('--fstride <n>', 'patch stride along frequency', '10')
    .option('--tstride <n>', 'patch stride along time', '10')
    .option('--frames <n>', 'frames per clip (default: the input’s); other lengths need --raw')
    .option('--heads <n>', 'attention heads, for a DeiT whose width is none of the three sizes')
    .option('--depth <n>', 'use only the first n blocks (default: all in the file)')
    .option('--raw', 'input is raw fbank (tagbench features): pad/cut to --frames and normalise with --mean/--std')
    .option('--mean <x>', 'feature mean for --raw', '-4.2677393')
    .option('--std <x>', 'feature std for --raw', '4.5689974')
    .option('--batch <n>', 'clips per forward pass', '8')
    .option('--json', 'print JSON')
    .action(async (opts: EmbedOptions) => {
      const size = /^ast-(tiny|small|base)$/.exec(opts.model)?.[1] as ModelSize | undefined
      if (!size) throw new Error(`--model must be ast-tiny, ast-small or ast-base, got "${opts.model}"`)
      const x = readNpyFloat32(opts.input)
      const melBins = x.shape[x.shape.length - 1]
      const frames = positiveInt(opts.frames, '--frames') ?? x.shape[x.shape.length - 2]
      const trunk = readDeitTrunk(opts.weights)
      const heads = positiveInt(opts.heads, '--heads') ?? AST_SIZES[size].heads
      if (opts.heads === undefined && trunk.embedDim !== AST_SIZES[size].embedDim)
        throw new Error(`${opts.weights}: width ${trunk.embedDim} is not ${opts.model}'s ${AST_SIZES[size].embedDim}; pick the matching --model or give --heads`)
      const config = makeAstConfig({
        size,
        embedDim: trunk.embedDim,
        heads,
        depth: positiveInt(opts.depth, '--depth') ?? trunk.depth,
        fstride: positiveInt(opts.fstride, '--fstride'),
        tstride: positiveInt(opts.tstride, '--tstride'),
        melBins,
        targetLength: frames,
        numClasses: 1
      })
      const raw = opts.raw ? { mean: Number(opts.mean), std: Number(opts.std) } : undefined
      const input = prepareModelInput(opts.input, x.shape, x.data, config, raw)
      const backend = await initBackend()
      const model = astFromDeitTrunk(trunk, opts.weights, config)
      let result
      try {
        result = predictWithProgress(model, input, positiveInt(opts.batch, '--batch'), 'embed', !opts.json)
      } finally {
        model.dispose()
      }
      writeNpy(opts.out, result.embedding, [input.batch, result.dim])
      const value = {
        out: opts.out,
        shape: [input.batch, result.dim],
        backend: backend.chosen,
        model: { embedDim: config.embedDim, heads: config.heads, depth: config.depth, fstride: config.fstride, tstride: config.tstride, melBins, frames }
      }
      printResult(opts.json, value, () =>
        `${opts.out}: embeddings [${value.shape.join(', ')}] (${config.depth} blocks, ${melBins}×${frames}, stride ${config.fstride}/${config.tstride}, ${backend.label})`
      )
    })
}
