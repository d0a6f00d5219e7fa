// One list page and its total in one statement (RFC 7644 §3.4.2.4), ordered strictly, also past the last page.
import type { SqlFilter, SqlPageQuery } from '../../types/sql'
import { configError } from '../errors'

/** Reserved column names of `pageSql()`'s result: the total and the row's place in the page. */
export const TOTAL_COLUMN = '__scim_total'
export const POSITION_COLUMN = '__scim_position'

function sqlText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError('ERR_INVALID_ARGUMENT', `pageSql ${name} must be SQL text`)
  }
  return value
}

/**
 * The statement for one page and the number of rows matching in all. One round trip, and always at
 * least one row back (with null page columns when the page is empty), so the total is known even for a
 * `startIndex` past the end or `count: 0`. The page is read with the host's ORDER BY and LIMIT / OFFSET
 * (an index on the order serves it), the total with `count(*)` over the same FROM and WHERE.
 *
 * Read the rows with `readPage()`. The WHERE's placeholders run `$1..$n`; LIMIT and OFFSET take the
 * next two. The result's columns are `select`'s and the two reserved names `__scim_total` and
 * `__scim_position`.
 */
export function pageSql(query: SqlPageQuery): SqlFilter {
  const select = sqlText(query.select, 'select')
  const from = sqlText(query.from, 'from')
  if (!Array.isArray(query.orderBy) || query.orderBy.length === 0) {
    // Without a total order, OFFSET paging may skip or repeat rows between pages.
    throw configError(
      'ERR_INVALID_ARGUMENT',
      'pageSql orderBy must list at least one item, ending in a unique key',
    )
  }
  const orderBy = query.orderBy.map((item, index) => sqlText(item, `orderBy[${index}]`)).join(', ')
  const { startIndex, count } = query
  if (!Number.isSafeInteger(startIndex) || !Number.isSafeInteger(count) || count < 0) {
    throw configError(
      'ERR_INVALID_ARGUMENT',
      'pageSql startIndex and count must be whole numbers, count >= 0',
    )
  }
  const where = query.where
  const values = where === undefined ? [] : [...where.values]
  const condition = where === undefined ? '' : ` WHERE ${sqlText(where.text, 'where.text')}`
  const limit = `$${values.length + 1}`
  const offset = `$${values.length + 2}`
  // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
  values.push(count, Math.max(startIndex, 1) - 1)
  const text =
    `SELECT t.n AS ${TOTAL_COLUMN}, p.* FROM (SELECT count(*) AS n FROM ${from}${condition}) t ` +
    `LEFT JOIN LATERAL (SELECT ${select}, row_number() OVER (ORDER BY ${orderBy}) AS ${POSITION_COLUMN} ` +
    `FROM ${from}${condition} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}) p ON true ` +
    `ORDER BY p.${POSITION_COLUMN}`
  return { text, values }
}

/** The rows of a `pageSql()` statement as a total and the page's rows, without the reserved columns. */
export function readPage<R extends Record<string, unknown>>(
  rows: readonly Record<string, unknown>[],
): { totalResults: number; rows: R[] } {
  const first = rows[0]
  // count(*) is a bigint: pg hands it out as a string.
  const totalResults = first === undefined ? 0 : Number(first[TOTAL_COLUMN])
  if (!Number.isSafeInteger(totalResults) || totalResults < 0) {
    throw configError('ERR_INVALID_STORE_RESULT', 'readPage needs the rows of a pageSql() statement')
  }
  const page: R[] = []
  for (const row of rows) {
    if (row[POSITION_COLUMN] === null || row[POSITION_COLUMN] === undefined) continue
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(row))
      if (key !== TOTAL_COLUMN && key !== POSITION_COLUMN) out[key] = row[key]
    page.push(out as R)
  }
  return { totalResults, rows: page }
}
