// The 'tag' and 'onnx-export' jobs. 'tag' runs INFER's tagFiles over the chosen files in its own process (ORT or tfjs, the
// model loaded once), with progress and cancel. The result stays with the job for 'tag.result'.
import type { OnnxExportRequest, ResultOf, TagRequest } from '../../shared/api'
import { exportModelRef } from '../engine/infer/modelRef'
import { refuseOverwrite } from '../engine/io/fsutil'
import { tagFiles } from '../engine/infer/tag'
import type { RunnerContext } from './runners'

export async function tagRunner(params: TagRequest, ctx: RunnerContext): Promise<ResultOf<'tag.result'>> {
  const out = await tagFiles(
    params.model,
    params.paths,
    { topK: params.topK, hopS: params.hopS, aggregate: params.aggregate, activation: params.activation },
    { onProgress: ctx.onProgress, signal: ctx.signal }
  )
  return { results: out.results, labels: out.labels, model: out.model, note: out.note }
}

/** The 'onnx-export' job: a run's best checkpoint (with its tuned thresholds) as an .onnx file. */
export async function exportOnnxRunner(params: OnnxExportRequest): Promise<ResultOf<'run.exportOnnx'>> {
  // Checked again here: the file may have appeared while the job was queued.
  refuseOverwrite(params)
  const out = await exportModelRef(params.runId, params.out)
  return { path: out.path, bytes: out.bytes }
}
