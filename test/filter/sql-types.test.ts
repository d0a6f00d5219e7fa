// filterToSql over integer and uuid id columns: values the column cannot hold match nothing, never a database error.
import fc from 'fast-check'
import request from 'supertest'
import { compileFilter } from '../../lib/filter/evaluate'
import { parseFilter } from '../../lib/filter/parser'
import { createSqlFilterCompiler, type SqlFilterCompiler } from '../../lib/filter/sql'
import { createSchemaRegistry } from '../../lib/schema/registry'
import type { SqlAttributeMapping } from '../../types/sql'
import type { StoredUser, UserStore } from '../../types/stores'
import { expectScimError } from '../helpers/expect-scim-error'
import { buildScimApp } from '../helpers/scim-app'
import { type Engine, openPglite, openServer, type Query } from '../helpers/sql-fixture'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the typed-column filterToSql tests against a PostgreSQL server',
  )
}

const INT_IDS = [1, 2, 10, 42, 2147483647] as const
const UUIDS = [
  '2819c223-7f76-453a-919d-413861904646',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
  '9a4bcb5e-2d1a-4e0c-8a3f-0b6d3c1f2e4d',
] as const

/** Users as the store shows them: the id is PostgreSQL's text form of the column. */
const INT_USERS = INT_IDS.map((id) => ({ id: String(id), userName: `user${id}` }))
const UUID_USERS = UUIDS.map((id, i) => ({ id, userName: `user${i}` }))
/** Teams whose members are integer user ids. */
const TEAMS = [
  { id: '7', displayName: 'seven', members: [{ value: '1' }, { value: '10' }] },
  { id: '8', displayName: 'eight', members: [{ value: '2147483647' }] },
  { id: '9', displayName: 'nine', members: [] },
]

const INT_MAPPING: SqlAttributeMapping = {
  id: { expression: 'u.id', type: 'integer' },
  userName: 'u.user_name',
}
const UUID_MAPPING: SqlAttributeMapping = {
  id: { expression: 'u.id', type: 'uuid' },
  userName: 'u.user_name',
}
const TEAM_MAPPING: SqlAttributeMapping = {
  id: { expression: 't.id', type: 'integer' },
  displayName: 't.display_name',
  members: {
    from: 'int_members m',
    where: 'm.team_id = t.id',
    subAttributes: { value: { expression: 'm.user_id', type: 'integer' } },
  },
}

async function seed(query: Query): Promise<void> {
  await query('create table int_users (id integer primary key, user_name text not null)')
  await query('create table uuid_users (id uuid primary key, user_name text not null)')
  await query('create table int_teams (id bigint primary key, display_name text not null)')
  await query('create table int_members (team_id bigint not null, user_id integer not null)')
  for (const u of INT_USERS) await query('insert into int_users values ($1, $2)', [u.id, u.userName])
  for (const u of UUID_USERS) await query('insert into uuid_users values ($1, $2)', [u.id, u.userName])
  for (const t of TEAMS) {
    await query('insert into int_teams values ($1, $2)', [t.id, t.displayName])
    for (const m of t.members) await query('insert into int_members values ($1, $2)', [t.id, m.value])
  }
}

/** Id values a client may send: canonical, padded, signed, out of range, non-ASCII digits, other forms. */
const INT_VALUES = [
  'abc',
  '1',
  '01',
  '+1',
  ' 1',
  '1 ',
  '1.0',
  '1e3',
  '-0',
  '0',
  '-1',
  '10',
  '2147483647',
  '2147483648',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999',
  '',
  '１',
  '٣',
  '0x10',
  'NaN',
  '2819c223-7f76-453a-919d-413861904646',
]
const UUID_VALUES = [
  ...UUIDS,
  '2819C223-7F76-453A-919D-413861904646',
  '{2819c223-7f76-453a-919d-413861904646}',
  '2819c2237f76453a919d413861904646',
  'urn:uuid:2819c223-7f76-453a-919d-413861904646',
  '2819c223-7f76-453a-919d-41386190464',
  '2819c223-7f76-453a-919d-4138619046466',
  ' 2819c223-7f76-453a-919d-413861904646',
  'abc',
  '',
  '1',
  '2819c223',
]

