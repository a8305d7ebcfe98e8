// Errors from the engine already carry a message for the user (it names the file or run).
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'string' ? err : JSON.stringify(err)
}
