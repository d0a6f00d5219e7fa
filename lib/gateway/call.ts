// One host call through the gateway: traced, timed, its result checked, and any failure that is not a SCIM error turned into a bare 500.
import type { KeysetPage, ListPage } from '../../types/stores'
import { isScimError } from '../errors'
import { errorClass, logStore } from '../log'

/** Where store calls are traced; the router's request trace (lib/telemetry) is one. */
export interface StoreCallTracer {
  /**
   * Runs one host call as a child of the request's span, recording its latency. The call may answer a
   * plain value or throw before it returns: the promise resolves or rejects with it.
   */
  storeCall<T>(name: string, call: () => T | PromiseLike<T>): Promise<T>
  /** Counts one compare-and-swap retry. */
  retried(resourceType: string): void
}

/** The tracer of a router without telemetry: calls run as they are. */
export const UNTRACED: StoreCallTracer = Object.freeze({
  storeCall: <T>(_name: string, call: () => T | PromiseLike<T>): Promise<T> => {
    try {
      return Promise.resolve(call())
    } catch (error) {
      return Promise.reject(error)
    }
  },
  retried: () => {},
})

/**
 * Runs `call` (a host method) as `name`, and `check` on what it returns, in one `then`. A SCIM error the
 * host threw on purpose (`uniquenessConflict()`, `versionMismatch()`, a 503 of its own) passes through;
 * anything else is logged here with the call's name and the error's class only (its message may hold
 * client data or a connection string), and goes on to the adapter, which answers a 500 that says nothing.
 * `failed`, when given, sees every failure (the call's or the check's) and decides what is thrown.
 */
export function hostCall<T, R = T>(
  tracer: StoreCallTracer,
  name: string,
  requestId: string,
  call: () => T | PromiseLike<T>,
  check?: (value: T) => R,
  failed: (error: unknown) => never = rethrow,
): Promise<R> {
  const callFailed = (error: unknown): never => {
    if (!isScimError(error)) logStore('%s failed: %s (%s)', name, errorClass(error), requestId)
    return failed(error)
  }
  // A check's throw rejects the `then` by itself; only a `failed` of the caller's needs it routed there.
  const checked =
    check === undefined || failed === rethrow
      ? check
      : (value: T): R => {
          try {
            return check(value)
          } catch (error) {
            return failed(error)
          }
        }
  // The tracer settles the call (a plain value, a throw before it returns): one promise, and one `then`.
  let settled: Promise<T>
  try {
    settled = tracer.storeCall(name, call)
  } catch (error) {
    // A tracer of the host's own that throws (tests pass such fakes) still gives a rejection.
    settled = Promise.reject(error)
  }
  return settled.then(checked, callFailed) as Promise<R>
}

function rethrow(error: unknown): never {
  throw error
}

/** A broken adapter's answer is a 500, not a malformed response: every result is checked here. */
export function brokenStore(name: string, what: string): Error {
  return new Error(`express-scim: ${name} must return ${what}`)
}

/** Checks a created or updated record: an object with string `id` and `version`. */
export function checkRecord<T extends { readonly id: string; readonly version: string }>(
  record: T | undefined | null,
  name: string,
  optional: boolean,
): T | undefined {
  if (record === undefined || record === null) {
    if (optional) return undefined
    throw brokenStore(name, 'the stored record')
  }
  if (typeof record !== 'object' || typeof record.id !== 'string' || typeof record.version !== 'string') {
    throw brokenStore(name, 'a record with a string id and version')
  }
  return record
}

/** Checks what a store returned for a page, and never passes on more than asked. */
export function checkPage<T>(page: unknown, count: number, name = 'a store list()'): ListPage<T> {
  const candidate = page as { totalResults?: unknown; resources?: unknown } | null | undefined
  if (
    !candidate ||
    typeof candidate.totalResults !== 'number' ||
    !Number.isSafeInteger(candidate.totalResults) ||
    candidate.totalResults < 0 ||
    !Array.isArray(candidate.resources)
  ) {
    throw brokenStore(name, '{ totalResults, resources }')
  }
  const resources =
    candidate.resources.length > count ? candidate.resources.slice(0, count) : candidate.resources
  return { totalResults: candidate.totalResults, resources: resources as readonly T[] }
}

