// filterToSql on real PostgreSQL (PGlite, and EXPRESS_SCIM_TEST_PG_URL's server) selects what matchesFilter() does.
import fc from 'fast-check'
import { isScimError } from '../../lib/errors'
import { parseFilter, parsePatchPath } from '../../lib/filter/parser'
import { createSqlFilterCompiler, filterToSql } from '../../lib/filter/sql'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { sortItems, sortKeyReader } from '../../lib/stores/shared'
import type { AttributePath } from '../../types/filter'
import type { SqlAttributeMapping } from '../../types/sql'
import type { SortOrder } from '../../types/stores'
import {
  CHILD_TABLE_MAPPING,
  compilerFor,
  createAndSeed,
  ENTERPRISE_USER,
  type Engine,
  EQUIVALENCE_FILTERS,
  hasNonAsciiCase,
  JSONB_MAPPING,
  MAPPINGS,
  type MappingCase,
  memoryIds,
  openPglite,
  openServer,
  type Query,
  rowsFor,
  runBothWays,
  type SeedUser,
  SORT_PATHS,
  UNICODE_FILTERS,
  UNICODE_IDS,
  USERS,
  usersTable,
} from '../helpers/sql-fixture'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the filterToSql tests against a PostgreSQL server',
  )
}

// ---- random filters over the mapped attributes ----------------------------------------------------

/**
 * Every string of the seed. The random filters leave out three shapes that the equivalence table already
 * shows to diverge, so that the property keeps looking for other differences: `emails pr` (an element with
 * only empty sub-attributes), `name[...]` (a user without `name`), and ordering against characters
 * U+E000..U+FFFF such as `～` (JavaScript compares UTF-16 code units, PostgreSQL's "C" code points).
 */
const SEED_STRINGS: readonly string[] = [
  ...new Set(
    USERS.flatMap((u) => [
      u.id,
      u.userName,
      u.externalId,
      u.displayName,
      u.title,
      u.userType,
      u.name?.givenName,
      u.name?.familyName,
      u[ENTERPRISE_USER]?.employeeNumber,
      ...(u.emails ?? []).flatMap((e) => [e.value, e.type]),
    ]).filter((s): s is string => typeof s === 'string' && !/[\uE000-\uFFFF]/.test(s)),
  ),
]

type CaseMode = 'keep' | 'upper' | 'lower' | 'unicode upper' | 'unicode lower'

const recase = (s: string, mode: CaseMode) => {
  switch (mode) {
    case 'keep':
      return s
    case 'unicode upper':
      return s.toUpperCase()
    case 'unicode lower':
      return s.toLowerCase()
    default:
      return s.replace(/[A-Za-z]/g, (c) => (mode === 'upper' ? c.toUpperCase() : c.toLowerCase()))
  }
}

/** Pieces of seed values (cut at code points, so that filters often match) in random case, or noise. */
const stringValue: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...SEED_STRINGS),
      fc.nat(),
      fc.nat(),
      fc.constantFrom<CaseMode>('keep', 'upper', 'lower', 'unicode upper', 'unicode lower'),
    )
    .map(([s, a, b, mode]) => {
      const chars = Array.from(s)
      const start = a % (chars.length + 1)
      const end = start + (b % (chars.length - start + 1))
      return recase(chars.slice(start, end).join(''), mode)
    }),
  fc.string({
    unit: fc.constantFrom(...Array.from('aBjEn%_\\"\' -@.$1üé中😀ΣςσİıIẞßÉ\u0301')),
    maxLength: 5,
  }),
)

const SEED_INSTANTS: readonly number[] = [
  ...new Set(
    USERS.flatMap((u) => [u.meta?.created, u.meta?.lastModified])
      .filter((s): s is string => s !== undefined)
      .map((s) => Date.parse(s)),
  ),
]

