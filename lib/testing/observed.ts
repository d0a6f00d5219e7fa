// A value under test together with the call that produced it, so a failed check can say where it came from.
import { AssertionError } from 'node:assert/strict'
import { summarize } from './summary'

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }

/**
 * A failed check. `operator: 'fail'` makes Jest print the message alone (as for `assert.fail()`) rather
 * than an empty expected / received comparison.
 */
export function failure(message: string, check?: (...args: never[]) => unknown): AssertionError {
  return new AssertionError({ message, operator: 'fail', ...(check ? { stackStartFn: check } : {}) })
}

/** `409 uniqueness: userName is already in use`, or whatever was thrown, summarized. */
export function describeError(error: unknown): string {
  const { status, scimType, message } = (error ?? {}) as {
    status?: unknown
    scimType?: unknown
    message?: unknown
  }
  if (typeof status !== 'number') return `an error without a status: ${summarize(error)}`
  const type = typeof scimType === 'string' ? ` ${scimType}` : ''
  return typeof message === 'string' ? `${status}${type}: ${summarize(message, 120)}` : `${status}${type}`
}

/**
 * What a call resolved to or failed with, and its description (`store.get("u1", ctx("acme"))`). The
 * checks of `./assert` take one, so every failure message names the call and its arguments.
 */
export class Observed<T> {
  readonly #outcome: Outcome<T>

  /** Use `observe()` for a call, `observed()` for a value at hand. */
  constructor(
    /** The call or expression that gave the value. */
    readonly source: string,
    outcome: Outcome<T>,
  ) {
    this.#outcome = outcome
  }

  /** True when the call threw or rejected. */
  get failed(): boolean {
    return !this.#outcome.ok
  }

  /** What the call threw or rejected with; undefined when it resolved. */
  get error(): unknown {
    return this.#outcome.ok ? undefined : this.#outcome.error
  }

  /** What the call resolved to; an `AssertionError` naming the call when it failed instead. */
  get value(): T {
    if (this.#outcome.ok) return this.#outcome.value
    throw failure(`${this.source} should resolve, but it failed with ${describeError(this.#outcome.error)}`)
  }

  /** A value derived from this one, described as `<source><label>` (`store.get(…).version`). */
  map<U>(label: string, derive: (value: T) => U): Observed<U> {
    if (!this.#outcome.ok) return new Observed<U>(this.source, this.#outcome)
    return new Observed(`${this.source}${label}`, { ok: true, value: derive(this.#outcome.value) })
  }

  /** The property `key` of the value (undefined when the value is missing), described as `<source>.key`. */
  get<K extends keyof NonNullable<T>>(key: K): Observed<NonNullable<T>[K] | undefined> {
    return this.map(`.${String(key)}`, (value) => (value ?? undefined)?.[key as keyof T] as NonNullable<T>[K])
  }
}

/** A value at hand, described by `source`. */
export function observed<T>(source: string, value: T): Observed<T> {
  return new Observed(source, { ok: true, value })
}

/** Runs `action` (a store may throw or reject) and records what it gave, described by `source`. */
export async function observe<T>(
  source: string,
  action: () => T | PromiseLike<T>,
): Promise<Observed<Awaited<T>>> {
  try {
    return new Observed(source, { ok: true, value: await action() })
  } catch (error) {
    return new Observed<Awaited<T>>(source, { ok: false, error })
  }
}