const ORDERED_OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const

function filtersOver(path: string, values: readonly string[]): string[] {
  return values.flatMap((v) => ORDERED_OPERATORS.map((op) => `${path} ${op} ${JSON.stringify(v)}`))
}

interface Table {
  readonly label: string
  readonly table: string
  readonly alias: string
  readonly mapping: SqlAttributeMapping
  readonly resourceType: 'User' | 'Group'
  readonly resources: readonly { readonly id: string }[]
  readonly filters: readonly string[]
}

const TABLES: readonly Table[] = [
  {
    label: 'an integer id column',
    table: 'int_users',
    alias: 'u',
    mapping: INT_MAPPING,
    resourceType: 'User',
    resources: INT_USERS,
    filters: [
      ...filtersOver('id', INT_VALUES),
      'id pr',
      'id eq null',
      'id ne null',
      'not (id eq "abc")',
      'id eq "abc" or userName eq "user2"',
      'not (id eq "1" or id eq "x")',
    ],
  },
  {
    label: 'a uuid id column',
    table: 'uuid_users',
    alias: 'u',
    mapping: UUID_MAPPING,
    resourceType: 'User',
    resources: UUID_USERS,
    filters: [...filtersOver('id', UUID_VALUES), 'id pr', 'id eq null', 'not (id ne "abc")'],
  },
  {
    label: 'integer member ids',
    table: 'int_teams',
    alias: 't',
    mapping: TEAM_MAPPING,
    resourceType: 'Group',
    resources: TEAMS,
    filters: [
      ...filtersOver('members.value', ['abc', '1', '01', '10', '2', '99999999999999999999', '']),
      ...filtersOver('id', ['7', '07', 'seven', '']),
      'members eq "10"',
      'members[value eq "abc"]',
      'members[value eq "1" or value eq "x"]',
      'not (members[value ne "abc"])',
      'members pr',
      'members.value pr',
      'members eq null',
    ],
  },
]

function engineTests(open: () => Engine | Promise<Engine>): void {
  let engine: Engine | undefined
  const query: Query = (text, values) => {
    if (!engine) throw new Error('the database is not open')
    return engine.query(text, values)
  }
  beforeAll(async () => {
    engine = await open()
    await seed(query)
  })
  afterAll(async () => {
    await engine?.close()
  })

  const run = async (t: Table, compile: SqlFilterCompiler, filter: string) => {
    const ast = parseFilter(filter)
    const { text, values } = compile(ast)
    const rows = await query(
      `select ${t.alias}.id::text as id from ${t.table} ${t.alias} where ${text}`,
      values,
    )
    const sql = rows.rows.map((r) => String(r.id)).sort()
    const predicate = compileFilter(ast, { resourceType: t.resourceType })
    const memory = t.resources
      .filter(predicate)
      .map((r) => r.id)
      .sort()
    return { filter, sql, memory }
  }

  describe.each(TABLES)('$label: the ids matchesFilter() finds on the string form, and no error', (t) => {
    const compile = createSqlFilterCompiler(t.mapping, { resourceType: t.resourceType })
    it.each(t.filters)('%s', async (filter) => {
      const { sql, memory } = await run(t, compile, filter)
      expect({ filter, ids: sql }).toEqual({ filter, ids: memory })
    })

    it('on random values', async () => {
      const value = fc.oneof(
        fc.constantFrom(...INT_VALUES, ...UUID_VALUES),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-+ .{}xe'), maxLength: 40 }),
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
        fc.uuid(),
      )
      const path = t.resourceType === 'Group' ? fc.constantFrom('id', 'members.value') : fc.constant('id')
      await fc.assert(
        fc.asyncProperty(path, fc.constantFrom(...ORDERED_OPERATORS), value, async (p, op, v) => {
          const { filter, sql, memory } = await run(t, compile, `${p} ${op} ${JSON.stringify(v)}`)
          expect({ filter, ids: sql }).toEqual({ filter, ids: memory })
        }),
        { numRuns: 150 },
      )
    })
  })
}

const LEVEL_URN = 'urn:example:params:scim:schemas:extension:level:2.0:User'