/** A seed instant ±1 ms, written in UTC, with an offset, or with no offset (read as UTC). */
const dateValue: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...SEED_INSTANTS),
    fc.integer({ min: -1, max: 1 }),
    fc.constantFrom(0, 120, -300, null),
  )
  .map(([instant, delta, offset]) => {
    const local = new Date(instant + delta + (offset ?? 0) * 60_000).toISOString().slice(0, 23)
    if (offset === null) return local
    if (offset === 0) return `${local}Z`
    const sign = offset > 0 ? '+' : '-'
    const abs = Math.abs(offset)
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  })

const spelled = (name: string) => fc.constantFrom(name, name.toUpperCase(), name.toLowerCase())
const quoted = (value: fc.Arbitrary<string>) => value.map((v) => JSON.stringify(v))

function stringTerm(paths: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...paths).chain(spelled), spelled('eq'), quoted(stringValue))
      .chain(([path, , value]) =>
        fc
          .constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le')
          .chain(spelled)
          .map((op) => `${path} ${op} ${value}`),
      ),
    fc
      .tuple(fc.constantFrom(...paths).chain(spelled), fc.constantFrom('pr', 'eq null', 'ne null'))
      // `emails pr` tests whole elements, not values: left out as said above (`emails eq null` stays).
      .filter(([path, test]) => !(path.toLowerCase() === 'emails' && test === 'pr'))
      .map((p) => p.join(' ')),
  )
}

function dateTerm(paths: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...paths).chain(spelled),
        fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le').chain(spelled),
        quoted(dateValue),
      )
      .map((p) => p.join(' ')),
    fc
      .tuple(fc.constantFrom(...paths).chain(spelled), fc.constantFrom('pr', 'eq null', 'ne null'))
      .map((p) => p.join(' ')),
  )
}

function booleanTerm(paths: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...paths).chain(spelled),
      fc.constantFrom(
        'eq true',
        'eq false',
        'ne true',
        'ne false',
        'eq "True"',
        'ne "false"',
        'pr',
        'eq null',
        'ne null',
      ),
    )
    .map((p) => p.join(' '))
}

/** A small and/or/not tree over `leaf`, parenthesised so that precedence never matters. */
function tree(leaf: fc.Arbitrary<string>, maxDepth: number): fc.Arbitrary<string> {
  const { node } = fc.letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthIdentifier: `tree-${maxDepth}` },
      leaf,
      tie('node').map((f) => `not (${f})`),
      fc
        .tuple(tie('node'), tie('node'), fc.constantFrom('and', 'or', 'AND', 'Or'))
        .map(([a, b, op]) => `(${a}) ${op} (${b})`),
    ),
  }))
  return node
}

const emailElement = tree(fc.oneof(stringTerm(['value', 'type']), booleanTerm(['primary'])), 2)

const resourceLeaf: fc.Arbitrary<string> = fc.oneof(
  stringTerm([
    'id',
    'externalId',
    'userName',
    'displayName',
    'title',
    'userType',
    'name.givenName',
    'name.familyName',
    `${ENTERPRISE_USER}:employeeNumber`,
    'employeeNumber',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName',
    'emails',
    'emails.value',
    'emails.type',
  ]),
  dateTerm(['meta.created', 'meta.lastModified']),
  booleanTerm(['active', 'emails.primary']),
  fc
    .constantFrom('name', 'meta')
    .chain(spelled)
    .map((p) => `${p} pr`),
  fc.tuple(spelled('emails'), emailElement).map(([p, f]) => `${p}[${f}]`),
  fc.tuple(emailElement, stringTerm(['value'])).map(([f, t]) => `emails[${f}].${t}`),
)

const randomFilter = tree(resourceLeaf, 3)

// ---- injection probes ----------------------------------------------------------------------------

