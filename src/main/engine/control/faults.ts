// Fault injection for the fault suite (test/unit/faults): TAGBENCH_FAULT=point:<name>[@<n>] makes the
// process kill itself with SIGKILL the n-th time (default: the first) it reaches the named point, as
// a power cut or `kill -9` at that exact moment would. Unset, a point costs one env lookup.
// Points: features (a feature file written), step (between the micro-batches of a step),
// checkpoint (a checkpoint folder written, not yet swapped in), checkpoint-swap (between the two
// renames of the swap: the old checkpoint moved aside, the new one not yet in place), after-checkpoint
// (the epoch's checkpoint swapped in, its metrics entry not yet appended).
// TAGBENCH_FAULT=pause:<name>[@<n>] instead holds the process at that point until its parent is gone
// (its IPC channel closes), so a test can kill the parent at a known moment, whatever the load.
const hits = new Map<string, number>()

export type FaultPoint = 'features' | 'step' | 'checkpoint' | 'checkpoint-swap' | 'after-checkpoint'

/** Whether TAGBENCH_FAULT asks for `mode` at `name`, and this is the hit it names. */
function due(mode: 'point' | 'pause', name: FaultPoint): boolean {
  const spec = process.env.TAGBENCH_FAULT
  if (!spec) return false
  const m = /^(point|pause):([a-z-]+)(?:@(\d+))?$/.exec(spec)
  if (!m || m[1] !== mode || m[2] !== name) return false
  const key = `${mode}:${name}`
  const n = (hits.get(key) ?? 0) + 1
  hits.set(key, n)
  return n === Number(m[3] ?? 1)
}

export function faultPoint(name: FaultPoint): void {
  if (due('point', name)) process.kill(process.pid, 'SIGKILL')
}

/** Holds here, under pause:<name>, until the parent process is gone; at once otherwise. */
export async function faultPause(name: FaultPoint): Promise<void> {
  if (!due('pause', name)) return
  while (process.connected) await new Promise((resolve) => setTimeout(resolve, 50))
}
