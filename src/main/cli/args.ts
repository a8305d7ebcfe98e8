// Checks of option values for the CLI commands: each error names the option and the value given.
// (commander parses the command line; these say what a value must be.)

export function positiveInt(value: string, what: string): number
export function positiveInt(value: string | undefined, what: string): number | undefined
export function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got "${value}"`)
  return n
}

export function positiveNumber(value: string, what: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number, got "${value}"`)
  return n
}

export function finiteNumber(value: string, what: string): number {
  const n = Number(value)
  if (!Number.isFinite(n)) throw new Error(`${what} must be a number, got "${value}"`)
  return n
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${what} must be one of ${allowed.join(', ')}, got "${value}"`)
  return value as T
}
