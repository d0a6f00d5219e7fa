// Applies the ordered SQL migrations in ./migrations once each, under an advisory lock so that replicas starting together apply them once.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from './db'

const MIGRATIONS_DIR = join(__dirname, 'migrations')

/** Any constant: the lock only has to be the same number in every replica of this host. */
const MIGRATION_LOCK = 7_243_110_021

/** The migrations on disk, in order: `NNN_name.sql`. */
export function migrationFiles(dir = MIGRATIONS_DIR): { name: string; sql: string }[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file, sql: readFileSync(join(dir, file), 'utf8') }))
}

/**
 * Applies every migration not yet applied, each in its own transaction with its record in
 * `schema_migrations`, and returns the names applied. The whole run holds a transaction-level advisory
 * lock per migration, so a second replica waits, then sees the record and skips it.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  // Under the lock too: two replicas creating the table at once could both try (a duplicate pg_type row).
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.query(
      'create table if not exists schema_migrations (name text primary key, applied timestamptz not null default now())',
    )
  })
  const applied: string[] = []
  for (const migration of migrationFiles(dir)) {
    const done = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const seen = await tx.query('select 1 from schema_migrations where name = $1', [migration.name])
      if (seen.rows.length > 0) return false
      for (const statement of statementsOf(migration.sql)) await tx.query(statement)
      await tx.query('insert into schema_migrations (name) values ($1)', [migration.name])
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
