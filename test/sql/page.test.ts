// pageSql/readPage and conditionalUpdate on real PostgreSQL (PGlite, and EXPRESS_SCIM_TEST_PG_URL's server): every page of every size, past the end, count 0, a compiled filter and sort, and compare-and-swap outcomes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { isScimError } from '../../lib/errors'
import { parseFilter } from '../../lib/filter/parser'
import { createSqlFilterCompiler } from '../../lib/filter/sql'
import { foldCase } from '../../lib/schema/fold'
import { conditionalUpdate, pageSql, readPage } from '../../lib/sql'
import { type Engine, openPglite, openServer } from '../helpers/sql-fixture'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn('EXPRESS_SCIM_TEST_PG_URL is not set: skipping the pageSql tests against a PostgreSQL server')
}

/** 23 users; logins repeat case-insensitively in pairs, so the sort needs its tie-break. */
const LOGINS = Array.from({ length: 23 }, (_, i) =>
  i % 2 === 0 ? `User${Math.floor(i / 2)}` : `user${Math.floor(i / 2)}`,
)

function engineTests(open: () => Engine | Promise<Engine>) {
  let db: Engine
  const compiler = createSqlFilterCompiler(
    { userName: { expression: 'u.login', folded: 'u.login_folded' }, active: 'u.active' },
    { resourceType: 'User' },
  )

  beforeAll(async () => {
    db = await open()
    await db.query(
      'create table users (id integer primary key, login text not null, login_folded text not null, active boolean not null, version integer not null default 1)',
    )
    for (const [i, login] of LOGINS.entries()) {
      await db.query('insert into users (id, login, login_folded, active) values ($1, $2, $3, $4)', [
        i + 1,
        login,
        foldCase(login),
        i % 3 !== 0,
      ])
    }
  })
  afterAll(async () => db?.close())

  const page = async (startIndex: number, count: number, filter?: string, descending = false) => {
    const where = filter === undefined ? undefined : compiler(parseFilter(filter))
    const order = compiler.orderBy(
      { kind: 'attributePath', attribute: 'userName' },
      descending ? 'descending' : 'ascending',
    )
    const statement = pageSql({
      select: 'u.id, u.login',
      from: 'users u',
      where,
      orderBy: [order!, 'u.id'],
      startIndex,
      count,
    })
    const result = await db.query(statement.text, statement.values)
    return readPage<{ id: number; login: string }>(result.rows)
  }

  /** What the pages should hold: the users in SQL's order, computed here. */
  const expected = (active?: boolean, descending = false) => {
    const rows = LOGINS.map((login, i) => ({ id: i + 1, login, active: i % 3 !== 0 })).filter(
      (row) => active === undefined || row.active === active,
    )
    rows.sort((a, b) => {
      const byLogin =
        foldCase(a.login) < foldCase(b.login) ? -1 : foldCase(a.login) > foldCase(b.login) ? 1 : 0
      return (descending ? -byLogin : byLogin) || a.id - b.id
    })
    return rows.map((row) => row.id)
  }

  it('walks every page of every size, in order, with the total on each', async () => {
    const all = expected()
    for (const size of [1, 2, 5, 23, 50]) {
      const seen: number[] = []
      for (let start = 1; start <= all.length; start += size) {
        const { totalResults, rows } = await page(start, size)
        expect(totalResults).toBe(23)
        seen.push(...rows.map((row) => Number(row.id)))
      }
      expect(seen).toEqual(all)
    }
  })

  it('keeps the total past the last page and for count 0, and reads a startIndex below 1 as 1', async () => {
    expect(await page(24, 10)).toEqual({ totalResults: 23, rows: [] })
    expect(await page(1_000, 10)).toEqual({ totalResults: 23, rows: [] })
    expect(await page(1, 0)).toEqual({ totalResults: 23, rows: [] })
    expect((await page(0, 2)).rows.map((row) => Number(row.id))).toEqual(expected().slice(0, 2))
    expect((await page(-5, 2)).rows.map((row) => Number(row.id))).toEqual(expected().slice(0, 2))
  })

  it('pages a compiled filter and a descending sort, the placeholders of the filter before LIMIT and OFFSET', async () => {
    const active = expected(true, true)
    const first = await page(1, 4, 'active eq true', true)
    const second = await page(5, 4, 'active eq true', true)
    expect(first.totalResults).toBe(active.length)
    expect([...first.rows, ...second.rows].map((row) => Number(row.id))).toEqual(active.slice(0, 8))
    expect(await page(1, 5, 'userName eq "nobody"')).toEqual({ totalResults: 0, rows: [] })
    const named = await page(1, 5, 'userName eq "USER3"')
    expect(named.totalResults).toBe(2)
    expect(named.rows.map((row) => row.login).sort()).toEqual(['User3', 'user3'])
  })

  it('answers a compare-and-swap as the store contract wants: the row, versionMismatch, or undefined when gone', async () => {
    const update = (id: number, version: number) => () =>
      db
        .query(
          'update users set version = version + 1 where id = $1 and version = $2 returning id, version',
          [id, version],
        )
        .then((result) => result.rows[0])
    const exists = (id: number) => () =>
      db.query('select 1 from users where id = $1', [id]).then((result) => result.rows.length > 0)
    expect(await conditionalUpdate(update(1, 1), exists(1))).toEqual({ id: 1, version: 2 })
    const stale = await conditionalUpdate(update(1, 1), exists(1)).catch((error: unknown) => error)
    expect(isScimError(stale) && stale.status).toBe(412)
    expect(await conditionalUpdate(update(999, 1), exists(999))).toBeUndefined()
  })
}

describe('pageSql on PGlite', () => {
  engineTests(openPglite)
})

describeServer('pageSql on the PostgreSQL server at EXPRESS_SCIM_TEST_PG_URL', () => {
  engineTests(() => openServer(serverUrl ?? ''))
})

describe('pageSql: what it refuses', () => {
  const base = { select: 'u.id', from: 'users u', orderBy: ['u.id'], startIndex: 1, count: 10 }
  it('refuses an empty ORDER BY (pages would skip or repeat rows), empty SQL and bad numbers with a TypeError', () => {
    expect(() => pageSql({ ...base, orderBy: [] })).toThrow(TypeError)
    expect(() => pageSql({ ...base, select: ' ' })).toThrow(TypeError)
    expect(() => pageSql({ ...base, count: -1 })).toThrow(TypeError)
    expect(() => pageSql({ ...base, startIndex: 1.5 })).toThrow(TypeError)
  })

  it('numbers LIMIT and OFFSET after the WHERE values', () => {
    const statement = pageSql({
      ...base,
      where: { text: 'u.tenant = $1 and u.active = $2', values: ['t', true] },
      startIndex: 11,
    })
    expect(statement.text).toContain('LIMIT $3 OFFSET $4')
    expect(statement.values).toEqual(['t', true, 10, 10])
  })

  it('refuses rows that are not a pageSql() result', () => {
    expect(() => readPage([{ id: 1 }])).toThrow(TypeError)
    expect(readPage([])).toEqual({ totalResults: 0, rows: [] })
  })
})
