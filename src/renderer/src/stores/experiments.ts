// Experiments: the presets, the list of launched experiments, and the form's draft (kept across
// reloads). Launching turns the draft into one run (run.start) or a grid (experiment.start).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ExecutorKind, ExperimentPreset, ExperimentSummary, ModelChoice, SlurmInfo } from '@shared/api'
import { api } from '../api/client'
import { loadInto } from '../lib/loadState'
import { configOf, newDraft, parseAxis, parseSeeds, pretrainingOf, type Draft } from '../lib/experimentForm'
import { persisted } from '../lib/persist'
import { slurmDraftOf, slurmOptionsOf, type SlurmDraft } from '../lib/slurm'
import { useAppStore } from './app'

export const useExperimentsStore = defineStore('experiments', () => {
  const app = useAppStore()
  const presets = ref<ExperimentPreset[]>([])
  const choices = ref<ModelChoice[]>([])
  const list = ref<ExperimentSummary[]>([])
  const error = ref<string | null>(null)
  const loaded = ref(false)
  const draft = persisted<Draft>('experiments.draft', newDraft(null))
  /** Whether the draft's sizes still are the untouched defaults (so app.info may replace them). */
  const draftIsDefault = persisted('experiments.draftIsDefault', true)
  /** Whether Slurm can be used from here (sbatch on the engine's PATH), with this data folder's saved options. */
  const slurm = ref<SlurmInfo | null>(null)
  /** Where the next launch trains; Slurm only when the user picks it. */
  const executor = ref<ExecutorKind>('local')
  /** The Slurm options as typed, filled from the data folder's saved ones. */
  const slurmDraft = ref<SlurmDraft>(slurmDraftOf({}))
  let slurmDraftFilled = false

  function load(): Promise<void> {
    return loadInto(error, async () => {
      const [p, l, c] = await Promise.all([api.invoke('experiment.presets', undefined), api.invoke('experiment.list', undefined), api.invoke('model.choices', undefined)])
      presets.value = p
      list.value = l
      choices.value = c
      // Asked once (it runs sinfo), after the rest: the form works without it (no Slurm choice).
      slurm.value ??= await api.invoke('slurm.info', undefined).catch(() => null)
      if (slurm.value && !slurmDraftFilled) {
        slurmDraft.value = slurmDraftOf(slurm.value.options)
        slurmDraftFilled = true
      }
      if (!slurm.value?.available) executor.value = 'local'
    }, loaded)
  }

  function resetDraft(): void {
    const keep = { dataset: draft.value.dataset }
    draft.value = { ...newDraft(app.info), ...keep }
    draftIsDefault.value = true
  }

  /** One run, or an experiment when the draft has axes or several seeds. Returns what started. */
  async function launch(datasetName: string): Promise<{ kind: 'run'; id: string } | { kind: 'experiment'; summary: ExperimentSummary }> {
    const d = draft.value
    if (!d.dataset) throw new Error('Choose a dataset to train on')
    const seeds = parseSeeds(d.seeds)
    const axes = d.axes.filter((a) => a.key).map((a) => parseAxis(a, pretrainingOf(d), [...new Set(choices.value.map((c) => c.model))]))
    const onSlurm = executor.value === 'slurm'
    if (axes.length === 0 && seeds.length === 1 && !onSlurm) {
      const { runId } = await api.invoke('run.start', configOf(d, seeds[0]))
      return { kind: 'run', id: runId }
    }
    const summary = await api.invoke('experiment.start', {
      name: d.name.trim() || `${axes.length ? axes.map((a) => a.key).join(' × ') : `seeds ${seeds.join(', ')}`} on ${datasetName}`,
      base: configOf(d, seeds[0]),
      axes,
      seeds: seeds.length > 1 ? seeds : undefined,
      // Drafts saved before the field existed have none.
      parallel: !onSlurm && (d.runsAtOnce ?? 1) > 1 ? d.runsAtOnce : undefined,
      ...(onSlurm ? { executor: 'slurm' as const, slurm: slurmOptionsOf(slurmDraft.value) } : {})
    })
    await load()
    return { kind: 'experiment', summary }
  }

  api.onEvent((e) => {
    if (e.type === 'experiment.changed') void load()
  })

  return { presets, choices, list, error, loaded, draft, draftIsDefault, slurm, executor, slurmDraft, load, resetDraft, launch }
})
