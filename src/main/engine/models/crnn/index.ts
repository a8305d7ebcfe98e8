// The CRNN as a model kind (models/kind.ts): its config, tfjs model, cost and ONNX graph, for the registry.
import type { ModelKindDef } from '../kind'
import { crnnGeometry, makeCrnnConfig, type CrnnConfig } from './config'
import { crnnCounts } from './cost'
import { createCrnn } from './model'
import { buildCrnnGraph } from './onnx'

export const crnn: ModelKindDef<CrnnConfig> = {
  kind: 'crnn',
  label: 'CRNN',
  note: 'frame tasks',
  sizes: { tiny: 'conv 16-32-64, BiGRU 2 × 64', small: 'conv 32-64-128, BiGRU 2 × 96', base: 'conv 64-128-256, BiGRU 2 × 128' },
  starts: [],
  inputNorm: 'split',
  // On long recordings with sparse frame labels it reaches about three times AST's frame AP (README,
  // "Long recordings with per-frame labels"): the default for a frame task from scratch.
  frameDefault: true,
  // Adam's usual 1e-3 (the DCASE baseline's); AST's 1e-4 leaves it far from converged.
  defaults: { lr: 1e-3 },
  framewise: true,
  ortGap: "the CRNN's Conv, BatchNormalization, MaxPool and GRU ops",
  // The time pooling follows the label rate (frameRate), so its steps are never coarser than the labels.
  makeConfig: (_run, common, norm) => makeCrnnConfig({ ...common, ...(norm ? { norm } : {}) }),
  create: (config, seed) => createCrnn(config, seed),
  cost: (run, classes) => crnnCounts(run, classes),
  nativeFrames: (c) => crnnGeometry(c).steps,
  // Its BiGRU's width.
  embeddingDim: (c) => 2 * c.hidden,
  buildOnnx: (g, fbank, c, w, headFrames) => buildCrnnGraph(g, fbank, c, w, headFrames)
}
