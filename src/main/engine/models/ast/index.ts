// AST as a model kind (models/kind.ts): its config, tfjs model, cost, ONNX graph and pretrained
// starts, for the registry.
import type { ModelKindDef } from '../kind'
import { makeAstConfig, type AstConfig } from './config'
import { astCounts } from './cost'
import { createAst } from './model'
import { buildAstFrameHead, buildAstGraph } from './onnx'
import { astStarts } from './starts'

export const ast: ModelKindDef<AstConfig> = {
  kind: 'ast',
  label: 'AST',
  sizes: { tiny: 'DeiT-tiny width 192, 3 heads', small: 'DeiT-small width 384, 6 heads', base: 'DeiT-base width 768, 12 heads' },
  // ./starts.ts reads the file starts with the importers in ./import; 'run' is every kind's.
  starts: ['imagenet', 'audioset', 'run'],
  importers: astStarts,
  inputNorm: 'split',
  // The AST paper's 128 mel bins for clip tasks.
  defaults: { melBins: 128 },
  framewise: false,
  ortGap: null,
  makeConfig: (run, common, norm) => makeAstConfig({ ...common, depth: run.depth, fstride: run.fstride, tstride: run.tstride, ...(norm ? { norm } : {}) }),
  create: (config, seed) => createAst(config, seed),
  cost: (run, classes) => astCounts(run, classes),
  // Frame output only with a frame head (models/frameHead.ts on the patch tokens).
  nativeFrames: () => null,
  embeddingDim: (c) => c.embedDim,
  buildOnnx: (g, fbank, c, w, headFrames) => {
    const out = buildAstGraph(g, fbank, c, w)
    if (headFrames === null) return { logits: out.logits, embedding: out.embedding }
    return { logits: out.logits, embedding: out.embedding, frameLogits: buildAstFrameHead(g, out.tokens, c, w, headFrames) }
  }
}
