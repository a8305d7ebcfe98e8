// From reference-named weights to a working AST: adapt the position grid to the new patch grid,
// keep or replace the head, check that nothing is missing. Shared by the ImageNet (DeiT), Hugging
// Face AST and Tagbench checkpoint paths, so they adapt in exactly the same way.
import { astGrid, type AstConfig } from '../config'
import { createAst, type AstModel } from '../model'
import type { WeightMap } from '../../types'
import { adaptPosEmbed, type Grid } from './posGrid'
import type { FinetuneOptions } from '../../kind'

const isHead = (name: string) => name.startsWith('mlp_head.') || name.startsWith('frame_head.')
/** A frame head (frameHead.ts) the source has no weights for starts newly initialised. */
const isFrameHead = (name: string) => name.startsWith('frame_head.')

/**
 * An AST for `config` from reference-named, PyTorch-layout weights whose pos_embed lies on the grid
 * `from`. Blocks beyond config.depth are left out (a shallower model takes the first blocks). With
 * keepHead false the heads (mlp_head.*, frame_head.*) are newly initialised from `seed`; so is a frame
 * head the weights lack; everything else must be given.
 */
export function astFromWeights(weights: WeightMap, from: Grid, config: AstConfig, seed: number, source: string, keepHead: boolean): AstModel {
  const use: WeightMap = new Map()
  for (const [name, t] of weights) {
    const block = /^v\.blocks\.(\d+)\./.exec(name)
    if (block && Number(block[1]) >= config.depth) continue
    if (isHead(name) && !keepHead) continue
    use.set(name, t)
  }
  const pos = use.get('v.pos_embed')
  if (pos) use.set('v.pos_embed', adaptPosEmbed(pos, from, astGrid(config), source))
  const model = createAst(config, seed)
  try {
    const missing = model.loadWeights(use, source).filter((n) => !isFrameHead(n) && (keepHead || !isHead(n)))
    if (missing.length > 0) throw new Error(`${source}: no weights for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (the model has ${config.depth} blocks)`)
  } catch (err) {
    model.dispose()
    throw err
  }
  return model
}

/** Options for starting a new task from a pretrained AST (the run's choices, models/kind.ts). */
export type AstFinetuneOptions = FinetuneOptions

/** The checkpoint's config with the fine-tuning choices applied. */
function finetuneConfig(base: AstConfig, o: AstFinetuneOptions): AstConfig {
  const labels = o.labels ?? base.labels
  const config: AstConfig = {
    ...base,
    labels,
    numClasses: labels.length,
    targetLength: o.targetLength ?? base.targetLength,
    fstride: o.fstride ?? base.fstride,
    tstride: o.tstride ?? base.tstride,
    depth: o.depth ?? base.depth,
    frozen: o.frozen ?? base.frozen,
    dropout: o.dropout ?? base.dropout,
    dropPath: o.dropPath ?? base.dropPath
  }
  const frameHead = o.frameHead ?? base.frameHead
  if (frameHead) config.frameHead = frameHead
  else delete config.frameHead
  if (config.depth > base.depth) throw new Error(`the checkpoint has ${base.depth} blocks; cannot build ${config.depth}`)
  astGrid(config)
  return config
}

/** An AST from a pretrained AST's weights and config, regridded and with a new head where asked. */
export function finetuneAst(base: AstConfig, weights: WeightMap, o: AstFinetuneOptions, source: string): AstModel {
  const config = finetuneConfig(base, o)
  const keepHead = o.labels === undefined
  return astFromWeights(weights, astGrid(base), config, o.seed ?? 0, source, keepHead)
}
