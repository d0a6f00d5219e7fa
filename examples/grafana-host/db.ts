// The host's database: PostgreSQL through a `pg` pool, or an embedded PGlite kept in a data folder; one small interface for both, with transactions.
import { createHash } from 'node:crypto'
import { Pool, type PoolClient } from 'pg'
import { retrySerializationFailures } from '../../lib/sql'

/** Something that runs one parameterised statement. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<{ rows: R[] }>
}

/** The database the stores and pages use. */
export interface Database extends Queryable {
  /** Runs a script of several statements without parameters (set-up scripts; the migrations run statement by statement). */
  exec(script: string): Promise<void>
  /**
   * Runs `work` in one transaction (at the connection's isolation level, see `connectionOptions`),
   * committed when it resolves and rolled back when it throws; run again from the start when the
   * database rolled it back for a serialization failure or a deadlock (40001, 40P01), so `work` must do
   * nothing outside the database. Statements inside go through `tx`, never through the database itself.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>
  /** Closes the pool or the embedded database. */
  close(): Promise<void>
  /** `postgres` or `pglite`: for the start-up line and the status page. */
  readonly kind: 'postgres' | 'pglite'
}

/**
 * Most distinct statements prepared by name. The stores send a few dozen texts (a filter's text depends
 * on its shape, not its values); past the bound, statements run unnamed, so no stream of odd filter
 * shapes can grow the server's per-connection statement cache without end.
 */
const PREPARED_STATEMENTS = 200

/** The isolation levels the stores are written for: both keep every SCIM operation correct. */
export type Isolation = 'read committed' | 'serializable'

/** How each connection of the host's pool is set up. */
export interface ConnectionSettings {
  /**
   * Every transaction's and statement's isolation (default `read committed`). `serializable` is what
   * distributed PostgreSQL-compatible databases (CockroachDB, YugabyteDB) run; the stores then rely on
   * the retries of serialization failures.
   */
  readonly isolation?: Isolation
  /**
   * The longest a statement may run, lock waits included, in ms (default 10,000; 0 for none). One that
   * runs longer is cancelled (57014): its transaction rolls back and the request answers 503.
   */
  readonly statementTimeoutMs?: number
}

/** The default statement timeout: far above any SCIM operation's statements, far below an IdP's timeout. */
export const STATEMENT_TIMEOUT_MS = 10_000

/**
 * The libpq `options` startup parameter for `settings`: the server applies it to the session before the
 * first statement, so no statement of the pool ever runs under other settings.
 */
export function connectionOptions(settings: ConnectionSettings = {}): string {
  const isolation = settings.isolation ?? 'read committed'
  if (isolation !== 'read committed' && isolation !== 'serializable') {
    throw new TypeError(`isolation must be 'read committed' or 'serializable', not ${String(isolation)}`)
  }
  const timeout = settings.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS
  if (!Number.isSafeInteger(timeout) || timeout < 0) {
    throw new TypeError('statementTimeoutMs must be a whole number of ms, 0 or more')
  }
  return `-c default_transaction_isolation=${isolation.replace(' ', '\\ ')} -c statement_timeout=${timeout}`
}

/**
 * A database over a `pg` pool: each transaction on its own client, run again on a serialization failure
 * or a deadlock (and so is a statement outside a transaction, which is one of its own). Parameterised
 * statements are prepared by name, once per connection (PostgreSQL then skips parsing and, after a few
 * runs, planning: a lookup costs about a third less).
 */