/** An integer SCIM attribute in an int4 column: a value beyond the column's range matches nothing. */
function integerAttributeTests(open: () => Engine | Promise<Engine>): void {
  it('an integer attribute declared integer compares as bigint: no 22003 for values beyond int4', async () => {
    const engine = await open()
    try {
      await engine.query('create table levels (id text primary key, level integer)')
      await engine.query("insert into levels values ('a', 1), ('b', 2147483647), ('c', null)")
      const registry = createSchemaRegistry({
        extensions: [
          {
            resourceType: 'User',
            schema: { id: LEVEL_URN, attributes: [{ name: 'level', type: 'integer' }] },
          },
        ],
      })
      const compile = createSqlFilterCompiler(
        { [`${LEVEL_URN}:level`]: { expression: 'l.level', type: 'integer' } },
        { resourceType: 'User', registry },
      )
      const resources = [
        { id: 'a', [LEVEL_URN]: { level: 1 } },
        { id: 'b', [LEVEL_URN]: { level: 2147483647 } },
        { id: 'c' },
      ]
      for (const filter of [
        'eq 3000000000',
        'ne 3000000000',
        'lt 9007199254740991',
        'gt -9007199254740991',
        'eq 1',
        'ge 2147483647',
      ]) {
        const ast = parseFilter(`${LEVEL_URN}:level ${filter}`)
        const { text, values } = compile(ast)
        const rows = await engine.query(`select id from levels l where ${text} order by id`, values)
        const memory = resources
          .filter(compileFilter(ast, { resourceType: 'User', registry }))
          .map((r) => r.id)
        expect({ filter, ids: rows.rows.map((r) => r.id) }).toEqual({ filter, ids: memory })
      }
    } finally {
      await engine.close()
    }
  })
}

describe('filterToSql over typed columns on PGlite', () => {
  integerAttributeTests(openPglite)
  engineTests(openPglite)
})

describeServer('filterToSql over typed columns on the PostgreSQL server at EXPRESS_SCIM_TEST_PG_URL', () => {
  integerAttributeTests(() => openServer(serverUrl ?? ''))
  engineTests(() => openServer(serverUrl ?? ''))
})

describe('operators a column type does not have are invalidFilter', () => {
  it.each([
    [INT_MAPPING, 'User', 'id co "1"'],
    [INT_MAPPING, 'User', 'id sw "1"'],
    [INT_MAPPING, 'User', 'id ew "1"'],
    [UUID_MAPPING, 'User', 'id sw "2819c223"'],
    [UUID_MAPPING, 'User', 'id co "-"'],
    [TEAM_MAPPING, 'Group', 'members.value sw "1"'],
    [TEAM_MAPPING, 'Group', 'members[value co "1"]'],
    [TEAM_MAPPING, 'Group', 'not (id ew "7")'],
  ] as const)('%#: %s', (mapping, resourceType, filter) => {
    const error = expectScimError(
      () => createSqlFilterCompiler(mapping, { resourceType })(parseFilter(filter)),
      400,
      'invalidFilter',
    )
    expect(error.message).toMatch(/integer|uuid/)
  })
})

