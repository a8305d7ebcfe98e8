// HTS-AT as a model kind (models/kind.ts): its config, tfjs model, cost and ONNX graph, for the registry.
import type { ModelKindDef } from '../kind'
import { htsatGeometry, makeHtsatConfig, type HtsatConfig } from './config'
import { htsatCounts } from './cost'
import { createHtsat } from './model'
import { buildHtsatGraph } from './onnx'

export const htsat: ModelKindDef<HtsatConfig> = {
  kind: 'htsat',
  label: 'HTS-AT',
  sizes: { tiny: 'Swin 24 → 192, depths 1-1-2-1', small: 'Swin 48 → 384, depths 2-2-6-2', base: 'the paper: Swin 96 → 768, depths 2-2-6-2' },
  starts: [],
  // bn0 normalises the mel bins inside the model.
  inputNorm: 'model',
  // The reference trains with stochastic depth 0.1; its image holds at most 1024 frames.
  defaults: { dropPath: 0.1, maxTargetLength: 1024 },
  fixedFrameSteps: true,
  framewise: true,
  ortGap: null,
  makeConfig: (_run, common) => makeHtsatConfig(common),
  create: (config, seed) => createHtsat(config, seed),
  cost: (run, classes) => htsatCounts(run, classes),
  // The token-semantic map is a frame output of its own.
  nativeFrames: (c) => htsatGeometry(c).outFrames,
  // The last stage's width.
  embeddingDim: (c) => htsatGeometry(c).numFeatures,
  buildOnnx: (g, fbank, c, w, headFrames) => buildHtsatGraph(g, fbank, c, w, headFrames)
}