/** The longest position a store may hand out: it travels inside a cursor, in a URL. */
export const MAX_POSITION_LENGTH = 2048

/**
 * Checks what a store returned for a keyset page (`listAfter`): resources and one string position each,
 * `more` a boolean, `totalResults` absent or a count. Never passes on more than asked.
 */
export function checkKeysetPage<T>(page: unknown, count: number, name: string): KeysetPage<T> {
  const candidate = page as Partial<Record<keyof KeysetPage<T>, unknown>> | null | undefined
  const total = candidate?.totalResults
  if (
    !candidate ||
    !Array.isArray(candidate.resources) ||
    !Array.isArray(candidate.positions) ||
    candidate.positions.length !== candidate.resources.length ||
    !candidate.positions.every(
      (position) => typeof position === 'string' && position.length <= MAX_POSITION_LENGTH,
    ) ||
    typeof candidate.more !== 'boolean' ||
    (total !== undefined && !(typeof total === 'number' && Number.isSafeInteger(total) && total >= 0))
  ) {
    throw brokenStore(
      name,
      '{ resources, positions (a string of at most 2048 characters each), more, totalResults? }',
    )
  }
  const cut = candidate.resources.length > count
  return {
    resources: (cut ? candidate.resources.slice(0, count) : candidate.resources) as readonly T[],
    positions: (cut ? candidate.positions.slice(0, count) : candidate.positions) as readonly string[],
    // Resources cut off are resources that follow.
    more: cut || candidate.more,
    ...(total === undefined ? {} : { totalResults: total as number }),
  }
}

/** Most reads one request remembers: enough for the few records an operation re-reads, bounded for any input. */
export const MEMO_LIMIT = 64

/**
 * One request's remembered reads by id, at most `MEMO_LIMIT` (the oldest forgotten first: a Map keeps
 * insertion order). Most requests read one record, or none: the first read is held in two fields, and the
 * Map is made only for a second id. A read that fails, or whose record `check` refuses, is forgotten, so
 * the next caller asks the store again.
 */
export class ReadMemo<V> {
  #firstId: string | undefined
  #first: Promise<V> | undefined
  #reads: Map<string, Promise<V>> | undefined

  /**
   * The remembered read of `id`, else the one `read` starts, remembered. `read` is handed `forget`: the
   * read must call it with any failure (its own, or its check's), so that the failure is not remembered.
   */
  read(id: string, read: (forget: (error: unknown) => never) => Promise<V>): Promise<V> {
    const remembered = this.peek(id)
    if (remembered) return remembered
    const forget = (error: unknown): never => {
      this.#forget(id, pending)
      throw error
    }
    const pending = read(forget)
    if (this.#first === undefined && this.#reads === undefined) {
      this.#firstId = id
      this.#first = pending
      return pending
    }
    if (this.#reads === undefined) {
      // The second id: from now on the Map holds them all, the first one first.
      this.#reads = new Map()
      if (this.#first !== undefined) this.#reads.set(this.#firstId!, this.#first)
      this.#firstId = undefined
      this.#first = undefined
    }
    if (this.#reads.size >= MEMO_LIMIT) this.#reads.delete(this.#reads.keys().next().value as string)
    this.#reads.set(id, pending)
    return pending
  }

  /** The remembered read of `id`, if any. */
  peek(id: string): Promise<V> | undefined {
    if (this.#reads !== undefined) return this.#reads.get(id)
    return this.#firstId === id ? this.#first : undefined
  }

  /** Forgets every read (a write may have changed any of them). */
  clear(): void {
    this.#firstId = undefined
    this.#first = undefined
    this.#reads?.clear()
  }

  /** Forgets the read of `id` if it is still `pending` (a later read may have replaced it). */
  #forget(id: string, pending: Promise<V>): void {
    if (this.#reads !== undefined) {
      if (this.#reads.get(id) === pending) this.#reads.delete(id)
    } else if (this.#firstId === id && this.#first === pending) {
      this.#firstId = undefined
      this.#first = undefined
    }
  }
}
