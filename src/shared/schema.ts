// A small validation layer for plain JSON values: API parameters (./apiSchema), grid and config files
// (the engine's readGridFile). Each schema checks a value and returns it typed, or throws a
// ValidationError that names the path of the bad field ("pretrained.kind must be one of …, got
// "x""). Hand-written rather than a library because the renderer bundle shares it and the
// messages must name fields the way our users write them (did-you-mean for unknown keys).

export class ValidationError extends Error {
  constructor(
    message: string,
    /** Where in the value: "" for the value itself, "base.lr", "axes[2].values". */
    readonly at: string
  ) {
    super(message)
    this.name = 'ValidationError'
  }
}

export interface Schema<T> {
  /** Checks `value`; returns it (typed) or throws a ValidationError naming `at`. */
  parse(value: unknown, at?: string): T
  /** What the schema wants, for messages: "a string", "an integer ≥ 1". */
  readonly expects: string
  /** Whether an object field with this schema may be absent (or undefined). */
  readonly optional?: boolean
}

export type Infer<S> = S extends Schema<infer T> ? T : never

/** A short, safe rendering of a bad value for a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  return `${typeof value} ${String(value)}`
}

const fail = (at: string, expects: string, value: unknown): never => {
  throw new ValidationError(`${at || 'the value'} must be ${expects}, got ${show(value)}`, at)
}

const join = (at: string, key: string | number): string => (typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${key}` : key)

function schema<T>(expects: string, check: (v: unknown, at: string) => T): Schema<T> {
  return { expects, parse: (v, at = '') => check(v, at) }
}

export function string(opts: { nonEmpty?: boolean; maxLength?: number } = {}): Schema<string> {
  const expects = opts.nonEmpty ? 'a non-empty string' : 'a string'
  return schema(expects, (v, at) => {
    if (typeof v !== 'string' || (opts.nonEmpty && v.trim() === '')) return fail(at, expects, v)
    if (opts.maxLength !== undefined && v.length > opts.maxLength) return fail(at, `${expects} of at most ${opts.maxLength} characters`, v)
    return v
  })
}

export function number(opts: { integer?: boolean; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {}): Schema<number> {
  const bounds = [opts.min !== undefined ? `${opts.minExclusive ? '>' : '≥'} ${opts.min}` : '', opts.max !== undefined ? `${opts.maxExclusive ? '<' : '≤'} ${opts.max}` : ''].filter(Boolean).join(' and ')
  const expects = `${opts.integer ? 'an integer' : 'a finite number'}${bounds ? ` ${bounds}` : ''}`
  return schema(expects, (v, at) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) return fail(at, expects, v)
    if (opts.min !== undefined && (opts.minExclusive ? v <= opts.min : v < opts.min)) return fail(at, expects, v)
    if (opts.max !== undefined && (opts.maxExclusive ? v >= opts.max : v > opts.max)) return fail(at, expects, v)
    return v
  })
}

export const boolean = (): Schema<boolean> => schema('true or false', (v, at) => (typeof v === 'boolean' ? v : fail(at, 'true or false', v)))

export function oneOf<const T extends readonly (string | number)[]>(values: T): Schema<T[number]> {
  const expects = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`
  return schema(expects, (v, at) => ((values as readonly unknown[]).includes(v) ? (v as T[number]) : fail(at, expects, v)))
}

export function literal<const T extends string | number | boolean>(value: T): Schema<T> {
  return schema(JSON.stringify(value), (v, at) => (v === value ? value : fail(at, JSON.stringify(value), v)))
}

export const unknown = (): Schema<unknown> => schema('any value', (v) => v)

export function array<T>(item: Schema<T>, opts: { nonEmpty?: boolean; maxLength?: number } = {}): Schema<T[]> {
  const expects = `${opts.nonEmpty ? 'a non-empty list' : 'a list'} of ${item.expects.replace(/^an? /, '').replace(/^one of/, 'values among')}`
  return schema(expects, (v, at) => {
    if (!Array.isArray(v) || (opts.nonEmpty && v.length === 0)) return fail(at, expects, v)
    if (opts.maxLength !== undefined && v.length > opts.maxLength) return fail(at, `a list of at most ${opts.maxLength} items`, v)
    return v.map((x, i) => item.parse(x, join(at, i)))
  })
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return { expects: inner.expects, optional: true, parse: (v, at = '') => (v === undefined ? undefined : inner.parse(v, at)) }
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return schema(`${inner.expects} or null`, (v, at) => (v === null ? null : inner.parse(v, at)))
}

/**
 * Either of two schemas (the first that accepts). When one of them got past the value's shape and
 * failed on a field inside it, that field's message is the one shown; otherwise both are named.
 */
