// The host's database layer on the server: connection settings applied to every connection, a real deadlock run again by transaction(), a statement past its timeout cancelled with its transaction rolled back.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { connectionOptions, type Database, openDatabase } from '../../../examples/grafana-host/db'
import { withSqlErrors } from '../../../lib/sql'
import { type HostDatabase, openHostServer, serverUrl } from '../../helpers/host-db'

describe('connectionOptions', () => {
  it('sets the isolation and the statement timeout, and refuses anything else', () => {
    expect(connectionOptions()).toBe(
      '-c default_transaction_isolation=read\\ committed -c statement_timeout=10000',
    )
    expect(connectionOptions({ isolation: 'serializable', statementTimeoutMs: 0 })).toBe(
      '-c default_transaction_isolation=serializable -c statement_timeout=0',
    )
    expect(() => connectionOptions({ isolation: 'read uncommitted' as never })).toThrow(TypeError)
    expect(() => connectionOptions({ statementTimeoutMs: -1 })).toThrow(TypeError)
    expect(() => connectionOptions({ statementTimeoutMs: 1.5 })).toThrow(TypeError)
  })
})

const describeServer = serverUrl ? describe : describe.skip
describeServer('the host database on the PostgreSQL server', () => {
  let host: HostDatabase
  let db: Database
  beforeAll(async () => {
    host = await openHostServer(serverUrl ?? '', { isolation: 'serializable', statementTimeoutMs: 3_000 })
    db = host.db
    await db.exec('create table counters (id int primary key, n int not null)')
  })
  afterAll(async () => host?.close())

  it('runs every statement and transaction under the settings', async () => {
    const outside = await db.query<{ isolation: string; timeout: string }>(
      "select current_setting('transaction_isolation') as isolation, current_setting('statement_timeout') as timeout",
    )
    expect(outside.rows[0]).toEqual({ isolation: 'serializable', timeout: '3s' })
    const inside = await db.transaction((tx) =>
      tx.query<{ isolation: string }>("select current_setting('transaction_isolation') as isolation"),
    )
    expect(inside.rows[0]?.isolation).toBe('serializable')
  })

  it('runs a transaction again after a deadlock, and both commit', async () => {
    await db.query('delete from counters')
    await db.query('insert into counters values (1, 0), (2, 0)')
    // Each locks one row, waits for the other to lock its row, then wants the other's: a deadlock that
    // PostgreSQL breaks by failing one (40P01 or, at SERIALIZABLE, possibly 40001).
    let locked = 0
    let bothLocked!: () => void
    const barrier = new Promise<void>((resolve) => {
      bothLocked = resolve
    })
    const attempts = [0, 0]
    const crossing = (first: number, second: number, index: number) =>
      db.transaction(async (tx) => {
        attempts[index]! += 1
        await tx.query('update counters set n = n + 1 where id = $1', [first])
        if (attempts[index] === 1) {
          locked += 1
          if (locked === 2) bothLocked()
          await barrier
        }
        await tx.query('update counters set n = n + 1 where id = $1', [second])
      })
    await Promise.all([crossing(1, 2, 0), crossing(2, 1, 1)])
    // One was run again at least once (at SERIALIZABLE its retry can meet the survivor's lock and fail once more: 40001).
    expect(attempts[0]! + attempts[1]!).toBeGreaterThanOrEqual(3)
    const rows = await db.query<{ n: number }>('select n from counters order by id')
    expect(rows.rows.map((row) => row.n)).toEqual([2, 2])
  })

  it('cancels a statement past its timeout as a 503 and rolls its transaction back', async () => {
    await db.query('delete from counters')
    await db.query('insert into counters values (1, 0)')
    const outcome = withSqlErrors(() =>
      db.transaction(async (tx) => {
        await tx.query('update counters set n = 41 where id = 1')
        await tx.query('select pg_sleep(10)')
      }),
    )
    await expect(outcome).rejects.toMatchObject({ status: 503 })
    const rows = await db.query<{ n: number }>('select n from counters where id = 1')
    expect(rows.rows[0]?.n).toBe(0)
  })

  it('keeps the options a DATABASE_URL carries, and adds the settings to them', async () => {
    const url = new URL(serverUrl ?? '')
    url.searchParams.set('options', '-c search_path=some_schema')
    const opened = await openDatabase({
      url: url.toString(),
      dataDir: '',
      settings: { statementTimeoutMs: 2_000 },
    })
    try {
      const found = await opened.query<{ path: string; timeout: string }>(
        "select current_setting('search_path') as path, current_setting('statement_timeout') as timeout",
      )
      expect(found.rows[0]).toEqual({ path: 'some_schema', timeout: '2s' })
    } finally {
      await opened.close()
    }
  })
})
