// The grafana-host example's database for tests: migrated PGlite (in a worker, as Jest needs) and, when EXPRESS_SCIM_TEST_PG_URL is set, a fresh schema on the server.
import { randomBytes } from 'node:crypto'
import { Pool } from 'pg'
import {
  type ConnectionSettings,
  connectionOptions,
  type Database,
  pgDatabase,
  serialDatabase,
} from '../../examples/grafana-host/db'
import { migrate, statementsOf } from '../../examples/grafana-host/migrate'
import { openPglite } from './sql-fixture'

/** A migrated host database and how to get rid of it. */
export interface HostDatabase {
  readonly db: Database
  close(): Promise<void>
}

/**
 * A value from the worker, rebuilt in this realm: Jest runs tests in their own realm, where the worker's
 * Dates, arrays and objects fail `instanceof` and deep-equality checks.
 */
function inThisRealm(value: unknown): unknown {
  if (Object.prototype.toString.call(value) === '[object Date]') return new Date((value as Date).getTime())
  if (Array.isArray(value)) return Array.from(value, inThisRealm)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, inThisRealm(inner)]))
  }
  return value
}

/** A migrated in-memory PGlite database. */
export async function openHostPglite(): Promise<HostDatabase> {
  const engine = openPglite()
  const db = serialDatabase({
    query: async (text, values) => {
      const result = await engine.query(text, values)
      return { rows: Array.from(result.rows, (row) => inThisRealm(row) as Record<string, unknown>) }
    },
    // The worker runs one statement per call: a script goes statement by statement.
    exec: async (script) => {
      for (const statement of statementsOf(script)) await engine.query(statement)
    },
    close: engine.close,
  })
  await migrate(db)
  return { db, close: () => db.close() }
}

/** A migrated fresh schema on the server at `url`, its connections set up by `settings`, dropped on close. */
export async function openHostServer(url: string, settings?: ConnectionSettings): Promise<HostDatabase> {
  const schema = `grafana_host_${randomBytes(6).toString('hex')}`
  const admin = new Pool({ connectionString: url, max: 1 })
  await admin.query(`create schema ${schema}`)
  await admin.end()
  // Every connection of the pool works in the schema.
  const pool = new Pool({
    connectionString: url,
    max: 10,
    options: `-c search_path=${schema} ${connectionOptions(settings)}`,
  })
  const db = pgDatabase(pool)
  await migrate(db)
  return {
    db,
    close: async () => {
      await db.close()
      const cleanup = new Pool({ connectionString: url, max: 1 })
      try {
        await cleanup.query(`drop schema ${schema} cascade`)
      } finally {
        await cleanup.end()
      }
    },
  }
}

export const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL

/** The engines the host's tests run on: PGlite always, the server (READ COMMITTED and SERIALIZABLE) when its URL is set. */
export const HOST_ENGINES: readonly { readonly name: string; readonly open: () => Promise<HostDatabase> }[] =
  [
    { name: 'PGlite', open: openHostPglite },
    ...(serverUrl
      ? [
          { name: 'the PostgreSQL server', open: () => openHostServer(serverUrl) },
          // What CockroachDB and YugabyteDB run: the stores must stay correct through serialization failures.
          {
            name: 'the PostgreSQL server at SERIALIZABLE',
            open: () => openHostServer(serverUrl, { isolation: 'serializable' }),
          },
        ]
      : []),
  ]

if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: the grafana-host tests run on PGlite only, not on a server',
  )
}
