// Whether ONNX Runtime's idle intra-op threads spin. Spinning saves a little wake-up latency per op on
// an idle machine and costs several times the wall clock when anything else wants the cores (the
// spinning threads and the other job's threads take turns on them): measured 4-5× slower with a
// second busy process on the 2-core build machine. So the engine spins only when the cores it uses
// would otherwise be idle. A plain function of what it is told, so that it can be tested and reported.

export interface SpinInput {
  /** TAGBENCH_ORT_SPIN: '0' or '1' decide; anything else is ignored. */
  env: string | undefined
  /** 1-minute load average. */
  load1: number
  cores: number
  /** Intra-op threads the session will run. */
  threads: number
  /**
   * Threads of this process that are busy now and so count in load1 (a running session's own
   * threads, when the decision is taken again mid-run); 0 before training starts.
   */
  ownThreads?: number
}

export interface SpinDecision {
  spinning: boolean
  /** Why, in a few words (for the run's log and note). */
  reason: string
}

/**
 * Spin when the cores left over after this session's threads can absorb the other load with half a
 * core to spare: other load < cores − threads + 0.5. On the 2-core machine with 2 threads that is
 * a 1-minute load under 0.5, i.e. an idle machine; on 16 cores with 8 threads, under 8.5.
 */
export function spinDecision(s: SpinInput): SpinDecision {
  if (s.env === '0' || s.env === '1') return { spinning: s.env === '1', reason: `TAGBENCH_ORT_SPIN=${s.env}` }
  const other = Math.max(0, s.load1 - (s.ownThreads ?? 0))
  const room = Math.max(0, s.cores - s.threads) + 0.5
  const load = other.toFixed(2)
  return other < room
    ? { spinning: true, reason: `other load ${load} < ${room} (idle cores)` }
    : { spinning: false, reason: `other load ${load} ≥ ${room}: the cores are shared` }
}
