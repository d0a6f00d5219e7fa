// Read-modify-write with the store's compare-and-swap: on a lost race, back off with jitter, read again and reapply, so no concurrent write is lost.
import { setTimeout as sleep } from 'node:timers/promises'
import { isVersionMismatch, type ScimError, scimError, withResponseHeaders } from '../errors'
import { logStore } from '../log'
import { checkIfMatch, ifMatchVersions, type ScimRequest } from './request'

/** The first backoff ceiling, in ms: about one store round trip. */
export const BACKOFF_BASE_MS = 4
/** The largest backoff ceiling, in ms: the ceiling doubles per retry up to this, so no wait is long. */
export const BACKOFF_CAP_MS = 100
/** What the 503 of a request that gave up tells the client to wait, in seconds. */
export const RETRY_AFTER_SECONDS = 1

/** How one read-modify-write runs. */
export interface CompareAndSwap<R, T> {
  /** What is written, for logs and the 503 detail: `user`, `group`. */
  readonly what: string
  /** Reads the current record; undefined when there is none. */
  readonly read: () => Promise<R | undefined | null>
  /** The 404 to throw when there is no record. */
  readonly notFound: () => Error
  /** Checks `If-Match` against the record read (false for a request's own follow-up writes). */
  readonly honourIfMatch: boolean
  /** Computes and writes the change from the record read; throws `versionMismatch()` on a lost race. */
  readonly apply: (current: R) => Promise<T>
}

/**
 * True when the request's `If-Match` names a version (not only `*`): then the write must happen on that
 * version or not at all (RFC 7644 §3.14), so a lost race is 412, never a retry, and a write that cannot
 * be made conditional must not be made.
 */
export function ifMatchNamesVersion(request: ScimRequest): boolean {
  const tags = ifMatchVersions(request)
  return tags !== undefined && !tags.includes('*')
}

/**
 * How long to wait before retry number `attempt` (0 for the first), in ms: "full jitter", uniform
 * between 0 and a ceiling that starts at `BACKOFF_BASE_MS` and doubles per retry up to `BACKOFF_CAP_MS`.
 * Requests that lost the same race spread out instead of colliding again at once; the cap keeps the
 * wait of a request bounded (with the default 5 retries, at most 124 ms in all). No state is kept
 * between requests: each one draws its own delays. `random` is `Math.random` but for tests.
 */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * ceiling)
}

/**
 * The 503 for a request that lost its race `maxPatchRetries` times, with `Retry-After` (RFC 9110
 * §10.2.3) on the error (the adapter writes the headers attached by `withResponseHeaders`): the write is sound, only busy, and a
 * later retry will succeed.
 */
export function tooBusy(what: string): ScimError {
  const error = scimError(503, undefined, `The ${what} is changing too fast; retry the request`)
  return withResponseHeaders(error, { 'Retry-After': String(RETRY_AFTER_SECONDS) })
}

/**
 * After a lost race: throws `tooBusy` when `attempt` (0 for the first retry) used up `maxPatchRetries`,
 * else waits `retryDelay(attempt)` so that the next read sees the winner's write.
 */
export async function backOff(request: ScimRequest, what: string, attempt: number): Promise<void> {
  if (attempt >= request.config.maxPatchRetries) throw tooBusy(what)
  request.stores.retried(what === 'user' ? 'User' : 'Group')
  const delay = retryDelay(attempt)
  logStore(
    'version race on a %s, retry %d in %d ms (%s)',
    what,
    attempt + 1,
    delay,
    request.context.requestId,
  )
  await sleep(delay)
}

/**
 * Runs `apply` on a fresh read until it wins its compare-and-swap, at most `maxPatchRetries` retries
 * with `retryDelay` between them (then 503 with `Retry-After`). A request whose `If-Match` names its
 * version gets the 412 instead of a retry: it asked to change that version only.
 */
export async function compareAndSwap<R extends { readonly version: string }, T>(
  request: ScimRequest,
  run: CompareAndSwap<R, T>,
): Promise<T> {
  const explicit = run.honourIfMatch && ifMatchNamesVersion(request)
  for (let attempt = 0; ; attempt++) {
    const current = await run.read()
    if (!current) throw run.notFound()
    if (run.honourIfMatch) checkIfMatch(request, current.version)
    try {
      return await run.apply(current)
    } catch (error) {
      if (!isVersionMismatch(error) || explicit) throw error
    }
    await backOff(request, run.what, attempt)
  }
}
