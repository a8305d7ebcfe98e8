// How a model's clip logits become scores depends on how it was trained: a sigmoid per class for
// multi-label models (BCE, focal, weighted BCE; AudioSet ASTs), a softmax over classes for single-label
// models trained with softmax cross-entropy (loss 'ce'; HF problem_type single_label_classification).
// A sigmoid on a softmax-trained model passes dozens of labels over 0.5 on every clip, so the choice
// is stored with the export and can be overridden when tagging.
import fs from 'node:fs'
import path from 'node:path'
import type { LossKind } from '../../../shared/types'
import { readJsonSync } from '../io/fsutil'

export type ScoreActivation = 'sigmoid' | 'softmax'
/** What a user may ask for: 'auto' takes the model's own activation. */
export type ActivationChoice = 'auto' | ScoreActivation

export const ACTIVATION_CHOICES = ['auto', 'sigmoid', 'softmax'] as const

/** A model's activation, and — when nothing recorded how it was trained — what was assumed and why. */
export interface ModelActivation {
  activation: ScoreActivation
  assumed: string | null
}

/** The activation matching a training loss: softmax for cross-entropy, sigmoid for the multi-label losses. */
export function activationOfLoss(loss: LossKind): ScoreActivation {
  return loss === 'ce' ? 'softmax' : 'sigmoid'
}

/** From a Hugging Face config.json's problem_type; absent, a sigmoid (the AudioSet convention), noted as assumed. */
export function hfAstActivation(folder: string): ModelActivation {
  const file = path.join(folder, 'config.json')
  const problem = readJsonSync<{ problem_type?: string | null }>(file).problem_type
  if (problem === 'single_label_classification') return { activation: 'softmax', assumed: null }
  if (problem === 'multi_label_classification') return { activation: 'sigmoid', assumed: null }
  const why = problem ? `its problem_type "${problem}" is not a classification type` : 'it has no problem_type'
  return { activation: 'sigmoid', assumed: `sigmoid scores assumed because ${file} does not say how the model was trained (${why}; sigmoid is the AudioSet convention)` }
}

/**
 * A checkpoint folder inside a run (runs/<id>/ckpt/<slot>) takes its run's loss; a loose checkpoint
 * records no loss, so a sigmoid is assumed.
 */
export function checkpointActivation(dir: string): ModelActivation {
  const runConfig = path.join(dir, '..', '..', 'config.json')
  if (fs.existsSync(path.join(dir, '..', '..', 'run.json')) && fs.existsSync(runConfig)) {
    const loss = readJsonSync<{ loss?: LossKind }>(runConfig).loss
    if (loss) return { activation: activationOfLoss(loss), assumed: null }
  }
  return { activation: 'sigmoid', assumed: `sigmoid scores assumed because the checkpoint ${dir} does not record its training loss` }
}

/**
 * The activation tagging uses: the model's own for 'auto', else the one asked for; with a sentence
 * for the user when the model's was assumed and not overridden.
 */
export function chooseActivation(choice: ActivationChoice, model: ModelActivation): { activation: ScoreActivation; note: string | null } {
  if (choice !== 'auto') return { activation: choice, note: null }
  const note = model.assumed ? `${model.assumed}; for a single-label model choose softmax (--activation softmax)` : null
  return { activation: model.activation, note }
}

/** Clip scores of one window's logits: per-class sigmoid, or a (max-shifted, stable) softmax over classes. */
export function clipScores(logits: Float32Array, activation: ScoreActivation): Float64Array {
  const out = new Float64Array(logits.length)
  if (activation === 'sigmoid') {
    for (let c = 0; c < logits.length; c++) out[c] = 1 / (1 + Math.exp(-logits[c]))
    return out
  }
  let max = -Infinity
  for (const v of logits) max = Math.max(max, v)
  let sum = 0
  for (let c = 0; c < logits.length; c++) sum += out[c] = Math.exp(logits[c] - max)
  for (let c = 0; c < logits.length; c++) out[c] /= sum
  return out
}