const PROBES = ['x" or 1=1 --', "'; drop table users; --", '%', '_', '\\', '*)(uid=*', '$1'] as const
type TextOperator = 'eq' | 'co' | 'sw' | 'ew'
const likeEscaped = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`)
const EXPECTED_PARAMETER: Record<TextOperator, (v: string) => string> = {
  eq: (v) => v,
  co: (v) => `%${likeEscaped(v)}%`,
  sw: (v) => `${likeEscaped(v)}%`,
  ew: (v) => `%${likeEscaped(v)}`,
}
const LITERALLY: Record<TextOperator, (s: string, v: string) => boolean> = {
  eq: (s, v) => s === v,
  co: (s, v) => s.includes(v),
  sw: (s, v) => s.startsWith(v),
  ew: (s, v) => s.endsWith(v),
}
const INJECTION_CASES = (['userName', 'externalId'] as const).flatMap((attribute) =>
  (['eq', 'co', 'sw', 'ew'] as const).flatMap((operator) =>
    PROBES.map((probe) => ({
      attribute,
      operator,
      probe,
      filter: `${attribute} ${operator} ${JSON.stringify(probe)}`,
    })),
  ),
)

/** The ids (sorted) whose attribute literally satisfies the operator; userName folds case, externalId not. */
function literalIds(attribute: 'userName' | 'externalId', operator: TextOperator, probe: string): string[] {
  return USERS.filter((u) => {
    const raw = u[attribute]
    if (typeof raw !== 'string') return false
    return LITERALLY[operator](attribute === 'userName' ? raw.toLowerCase() : raw, probe)
  })
    .map((u) => u.id)
    .sort()
}

// ---- non-ASCII case ------------------------------------------------------------------------------

/** Upper-case ASCII letters become lower-case and the other way round; nothing else changes. */
const swapAsciiCase = (s: string) =>
  s.replace(/[A-Za-z]/g, (c) => (c <= 'Z' ? c.toLowerCase() : c.toUpperCase()))

/** Every case-insensitive string the non-ASCII users store, with its path and its user. */
const UNICODE_STORED_VALUES = USERS.filter((u) => UNICODE_IDS.has(u.id)).flatMap((u: SeedUser) =>
  (
    [
      ['userName', u.userName],
      ['displayName', u.displayName],
      ['title', u.title],
      ['userType', u.userType],
      ['name.givenName', u.name?.givenName],
      ['name.familyName', u.name?.familyName],
      [`${ENTERPRISE_USER}:employeeNumber`, u[ENTERPRISE_USER]?.employeeNumber],
      ...(u.emails ?? []).map((e) => ['emails.value', e.value] as const),
    ] as const
  ).flatMap(([path, value]) =>
    typeof value === 'string' && value !== '' ? [{ path, value, id: u.id }] : [],
  ),
)

const SORT_ORDERS: readonly SortOrder[] = ['ascending', 'descending']

const C_LOWER = MAPPINGS.find((m) => m.tables === 'C' && !m.folded && m.label.includes('child'))!
const C_FOLDED = MAPPINGS.find((m) => m.tables === 'C' && m.folded && m.label.includes('child'))!

/** A sortBy path as the router hands it to a store. */
function sortPath(text: string): AttributePath {
  const parsed = parsePatchPath(text)
  return {
    kind: 'attributePath',
    ...(parsed.schema === undefined ? {} : { schema: parsed.schema }),
    attribute: parsed.attribute ?? '',
    ...(parsed.subAttribute === undefined ? {} : { subAttribute: parsed.subAttribute }),
  }
}

// ---- the suite every engine runs ----------------------------------------------------------------

function engineTests(open: () => Engine | Promise<Engine>): void {
  let engine: Engine | undefined
  const query: Query = (text, values) => {
    if (!engine) throw new Error('the database is not open')
    return engine.query(text, values)
  }
  const selectIds = async (text: string, values: readonly unknown[]) =>
    (await query(`select id from users u where ${text} order by id`, values)).rows
      .map((r) => String(r.id))
      .sort()
  const selectIdsFrom = async (target: MappingCase, text: string, values: readonly unknown[]) =>
    (await query(`select id from ${usersTable(target.tables)} u where ${text} order by id`, values)).rows
      .map((r) => String(r.id))
      .sort()

  beforeAll(async () => {
    engine = await open()
    await createAndSeed(query)
  })
  afterAll(async () => {
    await engine?.close()
  })

  // With folded columns: every filter, every row. Without: the rows and filters free of non-ASCII case,
  // where lower() on both sides is the same fold as foldCase() under any collation.
  describe.each(MAPPINGS)('$label: same ids as matchesFilter()', (target) => {
    const filters = target.folded
      ? [...EQUIVALENCE_FILTERS, ...UNICODE_FILTERS]
      : EQUIVALENCE_FILTERS.filter((f) => !hasNonAsciiCase(f))
    it.each(filters)('%s', async (filter) => {
      const result = await runBothWays(query, target, filter)
      expect({ filter, ids: result.sql }).toEqual({ filter, ids: result.memory })
    })
  })

  describe.each(MAPPINGS)('$label: a stored value always finds its own row', (target) => {
    it.each(UNICODE_STORED_VALUES)('$path $value', async ({ path, value, id }) => {
      const compile = compilerFor(target.mapping)
      for (const written of [value, swapAsciiCase(value)]) {
        for (const operator of ['eq', 'co', 'sw', 'ew', 'ne'] as const) {
          const filter = `${path} ${operator} ${JSON.stringify(written)}`
          const { text, values } = compile(parseFilter(filter))
          const ids = await selectIdsFrom(target, text, values)
          // What matchesFilter() says too, so that the SQL answer is the reference answer.
          expect({ filter, memory: memoryIds(filter).includes(id) }).toEqual({
            filter,
            memory: operator !== 'ne',
          })
          expect({ filter, found: ids.includes(id) }).toEqual({ filter, found: operator !== 'ne' })
        }
      }
    })
  })

  it('without folded columns, a COLLATE "C" column folds ASCII letters only, as lower() does under "C"', async () => {
    const ids = async (target: MappingCase, filter: string) => {
      const { text, values } = compilerFor(target.mapping)(parseFilter(filter))
      return selectIdsFrom(target, text, values)
    }
    expect(await ids(C_LOWER, 'userName eq "ÉMILE"')).toEqual(['u-emile'])
    expect(await ids(C_LOWER, 'userName eq "émile"')).toEqual([])
    expect(await ids(C_LOWER, 'userName eq "jürgen"')).toEqual(['u-nonascii'])
    expect(await ids(C_LOWER, 'userName eq "JÜRGEN"')).toEqual(['u-german'])
    expect(await ids(C_LOWER, 'userName eq "Odysseus-ΟΔΟΣ"')).toEqual(['u-greek'])
    // The folded column gives matchesFilter()'s answer on the same "C" table.
    expect(await ids(C_FOLDED, 'userName eq "émile"')).toEqual(['u-emile'])
    expect(await ids(C_FOLDED, 'userName eq "jürgen"')).toEqual(['u-german', 'u-nonascii'])
    expect(memoryIds('userName eq "jürgen"')).toEqual(['u-german', 'u-nonascii'])
  })

  describe.each(MAPPINGS)('$label: orderBy() sorts as the memory stores do', (target) => {
    it.each(SORT_PATHS.flatMap((path) => SORT_ORDERS.map((order) => [path, order] as const)))(
      'sortBy=%s %s',
      async (path, order) => {
        const sortBy = sortPath(path)
        const orderBy = compilerFor(target.mapping).orderBy(sortBy, order)
        expect(orderBy).toEqual(expect.any(String))
        const rows = rowsFor(target)
        const result = await query(
          `select id from ${usersTable(target.tables)} u where ${rows.sql} order by ${orderBy}, u.seq`,
        )
        const sql = result.rows.map((row) => String(row.id))
        const keyOf = sortKeyReader(createSchemaRegistry(), 'User', sortBy)!
        const memory = sortItems(
          USERS.filter(rows.memory),
          (u) => keyOf(u as unknown as Record<string, unknown>),
          order,
          (u) => USERS.indexOf(u),
        ).map((u) => u.id)
        expect(sql).toEqual(memory)
      },
    )
  })

  it('agrees with matchesFilter() on random filters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MAPPINGS), randomFilter, async (target, filter) => {
        fc.pre(target.folded || !hasNonAsciiCase(filter))
        const result = await runBothWays(query, target, filter)
        expect({ mapping: target.label, filter, ids: result.sql }).toEqual({
          mapping: target.label,
          filter,
          ids: result.memory,
        })
      }),
      { numRuns: 300 },
    )
  })

  describe('request values stay literal', () => {
    const compile = compilerFor(CHILD_TABLE_MAPPING)
    it.each(INJECTION_CASES)('$filter', async ({ attribute, operator, probe, filter }) => {
      const { text, values } = compile(parseFilter(filter))
      const harmless = compile(parseFilter(`${attribute} ${operator} "zzz"`))
      // The SQL text never depends on the value; where the probe is not already part of the
      // trusted text (`_` is in `user_name`, `$1` is the placeholder), it does not appear at all.
      expect(text).toBe(harmless.text)
      if (!harmless.text.includes(probe)) expect(text).not.toContain(probe)
      expect(values).toEqual([EXPECTED_PARAMETER[operator](probe)])
      const expected = literalIds(attribute, operator, probe)
      expect(expected.length).toBeGreaterThan(0)
      expect(expected.length).toBeLessThan(USERS.length / 2)
      expect({ filter, ids: await selectIds(text, values) }).toEqual({ filter, ids: expected })
      expect(memoryIds(filter)).toEqual(expected)
    })

    it('matches the probes inside emails[...] literally too', async () => {
      for (const mapping of [CHILD_TABLE_MAPPING, JSONB_MAPPING]) {
        for (const probe of ['%', '_', '\\']) {
          const filter = `emails[value co ${JSON.stringify(probe)} and type pr]`
          const { text, values } = compilerFor(mapping)(parseFilter(filter))
          expect({ filter, ids: await selectIds(text, values) }).toEqual({ filter, ids: memoryIds(filter) })
        }
      }
      expect(memoryIds('emails[value co "%"]')).toEqual(['u-pct'])
      expect(memoryIds('emails[value co "_"]')).toEqual(['u-underscore'])
    })

    it('leaves the tables and their rows in place', async () => {
      const users = await query('select count(*)::int as n from users')
      const emails = await query('select count(*)::int as n from user_emails')
      expect(users.rows[0]?.n).toBe(USERS.length)
      expect(emails.rows[0]?.n).toBe(USERS.reduce((n, u) => n + (u.emails?.length ?? 0), 0))
    })
  })

  it(`numbers placeholders from firstParameter after the host's own parameters`, async () => {
    const filter = 'userName sw "b" or emails[type eq "work" and value co "example"]'
    const compile = createSqlFilterCompiler(JSONB_MAPPING, { resourceType: 'User', firstParameter: 3 })
    const { text, values } = compile(parseFilter(filter))
    expect(text.match(/\$\d+/g)).toEqual(['$3', '$4', '$5'])
    expect(values).toEqual(['b%', 'work', '%example%'])
    const ids = await selectIds(`u.id <> $1 and u.id <> $2 and ${text}`, ['u-BJensen', 'u-caps', ...values])
    const expected = memoryIds(filter).filter((id) => id !== 'u-BJensen' && id !== 'u-caps')
    expect(expected.length).toBeGreaterThan(2)
    expect(ids).toEqual(expected)
  })
}

