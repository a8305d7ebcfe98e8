// Loops over tens of thousands of rows or files hand the event loop back every so often, so that an
// import running in the app process does not hold up IPC, progress events or the server meanwhile.
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** A function to call once per item: every `every`-th call it yields to the event loop. */
export function makeBreather(every = 2000): () => Promise<void> | undefined {
  let n = 0
  return () => (++n % every === 0 ? yieldToLoop() : undefined)
}
