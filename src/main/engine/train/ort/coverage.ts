// What the ort training engine covers, and what `auto` picks for each model kind: plain functions of
// the model config and ORT's report, with nothing loaded, so the app's main process can say it too.
import type { ModelKind, OrtReport, TrainingEnginesReport } from '../../../../shared/types'

/** Why the ort engine cannot train a model of this kind, or null when it can. */
export function ortCoverage(kind: ModelKind): string | null {
  // What each kind needs that the gradient rules (./gradients.ts) do not have yet.
  const missing: Record<ModelKind, string | null> = {
    ast: null,
    htsat: null,
    crnn: "the CRNN's Conv, BatchNormalization, MaxPool and GRU ops"
  }
  const gap = missing[kind]
  return gap === null ? null : `the ONNX Runtime engine has no gradient rules yet for ${gap}`
}

/** What `--engine auto` picks per model kind, and where the ort engine runs. */
export function trainingEngines(ort: OrtReport, cores: number): TrainingEnginesReport {
  const where = !ort.available
    ? `unavailable: ${ort.reason}`
    : ort.providers.includes('cuda')
      ? `ONNX Runtime ${ort.version} on CUDA (falls back to the CPU when a session cannot start there)`
      : `ONNX Runtime ${ort.version} on the CPU, ${cores} intra-op threads by default (--threads); ${ort.reason}`
  const auto = (['ast', 'htsat', 'crnn'] as const).map((model) => {
    const gap = ortCoverage(model)
    if (gap) return { model, engine: 'tfjs' as const, reason: `TensorFlow.js, because ${gap}` }
    if (!ort.available) return { model, engine: 'tfjs' as const, reason: `TensorFlow.js, because ${ort.reason}` }
    return { model, engine: 'ort' as const, reason: 'ONNX Runtime, which covers it' }
  })
  return { ort: where, auto }
}

/**
 * Environment for a training job that shares the cores with other jobs (an experiment training
 * several runs at once, or a run started while another trains): ONNX Runtime's idle threads then do
 * not spin, since spinning threads of two jobs slow each other several times over.
 */
export function sharedCoresEnv(sharing: boolean): Record<string, string> {
  return sharing ? { TAGBENCH_ORT_SPIN: '0' } : {}
}