describe('filterToSql on PGlite', () => {
  engineTests(openPglite)
})

describeServer('filterToSql on the PostgreSQL server at EXPRESS_SCIM_TEST_PG_URL', () => {
  engineTests(() => openServer(serverUrl ?? ''))
})

// ---- engine-independent checks -------------------------------------------------------------------

describe('the equivalence table', () => {
  it('is discriminating: most filters match some users but not all', () => {
    const partial = EQUIVALENCE_FILTERS.filter((f) => {
      const n = memoryIds(f).length
      return n > 0 && n < USERS.length
    })
    expect(EQUIVALENCE_FILTERS.length).toBeGreaterThanOrEqual(60)
    expect(partial.length / EQUIVALENCE_FILTERS.length).toBeGreaterThan(0.85)
  })

  it.each([
    ['userName eq "bjensen"', ['2819c223-7f76-453a-919d-413861904646', 'u-BJensen']],
    ['externalId eq "bjensen"', ['2819c223-7f76-453a-919d-413861904646']],
    ['id eq "u-bjensen"', []],
    [
      'emails[type eq "work" and value co "@example.com"]',
      ['2819c223-7f76-453a-919d-413861904646', 'u-BJensen', 'u-caps', 'u-emoji', 'u-pct'],
    ],
    [
      'emails[type eq "work"].value eq "bjensen@example.com"',
      ['2819c223-7f76-453a-919d-413861904646', 'u-BJensen'],
    ],
    ['meta.created gt "2011-08-01T18:29:49.793Z" and meta.created lt "2012-01-01T00:00:00Z"', ['u-BJensen']],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"',
      ['2819c223-7f76-453a-919d-413861904646'],
    ],
    ['active eq "False"', ['u-BJensen', 'u-nometa', 'u-spaced']],
  ] as const)('in-memory reference: %s', (filter, ids) => {
    expect(memoryIds(filter)).toEqual([...ids].sort())
  })
})

