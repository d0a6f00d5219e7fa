// filterToSql and matchesFilter agree on dateTimes finer than a millisecond (PostgreSQL keeps microseconds).
import { compileFilter } from '../../lib/filter/evaluate'
import { parseFilter } from '../../lib/filter/parser'
import { filterToSql } from '../../lib/filter/sql'
import { type Engine, openPglite } from '../helpers/sql-fixture'

let db: Engine

beforeAll(async () => {
  db = openPglite()
  await db.query('CREATE TABLE stamps (id text PRIMARY KEY, created timestamptz)')
  await db.query(
    "INSERT INTO stamps VALUES ('a', '2024-01-01T00:00:00.0009Z'), ('b', '2024-01-01T00:00:00.0015Z'), ('c', NULL)",
  )
})

afterAll(async () => {
  await db.close()
})

const resources = [
  { id: 'a', meta: { created: '2024-01-01T00:00:00.0009Z' } },
  { id: 'b', meta: { created: '2024-01-01T00:00:00.0015Z' } },
  { id: 'c' },
]

it.each([
  'meta.created eq "2024-01-01T00:00:00.0005Z"',
  'meta.created gt "2024-01-01T00:00:00.0005Z"',
  'meta.created ge "2024-01-01T00:00:00.001Z"',
  'meta.created lt "2024-01-01T00:00:00.001Z"',
  'meta.created le "2024-01-01T00:00:00.0001Z"',
  'meta.created ne "2024-01-01T00:00:00Z"',
])('%s', async (text) => {
  const filter = parseFilter(text)
  const inMemory = resources.filter(compileFilter(filter, { resourceType: 'User' })).map((r) => r.id)
  const sql = filterToSql(filter, { 'meta.created': 'created' }, { resourceType: 'User' })
  const { rows } = await db.query(`SELECT id FROM stamps WHERE ${sql.text} ORDER BY id`, sql.values)
  expect(rows.map((row) => row.id)).toEqual(inMemory)
})