export function pgDatabase(pool: Pool): Database {
  const names = new Map<string, string>()
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text)
    if (name === undefined && names.size < PREPARED_STATEMENTS) {
      // Named by the text's digest: two databases over one pool agree on every name.
      name = `grafana_host_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
      names.set(text, name)
    }
    return name
  }
  const asQueryable = (client: Pool | PoolClient): Queryable => ({
    query: async (text, values) => {
      const name = values === undefined ? undefined : nameOf(text)
      const result = await client.query({
        text,
        ...(name ? { name } : {}),
        ...(values ? { values: [...values] } : {}),
      })
      return { rows: result.rows }
    },
  })
  const direct = asQueryable(pool)
  return {
    kind: 'postgres',
    query: (text, values) => retrySerializationFailures(() => direct.query(text, values)),
    exec: async (script) => {
      await pool.query(script)
    },
    transaction: (work) => retrySerializationFailures(() => transactionOnce(work)),
    close: () => pool.end(),
  }

  async function transactionOnce<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let broken = false
    try {
      await client.query('begin')
      const result = await work(asQueryable(client))
      await client.query('commit')
      return result
    } catch (error) {
      try {
        await client.query('rollback')
      } catch {
        // The connection failed with the transaction: do not hand it to the next caller.
        broken = true
      }
      throw error
    } finally {
      client.release(broken)
    }
  }
}

/** One connection that runs one statement at a time (PGlite): query, exec and close. */
export interface SingleConnection {
  query(text: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>
  exec(script: string): Promise<void>
  close(): Promise<void>
}

/**
 * A database over one connection. A transaction holds the connection from BEGIN to COMMIT, so every
 * statement (inside a transaction or not) waits its turn in one queue: nothing of one request can run
 * inside another's transaction.
 */
export function serialDatabase(connection: SingleConnection, kind: Database['kind'] = 'pglite'): Database {
  let tail: Promise<unknown> = Promise.resolve()
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work)
    tail = run.catch(() => undefined)
    return run
  }
  const direct: Queryable = {
    query: async <R extends Record<string, unknown>>(text: string, values?: readonly unknown[]) =>
      (await connection.query(text, values)) as { rows: R[] },
  }
  return {
    kind,
    query: (text, values) => inTurn(() => direct.query(text, values)),
    exec: (script) => inTurn(() => connection.exec(script)),
    transaction: (work) =>
      inTurn(async () => {
        await connection.query('begin')
        try {
          const result = await work(direct)
          await connection.query('commit')
          return result
        } catch (error) {
          await connection.query('rollback')
          throw error
        }
      }),
    close: () => inTurn(() => connection.close()),
  }
}

/**
 * A connection URL split into the URL without its `options` parameter and that parameter. pg lets a
 * URL's `options` replace the `options` it is given, which would drop the host's settings silently.
 */
function splitOptions(url: string): { url: string; options: string | null } {
  try {
    const parsed = new URL(url)
    const options = parsed.searchParams.get('options')
    parsed.searchParams.delete('options')
    return { url: options === null ? url : parsed.toString(), options }
  } catch {
    // A form URL cannot read: pg reports what is wrong with it when it connects.
    return { url, options: null }
  }
}

/**
 * Opens the database `npm start` uses: the PostgreSQL server `url` names (each connection set up by
 * `settings`), else an embedded PGlite database kept in `dataDir` (created when missing), so data
 * survives a restart with nothing installed.
 */
export async function openDatabase(options: {
  url?: string
  dataDir: string
  settings?: ConnectionSettings
}): Promise<Database> {
  if (options.url) {
    const given = splitOptions(options.url)
    const pool = new Pool({
      connectionString: given.url,
      // The URL's own `options` (e.g. `?options=-c search_path=grafana`) first: the settings add to them.
      options: [given.options, connectionOptions(options.settings)].filter(Boolean).join(' '),
      max: 10,
      // A request that cannot get a connection within 5 s fails as 503 (withSqlErrors) rather than queueing forever.
      connectionTimeoutMillis: 5_000,
    })
    // An idle connection the server or the network dropped: the pool discards it and opens another on
    // demand. Without a listener, pg's 'error' event would end the process.
    pool.on('error', (error: Error & { code?: string }) =>
      console.error('database connection lost (%s): the pool opens a new one', error.code ?? error.name),
    )
    return pgDatabase(pool)
  }
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await PGlite.create(options.dataDir)
  return serialDatabase({
    query: (text, values) => db.query(text, values === undefined ? undefined : [...values]),
    exec: async (script) => {
      await db.exec(script)
    },
    close: () => db.close(),
  })
}
