// Runs a transaction again when the database rolled it back for a serialization failure or a deadlock (SQLSTATE 40001, 40P01): what SERIALIZABLE databases (CockroachDB, YugabyteDB, PostgreSQL at SERIALIZABLE) ask of every client.
import { setTimeout as sleep } from 'node:timers/promises'
import type { SqlRetryOptions } from '../../types/sql'
import { configError } from '../errors'
import { isObject } from '../json'

/**
 * The SQLSTATEs after which the same transaction, run again from its start, can succeed: the database
 * rolled it back whole and said so (PostgreSQL docs, "Serialization Failure Handling").
 */
const RETRIED_STATES: ReadonlySet<string> = new Set(['40001', '40P01'])

const DEFAULT_ATTEMPTS = 5
const DEFAULT_BASE_DELAY_MS = 10
/** The longest pause between two attempts: a request waits a few hundred ms at most, never seconds. */
const MAX_DELAY_MS = 250

/** True when `error` is a serialization failure or a deadlock, which a retry of the whole transaction resolves. */
export function isSerializationFailure(error: unknown): boolean {
  const code = isObject(error) || error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && RETRIED_STATES.has(code)
}

function readOptions(options: SqlRetryOptions | undefined): { attempts: number; baseDelayMs: number } {
  if (options !== undefined && !isObject(options)) {
    throw configError('ERR_INVALID_ARGUMENT', 'retry options must be an object')
  }
  const attempts: unknown = options?.attempts ?? DEFAULT_ATTEMPTS
  if (typeof attempts !== 'number' || !Number.isSafeInteger(attempts) || attempts < 1 || attempts > 100) {
    throw configError('ERR_INVALID_ARGUMENT', 'attempts must be a whole number from 1 to 100')
  }
  const baseDelayMs: unknown = options?.baseDelayMs ?? DEFAULT_BASE_DELAY_MS
  if (typeof baseDelayMs !== 'number' || !Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
    throw configError('ERR_INVALID_ARGUMENT', 'baseDelayMs must be a number of ms, 0 or more')
  }
  return { attempts, baseDelayMs: Math.min(baseDelayMs, MAX_DELAY_MS) }
}

/**
 * Runs `transaction` (the whole unit: BEGIN to COMMIT, or one auto-committed statement) and runs it
 * again, after a jittered pause, when it fails with a serialization failure or a deadlock, up to
 * `attempts` times in all; the last failure is thrown as it is (`withSqlErrors` makes it a 503).
 * Anything else is thrown at once. `transaction` must be safe to run again: it must not have done
 * anything outside the database that the rollback did not undo.
 */
export async function retrySerializationFailures<T>(
  transaction: () => Promise<T>,
  options?: SqlRetryOptions,
): Promise<T> {
  const { attempts, baseDelayMs } = readOptions(options)
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction()
    } catch (error) {
      if (attempt >= attempts || !isSerializationFailure(error)) throw error
    }
    // Full jitter: two transactions that collided are unlikely to collide again.
    const ceiling = Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** (attempt - 1))
    await sleep(Math.floor(Math.random() * ceiling))
  }
}