export function either<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  const expects = `${a.expects} or ${b.expects}`
  return schema(expects, (v, at) => {
    let first: unknown
    try {
      return a.parse(v, at)
    } catch (err) {
      first = err
    }
    try {
      return b.parse(v, at)
    } catch (err) {
      for (const e of [first, err]) if (e instanceof ValidationError && e.at !== at) throw e
      return fail(at, expects, v)
    }
  })
}

/** Edit distance, for "did you mean" on unknown keys and names. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]
}

/**
 * The closest of `known` to `word`, when it is close enough to be a likely slip: compared without
 * case, `_` and `-` (so learning_rate finds… nothing, but epoch finds epochs and batch_size batchSize).
 */
export function didYouMean(word: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, '')
  const w = norm(word)
  let best: string | null = null
  let bestD = Infinity
  for (const k of known) {
    const kn = norm(k)
    const d = kn === w ? 0 : kn.startsWith(w) || w.startsWith(kn) ? Math.abs(kn.length - w.length) : editDistance(w, kn)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : null
}

/** Known names for an unknown-key message: the suggestion if one is close, else the list. */
export function unknownName(what: string, word: string, known: readonly string[]): string {
  const guess = didYouMean(word, known)
  return guess ? `${what} "${word}" (did you mean "${guess}"?)` : `${what} "${word}" (known: ${known.join(', ')})`
}

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : undefined extends Infer<S[K]> ? K : never }[keyof S]
export type ObjectOf<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)

/**
 * A plain object with these fields. Unknown keys are refused (strict, the default) with a
 * did-you-mean suggestion, so a typo never becomes a silently ignored setting.
 */
export function object<S extends Shape>(shape: S, opts: { strict?: boolean } = {}): Schema<ObjectOf<S>> & { shape: S } {
  const strict = opts.strict ?? true
  const keys = Object.keys(shape)
  const expects = 'an object'
  return {
    expects,
    shape,
    parse(v, at = '') {
      if (!isPlainObject(v)) return fail(at, expects, v)
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        if (!Object.prototype.hasOwnProperty.call(shape, key)) {
          if (strict) throw new ValidationError(`${at ? `${at}: ` : ''}unknown ${unknownName('field', key, keys)}`, join(at, key))
        }
      }
      for (const key of keys) {
        const field = shape[key]
        const value = Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined
        if (value === undefined && !field.optional) {
          // A required field: its own schema may still accept undefined (e.g. unknown()).
          try {
            const parsed = field.parse(undefined, join(at, key))
            if (parsed !== undefined) out[key] = parsed
            continue
          } catch {
            throw new ValidationError(`${join(at, key)} is missing (${field.expects})`, join(at, key))
          }
        }
        const parsed = field.parse(value, join(at, key))
        if (parsed !== undefined) out[key] = parsed
      }
      return out as ObjectOf<S>
    }
  }
}

/** A plain object whose keys are free (e.g. a grid's `axes` map) and whose values match `value`. */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  return schema('an object', (v, at) => {
    if (!isPlainObject(v)) return fail(at, 'an object', v)
    const out: Record<string, T> = {}
    // defineProperty: a key named "__proto__" stays a key, never the object's prototype.
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: value.parse(x, join(at, k)), enumerable: true, writable: true, configurable: true })
    return out
  })
}

/** Objects told apart by one field (`kind`), each with its own fields. */
export function tagged<K extends string, V extends Record<string, Schema<unknown> & { shape: Shape }>>(key: K, variants: V): Schema<Infer<V[keyof V]>> {
  const names = Object.keys(variants)
  return schema(`an object with ${key} ${names.join(', ')}`, (v, at) => {
    if (!isPlainObject(v)) return fail(at, `an object with ${key} ${names.join(' | ')}`, v)
    const tag = v[key]
    if (typeof tag !== 'string' || !Object.prototype.hasOwnProperty.call(variants, tag)) return fail(join(at, key), `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`, tag)
    return variants[tag].parse(v, at) as Infer<V[keyof V]>
  })
}

/** No parameters: undefined, null or an empty object. */
export const none = (): Schema<void> =>
  schema('no parameters', (v, at) => {
    if (v === undefined || v === null || (isPlainObject(v) && Object.keys(v).length === 0)) return undefined
    return fail(at, 'empty (this request takes no parameters)', v)
  })
