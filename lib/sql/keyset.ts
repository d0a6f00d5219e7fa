// One keyset page (RFC 9865 cursor paging) in one statement: the rows after a position in the list's order, the positions of the rows, and whether more follow.
import type { SqlFilter, SqlKeysetQuery } from '../../types/sql'
import { configError, scimError } from '../errors'

/** Reserved column names of `keysetPageSql()`'s result. */
const KEY_COLUMN = '__scim_key'
const UNIQUE_COLUMN = '__scim_unique'
const TOTAL_COLUMN = '__scim_total'
const ROW_COLUMN = '__scim_row'

function sqlText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError('ERR_INVALID_ARGUMENT', `keysetPageSql ${name} must be SQL text`)
  }
  return value
}

/**
 * The most characters of a sort value a position holds (positions travel in cursors, in URLs). A longer
 * one is cut, and the position says so: the page after it then reads the row's value by its unique key.
 */
const KEY_IN_POSITION = 200

/**
 * A position `readKeysetPage()` made: `[unique]`, or `[key, unique]` when sorted, `[prefix, unique, 1]`
 * when the key was cut; 400 `invalidCursor` else.
 */
function readPosition(
  position: string,
  sorted: boolean,
): { key: string | null; unique: string; cut: boolean } {
  let parsed: unknown
  try {
    parsed = JSON.parse(position)
  } catch {
    parsed = undefined
  }
  const items = Array.isArray(parsed) ? parsed : []
  const cut = sorted && items.length === 3 && items[2] === 1
  const unique = sorted ? items[1] : items[0]
  const key = sorted ? items[0] : null
  if (
    items.length !== (sorted ? (cut ? 3 : 2) : 1) ||
    typeof unique !== 'string' ||
    !(key === null || typeof key === 'string') ||
    (cut && key === null)
  ) {
    throw scimError(400, 'invalidCursor', 'The cursor does not name a place in this list')
  }
  return { key, unique, cut }
}

/**
 * The condition "after this position" in the list's order: by the sort key (no value last ascending,
 * first descending, as `ORDER BY … NULLS LAST / NULLS FIRST`), then by the unique key ascending.
 */
function afterCondition(
  query: SqlKeysetQuery,
  sortKey: string | undefined,
  uniqueKey: string,
  param: (value: string) => string,
): string {
  const position = readPosition(query.after!, sortKey !== undefined)
  const unique = `${uniqueKey} > ${param(position.unique)}`
  if (sortKey === undefined) return unique
  if (position.key === null) {
    const tie = `(${sortKey} IS NULL AND ${unique})`
    return query.descending ? `(${tie} OR ${sortKey} IS NOT NULL)` : tie
  }
  let key = param(position.key)
  if (position.cut) {
    // The row's own value while it is there; else the prefix, below (ascending) or, with the highest
    // code point, above (descending) every value that starts with it: rows sharing those characters may
    // be listed again, never skipped.
    const bound = query.descending ? `${key} || chr(1114111)` : key
    key = `COALESCE((SELECT ${sortKey} FROM ${query.from} WHERE ${uniqueKey} = ${param(position.unique)} LIMIT 1), ${bound})`
  }
  const tie = `(${sortKey} = ${key} AND ${unique})`
  return query.descending
    ? `(${sortKey} < ${key} OR ${tie})`
    : `(${sortKey} > ${key} OR ${sortKey} IS NULL OR ${tie})`
}

/**
 * The statement for one keyset page: up to `count` rows after `after`, and one more to tell whether
 * more follow, ordered by `sortKey` then `uniqueKey`, with each row's position. With `withTotal`, the
 * number of matching rows too (and always one row back, so an empty page still has its total). Read
 * the rows with `readKeysetPage()`. The WHERE's placeholders run `$1..$n`; the position and the limit
 * take the next ones. The sort and unique keys are compared with parameters of their own type, so an
 * index on (sort key, unique key) or on the unique key serves the page.
 */