describe('the mapping is a whitelist', () => {
  function expectInvalidFilter(mapping: SqlAttributeMapping, filter: string): void {
    let caught: unknown
    try {
      filterToSql(parseFilter(filter), mapping, { resourceType: 'User' })
    } catch (error) {
      caught = error
    }
    expect(isScimError(caught)).toBe(true)
    expect(caught).toMatchObject({ status: 400, scimType: 'invalidFilter' })
  }

  it.each([
    'nickName eq "babs"',
    'name.middleName pr',
    'meta.version eq "W/\\"1\\""',
    'phoneNumbers pr',
    'phoneNumbers[type eq "work"]',
    'emails.display co "x"',
    'emails[display co "x"]',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"',
    'userName eq "bjensen" or nickName pr',
    'password eq "secret"',
  ])('%s on an attribute outside the mapping is 400 invalidFilter', (filter) => {
    expectInvalidFilter(CHILD_TABLE_MAPPING, filter)
  })

  it('refuses name pr and name[...] when no name sub-attribute is mapped', () => {
    const { 'name.givenName': _g, 'name.familyName': _f, ...withoutName } = CHILD_TABLE_MAPPING
    expectInvalidFilter(withoutName, 'name pr')
    expectInvalidFilter(withoutName, 'name[givenName eq "x"]')
  })

  it.each([
    ['an unknown attribute', { userName: 'u.user_name', nickname2: 'u.nick' }],
    ['an unknown sub-attribute', { 'name.nosuch': 'u.x' }],
    ['an unknown extension attribute', { [`${ENTERPRISE_USER}:nosuch`]: 'u.x' }],
    ['an attribute of another resource type', { members: { from: 'members m' } }],
    ['a multi-valued attribute mapped to a string', { emails: 'u.email' }],
    ['a sub-attribute of a multi-valued attribute mapped to a string', { 'emails.value': 'u.email' }],
    ['a single-valued attribute mapped to { from }', { userName: { from: 'names n' } }],
    ['a value that is neither', { userName: 42 as unknown as string }],
    ['a filter instead of a path', { 'userName eq "x"': 'u.user_name' }],
  ] as const)('createSqlFilterCompiler throws TypeError for %s', (_label, mapping) => {
    expect(() => createSqlFilterCompiler(mapping as SqlAttributeMapping, { resourceType: 'User' })).toThrow(
      TypeError,
    )
  })

  it.each([0, -1, 1.5])(
    'createSqlFilterCompiler throws TypeError for firstParameter %p',
    (firstParameter) => {
      expect(() =>
        createSqlFilterCompiler(CHILD_TABLE_MAPPING, { resourceType: 'User', firstParameter }),
      ).toThrow(TypeError)
    },
  )

  it('numbers placeholders from $1 by default and from firstParameter otherwise', () => {
    const filter = parseFilter('userName eq "a" and title co "b"')
    expect(filterToSql(filter, CHILD_TABLE_MAPPING, { resourceType: 'User' }).text.match(/\$\d+/g)).toEqual([
      '$1',
      '$2',
    ])
    const from3 = filterToSql(filter, CHILD_TABLE_MAPPING, { resourceType: 'User', firstParameter: 3 })
    expect(from3.text.match(/\$\d+/g)).toEqual(['$3', '$4'])
    expect(from3.values).toEqual(['a', '%b%'])
  })
})

