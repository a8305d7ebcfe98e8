// Fault injection for the fault suite (test/unit/faults): TAGBENCH_FAULT=point:<name>[@<n>] makes the
// process kill itself with SIGKILL the n-th time (default: the first) it reaches the named point, as
// a power cut or `kill -9` at that exact moment would. Unset, a point costs one env lookup.
// Points: features (a feature file written), step (between the micro-batches of a step),
// checkpoint (a checkpoint folder written, not yet swapped in), checkpoint-swap (between the two
// renames of the swap: the old checkpoint moved aside, the new one not yet in place), after-checkpoint
// (the epoch's checkpoint swapped in, its metrics entry not yet appended).
const hits = new Map<string, number>()

export type FaultPoint = 'features' | 'step' | 'checkpoint' | 'checkpoint-swap' | 'after-checkpoint'

export function faultPoint(name: FaultPoint): void {
  const spec = process.env.TAGBENCH_FAULT
  if (!spec) return
  const m = /^point:([a-z-]+)(?:@(\d+))?$/.exec(spec)
  if (!m || m[1] !== name) return
  const n = (hits.get(name) ?? 0) + 1
  hits.set(name, n)
  if (n === Number(m[2] ?? 1)) process.kill(process.pid, 'SIGKILL')
}