export function keysetPageSql(query: SqlKeysetQuery): SqlFilter {
  const select = sqlText(query.select, 'select')
  const from = sqlText(query.from, 'from')
  const uniqueKey = sqlText(query.uniqueKey, 'uniqueKey')
  const sortKey = query.sortKey === undefined ? undefined : `(${sqlText(query.sortKey, 'sortKey')})`
  const { count } = query
  if (!Number.isSafeInteger(count) || count < 0) {
    throw configError('ERR_INVALID_ARGUMENT', 'keysetPageSql count must be a whole number >= 0')
  }
  const values: (string | number | boolean)[] = query.where === undefined ? [] : [...query.where.values]
  const param = (value: string | number): string => {
    values.push(value)
    return `$${values.length}`
  }
  const conditions = query.where === undefined ? [] : [`(${sqlText(query.where.text, 'where.text')})`]
  const matching = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`
  if (query.after !== undefined) conditions.push(afterCondition(query, sortKey, uniqueKey, param))
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`
  const order = [
    ...(sortKey === undefined
      ? []
      : [`${sortKey} ${query.descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}`]),
    `${uniqueKey} ASC`,
  ].join(', ')
  const keys = `${sortKey === undefined ? 'NULL' : `(${sortKey})::text`} AS ${KEY_COLUMN}, (${uniqueKey})::text AS ${UNIQUE_COLUMN}`
  const page = `SELECT ${select}, ${keys}, row_number() OVER (ORDER BY ${order}) AS ${ROW_COLUMN} FROM ${from}${where} ORDER BY ${order} LIMIT ${param(count + 1)}`
  if (!query.withTotal) return { text: page, values }
  const text =
    `SELECT t.n AS ${TOTAL_COLUMN}, p.* FROM (SELECT count(*) AS n FROM ${from}${matching}) t ` +
    `LEFT JOIN LATERAL (${page}) p ON true ORDER BY p.${ROW_COLUMN}`
  return { text, values }
}

/**
 * The rows of a `keysetPageSql()` statement as a store's keyset page: at most `count` rows without the
 * reserved columns, a position for each, `more` when a row followed, and the total when it was asked.
 */
export function readKeysetPage<R extends Record<string, unknown>>(
  rows: readonly Record<string, unknown>[],
  count: number,
  sorted: boolean,
): { rows: R[]; positions: string[]; more: boolean; totalResults?: number } {
  const page: R[] = []
  const positions: string[] = []
  let more = false
  const first = rows[0]
  const total = first === undefined || !(TOTAL_COLUMN in first) ? undefined : Number(first[TOTAL_COLUMN])
  for (const row of rows) {
    if (row[ROW_COLUMN] === null || row[ROW_COLUMN] === undefined) continue
    if (page.length >= count) {
      more = true
      break
    }
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(row)) {
      if (key !== KEY_COLUMN && key !== UNIQUE_COLUMN && key !== TOTAL_COLUMN && key !== ROW_COLUMN)
        out[key] = row[key]
    }
    page.push(out as R)
    const unique = String(row[UNIQUE_COLUMN])
    const key = row[KEY_COLUMN] === null || row[KEY_COLUMN] === undefined ? null : String(row[KEY_COLUMN])
    if (!sorted) positions.push(JSON.stringify([unique]))
    else if (key !== null && key.length > KEY_IN_POSITION) {
      positions.push(JSON.stringify([key.slice(0, KEY_IN_POSITION), unique, 1]))
    } else positions.push(JSON.stringify([key, unique]))
  }
  if (total !== undefined && !(Number.isSafeInteger(total) && total >= 0)) {
    throw configError(
      'ERR_INVALID_STORE_RESULT',
      'readKeysetPage needs the rows of a keysetPageSql() statement',
    )
  }
  return { rows: page, positions, more, ...(total === undefined ? {} : { totalResults: total }) }
}
