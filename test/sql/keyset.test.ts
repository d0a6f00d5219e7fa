// keysetPageSql/readKeysetPage on real PostgreSQL (PGlite, and EXPRESS_SCIM_TEST_PG_URL's server): every page of every size after each position, sorted both ways with missing values and ties, filtered, with and without the total.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { parseFilter } from '../../lib/filter/parser'
import { createSqlFilterCompiler } from '../../lib/filter/sql'
import { foldCase } from '../../lib/schema/fold'
import { keysetPageSql, readKeysetPage } from '../../lib/sql'
import { type Engine, openPglite, openServer } from '../helpers/sql-fixture'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the keysetPageSql tests against a PostgreSQL server',
  )
}

/** 17 users: display names that repeat case-insensitively, and every fourth without one. */
const NAMES = Array.from({ length: 17 }, (_, i) =>
  i % 4 === 3 ? null : i % 2 === 0 ? `Name${i % 5}` : `name${i % 5}`,
)

function engineTests(open: () => Engine | Promise<Engine>) {
  let db: Engine
  const compiler = createSqlFilterCompiler(
    { displayName: { expression: 'u.name', folded: 'u.name_folded' }, active: 'u.active' },
    { resourceType: 'User' },
  )
  const sortKey = compiler.sortKey({ kind: 'attributePath', attribute: 'displayName' })!

  beforeAll(async () => {
    db = await open()
    await db.query(
      'create table users (seq bigint primary key, name text, name_folded text, active boolean not null)',
    )
    for (const [i, name] of NAMES.entries()) {
      await db.query('insert into users (seq, name, name_folded, active) values ($1, $2, $3, $4)', [
        i + 1,
        name,
        name === null ? null : foldCase(name),
        i % 3 !== 0,
      ])
    }
  })
  afterAll(async () => db?.close())

  /** Every page after every position, as the rows' seq. */
  const walk = async (
    count: number,
    options: { sorted?: boolean; descending?: boolean; filter?: string; withTotal?: boolean },
  ) => {
    const seen: number[] = []
    let after: string | undefined
    for (let guard = 0; guard < 100; guard++) {
      const statement = keysetPageSql({
        select: 'u.seq',
        from: 'users u',
        ...(options.filter === undefined ? {} : { where: compiler(parseFilter(options.filter)) }),
        ...(options.sorted ? { sortKey, descending: options.descending ?? false } : {}),
        uniqueKey: 'u.seq',
        ...(after === undefined ? {} : { after }),
        count,
        ...(options.withTotal ? { withTotal: true } : {}),
      })
      const result = await db.query(statement.text, statement.values)
      const page = readKeysetPage<{ seq: string | number }>(result.rows, count, options.sorted ?? false)
      expect(page.positions).toHaveLength(page.rows.length)
      if (options.withTotal) expect(page.totalResults).toBe(expected(options).length)
      else expect(page.totalResults).toBeUndefined()
      seen.push(...page.rows.map((row) => Number(row.seq)))
      if (!page.more) return seen
      after = page.positions.at(-1)
    }
    throw new Error('no last page')
  }

  /** The order SQL should give: by folded name (missing last ascending, first descending), then seq. */
  const expected = (options: { sorted?: boolean; descending?: boolean; filter?: string }) => {
    const rows = NAMES.map((name, i) => ({
      seq: i + 1,
      key: name === null ? null : foldCase(name),
      active: i % 3 !== 0,
    })).filter((row) => options.filter === undefined || row.active)
    if (options.sorted) {
      const sign = options.descending ? -1 : 1
      rows.sort((a, b) => {
        if (a.key === null || b.key === null) {
          if (a.key !== null) return -sign
          if (b.key !== null) return sign
          return a.seq - b.seq
        }
        return (a.key < b.key ? -sign : a.key > b.key ? sign : 0) || a.seq - b.seq
      })
    }
    return rows.map((row) => row.seq)
  }

  it.each([1, 2, 3, 5, 17, 40])('walks pages of %i in the default order', async (count) => {
    expect(await walk(count, {})).toEqual(expected({}))
  })

  it.each([1, 2, 4, 17])(
    'walks pages of %i sorted, ascending and descending, missing values and ties included',
    async (count) => {
      for (const descending of [false, true]) {
        expect(await walk(count, { sorted: true, descending })).toEqual(
          expected({ sorted: true, descending }),
        )
      }
    },
  )

  it('walks a filtered list with its total on every page', async () => {
    const options = { sorted: true, filter: 'active eq true', withTotal: true }
    expect(await walk(3, options)).toEqual(expected(options))
  })

  it('cuts sort values over 200 characters in positions, and finds the row again by its unique key', async () => {
    await db.query('create table long_names (seq bigint primary key, name text not null)')
    // Ten names sharing their first 250 characters, in an order their ends decide.
    const prefix = 'x'.repeat(250)
    for (let i = 1; i <= 10; i++) {
      await db.query('insert into long_names (seq, name) values ($1, $2)', [
        i,
        `${prefix}${String(10 - i).padStart(2, '0')}`,
      ])
    }
    /** One page of the long names, sorted by them. */
    const page = async (descending: boolean, count: number, after?: string) => {
      const statement = keysetPageSql({
        select: 'l.seq',
        from: 'long_names l',
        sortKey: 'l.name COLLATE "C"',
        descending,
        uniqueKey: 'l.seq',
        ...(after === undefined ? {} : { after }),
        count,
      })
      const result = await db.query(statement.text, statement.values)
      return readKeysetPage<{ seq: string | number }>(result.rows, count, true)
    }
    for (const descending of [false, true]) {
      const seen: number[] = []
      let after: string | undefined
      for (let guard = 0; guard < 20; guard++) {
        const read = await page(descending, 3, after)
        for (const position of read.positions) expect(position.length).toBeLessThan(300)
        seen.push(...read.rows.map((row) => Number(row.seq)))
        if (!read.more) break
        after = read.positions.at(-1)
      }
      expect(seen).toEqual(descending ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    }
    // The row a cut position names is deleted before the next page: nothing after it is skipped.
    for (const descending of [false, true]) {
      const first = await page(descending, 4)
      const boundary = Number(first.rows.at(-1)!.seq)
      await db.query('delete from long_names where seq = $1', [boundary])
      const rest: number[] = []
      let after = first.positions.at(-1)
      for (let guard = 0; guard < 20 && after !== undefined; guard++) {
        const next = await page(descending, 4, after)
        rest.push(...next.rows.map((row) => Number(row.seq)))
        after = next.more ? next.positions.at(-1) : undefined
      }
      const left = (descending ? [5, 6, 7, 8, 9, 10] : [6, 5, 4, 3, 2, 1]).filter((seq) => seq !== boundary)
      for (const seq of left) expect(rest).toContain(seq)
      await db.query('insert into long_names (seq, name) values ($1, $2)', [
        boundary,
        `${prefix}${String(10 - boundary).padStart(2, '0')}`,
      ])
    }
  })

  it('answers count 0 with no rows and the total', async () => {
    const statement = keysetPageSql({
      select: 'u.seq',
      from: 'users u',
      uniqueKey: 'u.seq',
      count: 0,
      withTotal: true,
    })
    const page = readKeysetPage(
      await db.query(statement.text, statement.values).then((r) => r.rows),
      0,
      false,
    )
    expect(page).toEqual({ rows: [], positions: [], more: true, totalResults: NAMES.length })
  })
}

describe('keysetPageSql on PGlite', () => {
  engineTests(openPglite)
})

describeServer('keysetPageSql on the PostgreSQL server at EXPRESS_SCIM_TEST_PG_URL', () => {
  engineTests(() => openServer(serverUrl ?? ''))
})

describe('keysetPageSql: what it refuses', () => {
  it('refuses a bad count or missing SQL with a TypeError, a position it did not make with 400 invalidCursor', () => {
    expect(() => keysetPageSql({ select: 'u.seq', from: 'users u', uniqueKey: 'u.seq', count: -1 })).toThrow(
      TypeError,
    )
    expect(() => keysetPageSql({ select: '', from: 'users u', uniqueKey: 'u.seq', count: 1 })).toThrow(
      TypeError,
    )
    for (const after of ['nonsense', '[1]', '["a","b","c"]', '{}']) {
      expect(() =>
        keysetPageSql({ select: 'u.seq', from: 'users u', uniqueKey: 'u.seq', after, count: 1 }),
      ).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidCursor' }))
    }
    // Values are always parameters: a position's text never becomes SQL.
    const statement = keysetPageSql({
      select: 'u.seq',
      from: 'users u',
      sortKey: 'u.name',
      uniqueKey: 'u.seq',
      after: JSON.stringify(["x'; drop table users; --", '5']),
      count: 2,
    })
    expect(statement.text).not.toContain('drop table')
    expect(statement.values).toEqual(['5', "x'; drop table users; --", 3])
  })
})
