// The one cancel check of long loops (training steps, micro-batches, evaluation batches). A cancel
// arrives as a message or a signal, which Node delivers only from its event loop; a loop whose awaits
// all settle at once (one training thread: tfjs-node or wasm work finishes synchronously) never lets
// the loop turn, so each check first yields to it (setImmediate, well under a millisecond).
export const CANCELLED = 'Training cancelled'

export const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Yields to the event loop, then throws the CANCELLED error if `signal` has been aborted meanwhile. */
export async function cancelPoint(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return
  await yieldToEvents()
  if (signal.aborted) throw new Error(CANCELLED)
}

export const isCancel = (err: unknown, signal?: AbortSignal): boolean => (err instanceof Error && err.message === CANCELLED) || !!signal?.aborted
