// Read-modify-write with the store's compare-and-swap: on a lost race, read again and reapply, so no concurrent write is lost.
import { isVersionMismatch, scimError } from '../errors'
import { logStore } from '../log'
import { checkIfMatch, type Exchange, ifMatchVersions } from './exchange'

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
 * Runs `apply` on a fresh read until it wins its compare-and-swap, at most `maxPatchRetries` retries
 * (then 503). A request that named its version with `If-Match` gets the 412 instead of a retry: it
 * asked to change that version only.
 */
export async function compareAndSwap<R extends { readonly version: string }, T>(
  exchange: Exchange,
  run: CompareAndSwap<R, T>,
): Promise<T> {
  const explicit = run.honourIfMatch && ifMatchVersions(exchange.request) !== undefined
  for (let attempt = 0; ; attempt++) {
    const current = await run.read()
    if (!current) throw run.notFound()
    if (run.honourIfMatch) checkIfMatch(exchange, current.version)
    try {
      return await run.apply(current)
    } catch (error) {
      if (!isVersionMismatch(error) || explicit) throw error
      if (attempt >= exchange.config.maxPatchRetries) {
        throw scimError(503, undefined, `The ${run.what} is changing too fast; retry the request`)
      }
      logStore('version race on a %s, retry %d (%s)', run.what, attempt + 1, exchange.context.requestId)
    }
  }
}
