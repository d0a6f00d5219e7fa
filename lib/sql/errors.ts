// Turns PostgreSQL failures (from pg or PGlite) into the SCIM errors a store throws: a unique violation as 409 uniqueness named by its constraint, an unavailable or overloaded database as 503 with Retry-After.
import type { SqlErrorOptions } from '../../types/sql'
import { configError, scimError, uniquenessConflict, withResponseHeaders } from '../errors'
import { isObject } from '../json'

/** Default `Retry-After` of a 503, in seconds: long enough for a failover or a pool to drain. */
const DEFAULT_RETRY_AFTER_SECONDS = 5

/**
 * SQLSTATEs that say the database cannot answer now, not that the request is wrong: the whole of
 * class 08 (connection exception) and 53 (insufficient resources), and the ones below. A retry later may
 * succeed, so the IdP gets 503 and retries (RFC 7644 §3.12 lists 503 for a server that is unavailable).
 */
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled: statement_timeout, lock_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57P05', // idle_session_timeout
])

/** Socket errors of a database that is down or unreachable (Node's `code`). */
const UNAVAILABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/**
 * pg's own messages for a pool that gave up waiting for a connection and a connection that died: they
 * carry no code. Matched on the message because pg offers nothing else; only the fixed prefix is read.
 */
const UNAVAILABLE_MESSAGES: readonly string[] = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
]

function readOptions(options: SqlErrorOptions | undefined): {
  constraints: ReadonlyMap<string, string>
  retryAfter: string
} {
  if (options !== undefined && !isObject(options)) {
    throw configError('ERR_INVALID_ARGUMENT', 'scimErrorFromSql options must be an object')
  }
  const constraints = new Map<string, string>()
  const given = options?.uniqueConstraints
  if (given !== undefined) {
    if (!isObject(given)) {
      throw configError('ERR_INVALID_ARGUMENT', 'uniqueConstraints must map constraint names to attributes')
    }
    for (const [name, attribute] of Object.entries(given)) {
      if (typeof attribute !== 'string' || attribute === '') {
        throw configError('ERR_INVALID_ARGUMENT', `uniqueConstraints "${name}" must name a SCIM attribute`)
      }
      constraints.set(name, attribute)
    }
  }
  const seconds: unknown = options?.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw configError('ERR_INVALID_ARGUMENT', 'retryAfterSeconds must be a whole number of seconds')
  }
  return { constraints, retryAfter: String(seconds) }
}

/** True when `error` says the database is unavailable, overloaded or timed out (see the sets above). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isObject(error) && !(error instanceof Error)) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string') {
    if (/^(08|53)[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_STATES.has(code)) return true
    if (UNAVAILABLE_SOCKET_CODES.has(code)) return true
  }
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((prefix) => message.startsWith(prefix))
}

/**
 * The SCIM error a store should throw for a database failure, or undefined when the failure is not one
 * the client or the moment explains (a bug in the store's SQL: rethrow it, the router answers 500 and
 * logs its class only):
 *
 * - a unique violation (SQLSTATE 23505) is 409 `uniqueness` naming the attribute its constraint protects
 *   in `uniqueConstraints` (by constraint or unique index name); an unnamed constraint still gives 409,
 *   without an attribute, and never the constraint's name or the duplicate value;
 * - a database that is down, unreachable, shutting down, out of connections, timed out or in a
 *   serialisation conflict is 503 with `Retry-After: retryAfterSeconds`.
 */
export function scimErrorFromSql(error: unknown, options?: SqlErrorOptions): Error | undefined {
  const { constraints, retryAfter } = readOptions(options)
  const code = isObject(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined
  if (code === '23505') {
    const constraint = (error as { constraint?: unknown }).constraint
    const attribute = typeof constraint === 'string' ? constraints.get(constraint) : undefined
    return attribute !== undefined
      ? uniquenessConflict(attribute)
      : scimError(409, 'uniqueness', 'A value that must be unique is already in use')
  }
  if (isDatabaseUnavailable(error)) {
    return withResponseHeaders(scimError(503, undefined, 'The database is unavailable; retry later'), {
      'Retry-After': retryAfter,
    })
  }
  return undefined
}

/**
 * Runs one store operation and throws `scimErrorFromSql(error)` in place of what it throws, when there
 * is one; anything else is rethrown as it is.
 */
export async function withSqlErrors<T>(run: () => Promise<T>, options?: SqlErrorOptions): Promise<T> {
  // Options are checked before the first query, so a typo fails at once, not on the first conflict.
  readOptions(options)
  try {
    return await run()
  } catch (error) {
    throw scimErrorFromSql(error, options) ?? error
  }
}