describe('mapping keys are attribute paths', () => {
  it('accepts core, sub-attribute and URN-qualified keys, and refuses filtered or bare-URN keys', () => {
    expect(() =>
      createSqlFilterCompiler(
        {
          userName: 'u.login',
          'name.givenName': 'u.given',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'u.dept',
        },
        { resourceType: 'User' },
      ),
    ).not.toThrow()
    for (const key of [
      'emails[type eq "work"].value',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'userName pr',
    ]) {
      expect(() => createSqlFilterCompiler({ [key]: 'x' }, { resourceType: 'User' })).toThrow(TypeError)
    }
  })
})

describe('orderBy()', () => {
  const compile = compilerFor(CHILD_TABLE_MAPPING)
  it('sorts folded values, or lower() values without a folded column, by code point (COLLATE "C")', () => {
    const folded = compilerFor(MAPPINGS.find((m) => m.folded && m.tables === 'default')!.mapping)
    expect(folded.orderBy(sortPath('userName'), 'ascending')).toBe(
      'u.user_name_folded COLLATE "C" ASC NULLS LAST',
    )
    expect(compile.orderBy(sortPath('userName'), 'descending')).toBe(
      'lower(u.user_name) COLLATE "C" DESC NULLS FIRST',
    )
    expect(compile.orderBy(sortPath('externalId'), 'ascending')).toBe(
      'u.external_id COLLATE "C" ASC NULLS LAST',
    )
  })

  it('is undefined for what it cannot sort by: unmapped, multi-valued or complex attributes', () => {
    expect(compile.orderBy(sortPath('nickName'), 'ascending')).toBeUndefined()
    expect(compile.orderBy(sortPath('emails'), 'ascending')).toBeUndefined()
    expect(compile.orderBy(sortPath('emails.value'), 'ascending')).toBeUndefined()
    expect(compile.orderBy(sortPath('name'), 'ascending')).toBeUndefined()
    expect(compile.orderBy(sortPath('nosuch'), 'ascending')).toBeUndefined()
  })
})

describe('dialect', () => {
  it('reads "True" / "False" for booleans by default and refuses them under strict', () => {
    const lenient = filterToSql(parseFilter('active eq "False"'), CHILD_TABLE_MAPPING, {
      resourceType: 'User',
    })
    expect(lenient.values).toEqual([false])
    let caught: unknown
    try {
      filterToSql(parseFilter('active eq "False"'), CHILD_TABLE_MAPPING, {
        resourceType: 'User',
        dialect: 'strict',
      })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ status: 400, scimType: 'invalidFilter' })
    const strict = createSqlFilterCompiler(CHILD_TABLE_MAPPING, { resourceType: 'User', dialect: 'strict' })
    expect(strict(parseFilter('active eq false')).values).toEqual([false])
  })

  it('is checked at construction', () => {
    expect(() =>
      createSqlFilterCompiler(CHILD_TABLE_MAPPING, { resourceType: 'User', dialect: 'Strict' as never }),
    ).toThrow(TypeError)
  })
})
