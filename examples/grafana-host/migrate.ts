// Applies the ordered SQL migrations in ./migrations once each: replicas starting together apply each once, coordinated by the migrations table's primary key (no advisory lock: distributed SQL databases have none).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from './db'

const MIGRATIONS_DIR = join(__dirname, 'migrations')

/**
 * SQLSTATEs of two replicas creating the migrations table at once, the loser finding it made: the table
 * (42P07), its row type (42710, `type "schema_migrations" already exists`), or a catalog row (23505).
 */
const CREATED_MEANWHILE: ReadonlySet<string> = new Set(['42P07', '42710', '23505'])

/** The migrations on disk, in order: `NNN_name.sql`. */
export function migrationFiles(dir = MIGRATIONS_DIR): { name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file, sql: readFileSync(join(dir, file), 'utf8') }))
}

/**
 * Applies every migration not yet applied, each in its own transaction with its record in
 * `schema_migrations`, and returns the names applied. The record is written first: a second replica's
 * insert of the same name waits on the first's uncommitted row, then finds it and skips the migration
 * (or, when the first rolled back, applies it itself). Under SERIALIZABLE the wait ends in a
 * serialization failure instead, and the retried transaction sees the record.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  try {
    await db.query(
      'create table if not exists schema_migrations (name text primary key, applied timestamptz not null default now())',
    )
  } catch (error) {
    // PostgreSQL's IF NOT EXISTS is not atomic: two creators can both pass the check (see CREATED_MEANWHILE).
    if (!CREATED_MEANWHILE.has(String((error as { code?: unknown }).code))) throw error
  }
  const applied: string[] = []
  for (const migration of migrationFiles(dir)) {
    const done = await db.transaction(async (tx) => {
      // No statement timeout here: waiting for another replica's migration, or building an index on a
      // large table, may take longer than any request should (the setting ends with the transaction).
      await tx.query('set local statement_timeout = 0')
      const claimed = await tx.query(
        'insert into schema_migrations (name) values ($1) on conflict (name) do nothing returning name',
        [migration.name],
      )
      if (claimed.rows.length === 0) return false
      for (const statement of statementsOf(migration.sql)) await tx.query(statement)
      return true
    })
    if (done) applied.push(migration.name)
  }
  return applied
}

/**
 * The statements of a migration, split at semicolons that end a line. Migrations are plain DDL (no
 * functions with bodies), and a statement runs alone so that both PGlite and the server take it with
 * parameters and in a transaction.
 */
export function statementsOf(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, '')
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
}
