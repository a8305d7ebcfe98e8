// A tfjs model over a batch of clips from a CLI command (predict, embed): the engine's chunked
// predictAll with the command's progress bar, so both report progress the same way.
import { predictAll, type Predictions } from '../engine/models/predict'
import type { TagModel } from '../engine/models/types'
import { progressBar } from './output'

/**
 * predictAll over input [batch, targetLength, melBins], `chunk` clips per call, with a progress bar
 * labelled `label` (clips per second since the start) when `showBar`; the bar stops even when the
 * model fails. The caller owns and disposes the model.
 */
export function predictWithProgress(model: TagModel, input: { data: Float32Array; batch: number }, chunk: number, label: string, showBar: boolean): Predictions {
  const bar = progressBar(showBar)
  const started = Date.now()
  try {
    return predictAll(model, input.data, input.batch, chunk, (done) =>
      bar.update({ label, done, total: input.batch, unit: 'clips', rate: done / Math.max((Date.now() - started) / 1000, 1e-3), etaS: null })
    )
  } finally {
    bar.stop()
  }
}
