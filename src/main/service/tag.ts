// Inference requests: start a tagging job, fetch a finished job's results, and export a run as ONNX
// (the export loads the model with tfjs, so it runs as a job process, never in the app process).
import path from 'node:path'
import type { ResultOf } from '../../shared/api'
import { refuseOverwrite } from '../engine/io/fsutil'
import type { HandlerTable } from './index'

export const handlers: HandlerTable = {
  'tag.run': (req, ctx) => {
    const model = req.model?.trim()
    if (!model) throw new Error('Choose a model to tag with: a run, an .onnx file or a Hugging Face AST folder')
    const paths = (req.paths ?? []).map((p) => p.trim()).filter(Boolean)
    if (paths.length === 0) throw new Error('Choose audio files or folders to tag')
    const what = paths.length === 1 ? path.basename(paths[0]) : `${paths.length} paths`
    const { jobId } = ctx.jobs.start({ kind: 'tag', runner: 'tag', params: { ...req, model, paths }, label: `Tagging ${what} with ${path.basename(model)}` })
    return { jobId }
  },
  'tag.result': ({ jobId }, ctx) => {
    const job = ctx.jobs.get(jobId)
    if (!job) throw new Error(`No tagging job ${jobId} (results are kept until the app restarts)`)
    if (job.state === 'running' || job.state === 'queued') throw new Error(`${job.label} is still running`)
    if (job.state !== 'done') throw new Error(job.message ?? `${job.label}: ${job.state}`)
    return ctx.jobs.result(jobId) as ResultOf<'tag.result'>
  },
  'live.start': (req, ctx) => {
    const model = req.model?.trim()
    if (!model) throw new Error('Choose a model to listen with: a run, an .onnx file or a Hugging Face AST folder')
    if (req.hopS !== undefined && !(req.hopS >= 0.1 && req.hopS <= 10)) throw new Error(`The live hop must be between 0.1 and 10 seconds, got ${req.hopS}`)
    // The job names itself (its id) in its events, so the UI can tell its stream apart.
    const { jobId } = ctx.jobs.start({ kind: 'live', runner: 'live', params: { ...req, model }, label: `Listening with ${path.basename(model)}` })
    return { jobId }
  },
  'live.push': ({ jobId, pcm }, ctx) => {
    const job = ctx.jobs.get(jobId)
    if (!job || job.kind !== 'live') throw new Error(`No live tagging job ${jobId}`)
    if (typeof pcm !== 'string' || pcm.length % 4 !== 0) throw new Error('live.push: pcm must be base64 of float32 samples')
    if (!ctx.jobs.send(jobId, { pcm })) throw new Error(job.message ?? `${job.label} has ended (${job.state})`)
    return { ok: true as const }
  },
  'live.stop': ({ jobId }, ctx) => {
    const job = ctx.jobs.get(jobId)
    if (!job || job.kind !== 'live') throw new Error(`No live tagging job ${jobId}`)
    return { ok: ctx.jobs.cancel(jobId) }
  },
  'run.exportOnnx': async (req, ctx) => {
    if (!req.runId?.trim()) throw new Error('Name the run to export')
    refuseOverwrite(req)
    const { done } = ctx.jobs.start({ kind: 'export', runner: 'onnx-export', params: req, label: `Exporting run ${req.runId} to ONNX` }, { runId: req.runId })
    return (await done) as ResultOf<'run.exportOnnx'>
  }
}
