// Curves the engine serves to the charts: which metric, on which x axis, downsampled to the chart's
// pixel columns. Shared so that the engine (which downsamples) and the renderer (which draws) agree.

export type CurveMetric = 'mAP' | 'loss' | 'valLoss' | 'accuracy' | 'auc' | 'microF1' | 'frameAP' | 'frameF1' | 'eventF1' | 'lr' | 'samplesPerS'

/** Per-epoch metrics come from 'epoch' entries against the epoch; per-step ones from 'step' entries against the optimizer step. */
export const CURVE_PER: Record<CurveMetric, 'epoch' | 'step'> = {
  mAP: 'epoch',
  loss: 'step',
  valLoss: 'epoch',
  accuracy: 'epoch',
  auc: 'epoch',
  microF1: 'epoch',
  frameAP: 'epoch',
  frameF1: 'epoch',
  eventF1: 'epoch',
  lr: 'step',
  samplesPerS: 'step'
}

export interface CurveRequest {
  ids: string[]
  metric: CurveMetric
  /** Pixel columns of the plot: at most two points (min and max) per column come back. */
  columns: number
  /** The x range shown (a zoom); the whole curve when absent. One point either side is kept so lines reach the edges. */
  range?: [number, number] | null
}

export interface RunCurve {
  id: string
  x: number[]
  /** null where the metric was not finite (NaN, or null for a class-less AP): a gap in the line. */
  y: (number | null)[]
  /** Points of the full curve, before downsampling. */
  total: number
  /** Set when this run's history could not be read; the message names the run and the file. */
  error?: string
}