describe('column types in the mapping are checked once, at construction', () => {
  it.each([
    ['an unknown type', { id: { expression: 'u.id', type: 'int4' } }],
    ['a boolean column for a string attribute', { userName: { expression: 'u.x', type: 'boolean' } }],
    ['a timestamp column for a string attribute', { id: { expression: 'u.id', type: 'timestamp' } }],
    ['a uuid column for a boolean attribute', { active: { expression: 'u.active', type: 'uuid' } }],
    ['a text column for a dateTime attribute', { 'meta.created': { expression: 'u.c', type: 'text' } }],
    ['a folded expression for a case-exact attribute', { externalId: { expression: 'u.e', folded: 'u.f' } }],
    [
      'a folded expression on an integer column',
      { userName: { expression: 'u.x', folded: 'u.y', type: 'integer' } },
    ],
    ['a folded expression for a boolean', { active: { expression: 'u.a', folded: 'u.b' } }],
    ['an empty expression', { userName: { expression: '' } }],
    ['a misspelt key', { userName: { expresion: 'u.x' } }],
    ['an extra key', { userName: { expression: 'u.x', collate: 'C' } }],
    ['both expression and from', { userName: { expression: 'u.x', from: 'y' } }],
    [
      'a typed sub-attribute that does not exist',
      { emails: { from: 'e', subAttributes: { nosuch: { expression: 'e.x', type: 'integer' } } } },
    ],
    [
      'a boolean column for emails.value',
      { emails: { from: 'e', subAttributes: { value: { expression: 'e.v', type: 'boolean' } } } },
    ],
  ])('TypeError for %s', (_label, mapping) => {
    expect(() =>
      createSqlFilterCompiler(mapping as unknown as SqlAttributeMapping, { resourceType: 'User' }),
    ).toThrow(TypeError)
  })

  it('accepts every type where it fits', () => {
    expect(() =>
      createSqlFilterCompiler(
        {
          id: { expression: 'u.id', type: 'uuid' },
          externalId: { expression: 'u.ext', type: 'text' },
          userName: { expression: 'u.login', folded: 'u.login_folded' },
          displayName: { expression: 'u.name', folded: 'u.name_folded', type: 'text' },
          active: { expression: 'u.active', type: 'boolean' },
          'meta.created': { expression: 'u.created', type: 'timestamp' },
          emails: {
            from: 'user_emails e',
            where: 'e.user_id = u.id',
            subAttributes: { value: { expression: 'e.email', folded: 'e.email_folded' }, type: 'e.kind' },
          },
        },
        { resourceType: 'User' },
      ),
    ).not.toThrow()
    expect(() =>
      createSqlFilterCompiler(
        { members: { from: 'm', subAttributes: { value: { expression: 'm.user_id', type: 'integer' } } } },
        { resourceType: 'Group' },
      ),
    ).not.toThrow()
  })
})

describe('through the router: no store error reaches the client', () => {
  let engine: Engine
  beforeAll(async () => {
    engine = openPglite()
    await seed(engine.query)
  })
  afterAll(async () => {
    await engine.close()
  })

  /** The memory store with `list` answered by SQL over `int_users`, as a host's store would. */
  function sqlListing(store: UserStore): UserStore {
    const compile = createSqlFilterCompiler(INT_MAPPING, { resourceType: 'User' })
    return {
      create: (u, c) => store.create(u, c),
      get: (id, c) => store.get(id, c),
      update: (id, u, v, c) => store.update(id, u, v, c),
      delete: (id, c) => store.delete(id, c),
      list: async (q) => {
        const where = q.filter ? compile(q.filter) : { text: 'true', values: [] }
        const rows = await engine.query(
          `select id, user_name from int_users u where ${where.text} order by id`,
          where.values,
        )
        const resources: StoredUser[] = rows.rows.map((row) => ({
          id: String(row.id),
          version: '1',
          created: new Date(0),
          lastModified: new Date(0),
          provisioned: true,
          userName: String(row.user_name),
          active: true,
        }))
        return { totalResults: resources.length, resources: resources.slice(0, q.count) }
      },
    }
  }

  it('answers 200 with no match, or 400 invalidFilter, never 500', async () => {
    const { app, token } = buildScimApp({ wrapUserStore: sqlListing })
    const get = (filter: string) =>
      request(app).get('/scim/Users').query({ filter }).set('Authorization', `Bearer ${token}`)
    for (const filter of ['id eq "abc"', 'id eq "99999999999999999999"', 'id ne "abc"', 'id gt "2"']) {
      const response = await get(filter)
      expect({ filter, status: response.status }).toEqual({ filter, status: 200 })
    }
    expect((await get('id eq "abc"')).body.totalResults).toBe(0)
    expect((await get('id ne "abc"')).body.totalResults).toBe(INT_IDS.length)
    expect((await get('id eq "42"')).body.Resources.map((u: { id: string }) => u.id)).toEqual(['42'])
    // String order, as matchesFilter() gives on the string form: "42" and "2147483647" after "2", not "10".
    expect((await get('id gt "2"')).body.Resources.map((u: { id: string }) => u.id)).toEqual([
      '42',
      '2147483647',
    ])
    const refused = await get('id sw "1"')
    expect(refused.status).toBe(400)
    expect(refused.body.scimType).toBe('invalidFilter')
  })
})
