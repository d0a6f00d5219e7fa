// PostgreSQL fixture for filterToSql tests: PGlite engine, tables (default and "C" collation), seed users, mappings, a two-way runner.
import { randomBytes } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { Client } from 'pg'
import { compileFilter } from '../../lib/filter/evaluate'
import { parseFilter } from '../../lib/filter/parser'
import { createSqlFilterCompiler, type SqlFilterCompiler } from '../../lib/filter/sql'
import { foldCase } from '../../lib/schema/fold'
import type { SqlAttributeMapping, SqlExpression } from '../../types/sql'

/** Runs one parameterised statement; PGlite's `db.query` and pg's `client.query` both fit. */
export type Query = (
  text: string,
  values?: readonly unknown[],
) => Promise<{ rows: Record<string, unknown>[] }>

/** An open database: `query` plus `close`. */
export interface Engine {
  readonly query: Query
  close(): Promise<void>
}

/**
 * PGlite's CommonJS build loads Node built-ins with `import()`, which Jest's module sandbox refuses without
 * `--experimental-vm-modules`; so the embedded database runs in a worker thread, outside the sandbox.
 */
const PGLITE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { PGlite } = require(workerData.entry)
const db = new PGlite()
parentPort.on('message', async ({ id, text, values, close }) => {
  try {
    if (close) {
      await db.close()
      parentPort.postMessage({ id, rows: [] })
    } else {
      const result = await db.query(text, values)
      parentPort.postMessage({ id, rows: result.rows })
    }
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code, constraint: error && error.constraint, detail: error && error.detail } })
  }
})
`

interface WorkerReply {
  readonly id: number
  readonly rows?: Record<string, unknown>[]
  readonly error?: {
    readonly message: string
    readonly code?: string
    readonly constraint?: string
    readonly detail?: string
  }
}

/** A fresh in-memory PGlite database (`new PGlite()` from '@electric-sql/pglite') in a worker thread. */
export function openPglite(): Engine {
  const worker = new Worker(PGLITE_WORKER, {
    eval: true,
    workerData: { entry: require.resolve('@electric-sql/pglite') },
  })
  const pending = new Map<
    number,
    { resolve: (rows: Record<string, unknown>[]) => void; reject: (e: Error) => void }
  >()
  let nextId = 0
  worker.on('message', (reply: WorkerReply) => {
    const waiter = pending.get(reply.id)
    pending.delete(reply.id)
    if (reply.error) {
      const { message, code, constraint, detail } = reply.error
      waiter?.reject(Object.assign(new Error(message), { code, constraint, detail }))
    } else waiter?.resolve(reply.rows ?? [])
  })
  worker.on('error', (error) => {
    for (const waiter of pending.values()) waiter.reject(error)
    pending.clear()
  })
  const send = (message: { text?: string; values?: readonly unknown[]; close?: true }) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, ...message, values: message.values ? [...message.values] : undefined })
    })
  return {
    query: async (text, values) => ({ rows: await send({ text, values }) }),
    close: async () => {
      try {
        await send({ close: true })
      } finally {
        await worker.terminate()
      }
    },
  }
}

/** A pg client whose search_path is a fresh schema with a random name, dropped on close. */
export async function openServer(url: string): Promise<Engine> {
  const client = new Client({ connectionString: url })
  await client.connect()
  const schema = `express_scim_sql_${randomBytes(6).toString('hex')}`
  await client.query(`create schema ${schema}`)
  await client.query(`set search_path to ${schema}`)
  return {
    query: (text, values) => client.query(text, values ? [...values] : undefined),
    close: async () => {
      try {
        await client.query(`drop schema ${schema} cascade`)
      } finally {
        await client.end()
      }
    },
  }
}

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

export interface SeedEmail {
  readonly value?: string | null
  readonly type?: string | null
  readonly primary?: boolean | null
}

/** A User resource as a SCIM client sees it; an absent key and an explicit null are both used. */
export interface SeedUser {
  readonly schemas: readonly string[]
  readonly id: string
  readonly userName: string
  readonly externalId?: string | null
  readonly name?: { readonly givenName?: string | null; readonly familyName?: string | null }
  readonly displayName?: string | null
  readonly title?: string | null
  readonly userType?: string | null
  readonly active?: boolean | null
  readonly emails?: readonly SeedEmail[]
  readonly meta?: { readonly resourceType: 'User'; readonly created?: string; readonly lastModified?: string }
  readonly [ENTERPRISE_USER]?: { readonly employeeNumber?: string | null }
}

type UserFields = Omit<SeedUser, 'schemas' | 'id' | 'userName'>

function user(id: string, userName: string, fields: UserFields = {}): SeedUser {
  const schemas = fields[ENTERPRISE_USER] ? [CORE_USER, ENTERPRISE_USER] : [CORE_USER]
  return { schemas, id, userName, ...fields }
}

function meta(created: string, lastModified?: string): SeedUser['meta'] {
  return lastModified === undefined
    ? { resourceType: 'User', created }
    : { resourceType: 'User', created, lastModified }
}

const employee = (employeeNumber: string | null) => ({ [ENTERPRISE_USER]: { employeeNumber } })

/**
 * The seed: case variants (bjensen / BJensen), absent vs null vs "" attributes, LIKE wildcards, quotes and
 * backslashes, lower-case or uncased non-ASCII text, several emails per user, timestamps one millisecond
 * either side of the bounds, and (last, listed in UNICODE_IDS) non-ASCII letters with another case.
 */
export const USERS: readonly SeedUser[] = [
  user('2819c223-7f76-453a-919d-413861904646', 'bjensen', {
    externalId: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs Jensen',
    title: 'Tour Guide',
    userType: 'Employee',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    meta: meta('2011-08-01T18:29:49.793Z', '2011-08-01T18:29:49.793Z'),
    ...employee('701984'),
  }),
  user('u-BJensen', 'BJensen', {
    externalId: 'BJensen',
    name: { givenName: 'Barbara', familyName: 'JENSEN' },
    displayName: 'BJENSEN',
    title: 'tour guide',
    userType: 'employee',
    active: false,
    emails: [{ value: 'BJensen@Example.COM', type: 'Work', primary: false }],
    meta: meta('2011-08-01T18:29:49.794Z', '2015-01-01T00:00:00.000Z'),
    ...employee('701985'),
  }),
  user('u-alice', 'alice@contoso.com', {
    name: { givenName: 'Alice', familyName: 'Smith' },
    displayName: 'Alice',
    title: '',
    userType: 'Contractor',
    active: true,
    emails: [
      { value: 'alice@contoso.com', type: 'work', primary: true },
      { value: 'alice@example.com', type: 'home', primary: false },
    ],
    meta: meta('2020-01-01T00:00:00.000Z', '2020-06-30T23:59:59.999Z'),
    ...employee('0042'),
  }),
  user('u-nobody', 'nobody', { meta: meta('2011-08-01T18:29:49.792Z') }),
  user('u-nometa', 'no.meta', { title: 'Intern', active: false }),
  user('u-empty', 'empty', {
    externalId: '',
    name: { givenName: '', familyName: '' },
    displayName: '',
    title: '',
    userType: '',
    active: null,
    emails: [],
    meta: meta('2019-12-31T23:59:59.999Z', '2020-01-01T00:00:00.000Z'),
    ...employee(''),
  }),
  user('u-nulls', 'nulls', {
    externalId: null,
    name: { givenName: null, familyName: 'Null' },
    displayName: null,
    title: null,
    userType: null,
    active: null,
    emails: [{ value: null, type: 'work', primary: null }],
    meta: meta('2020-01-01T00:00:00.001Z'),
    ...employee(null),
  }),
  user('u-pct', 'pct%sign', {
    externalId: 'PCT%SIGN',
    title: '100% sure',
    active: true,
    emails: [{ value: 'a%b@example.com', type: 'work' }],
    meta: meta('2021-03-14T06:59:59.999Z', '2021-03-14T07:00:00.000Z'),
  }),
  user('u-underscore', 'under_score', {
    externalId: 'under_score',
    title: 'a_b',
    emails: [{ value: 'x_y@example.com' }],
    meta: meta('2021-03-14T01:59:59.999-05:00', '2021-03-14T02:00:00.000-05:00'),
  }),
  user('u-backslash', 'back\\slash', {
    externalId: 'back\\slash',
    title: 'C:\\temp\\',
    emails: [{ value: 'back\\slash@example.com', type: 'other' }],
    meta: meta('2021-03-14T07:00:00.001Z'),
  }),
  user('u-quotes', "o'brien", {
    displayName: 'O\'Brien "the" great',
    title: 'Head of "Quotes"',
    userType: 'Employee',
    active: true,
    meta: meta('2022-02-28T23:59:59.999Z'),
  }),
  // Rows whose values are exactly the injection probes, and rows that merely contain a wildcard.
  user('u-inj-or', 'x" or 1=1 --', { externalId: 'x" or 1=1 --', title: 'x" or 1=1 --' }),
  user('u-inj-drop', "'; drop table users; --", { externalId: "'; drop table users; --" }),
  user('u-inj-pct', '%', { externalId: '%' }),
  user('u-inj-us', '_', { externalId: '_' }),
  user('u-inj-bs', '\\', { externalId: '\\' }),
  user('u-inj-ldap', '*)(uid=*', { externalId: '*)(uid=*' }),
  user('u-inj-dollar', '$1', { externalId: '$1', title: '$1' }),
  user('u-nonascii', 'jürgen', {
    externalId: 'jürgen',
    name: { givenName: 'josé', familyName: 'müller' },
    displayName: '中文名',
    title: 'straße',
    userType: 'employee',
    active: true,
    emails: [{ value: 'jürgen@exämple.de', type: 'work', primary: true }],
    meta: meta('2023-06-15T12:00:00.000+02:00', '2023-06-15T10:00:00.000Z'),
  }),
  user('u-emoji', 'rocket', {
    displayName: '😀 smile',
    title: 'rocket 🚀',
    emails: [{ value: 'rocket@example.com', type: 'work', primary: true }],
    meta: meta('2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'),
  }),
  user('u-fullwidth', 'fullwidth', {
    title: '～tilde',
    meta: meta('2024-02-29T00:00:00.001Z'),
  }),
  user('u-spaced', ' spaced ', {
    externalId: 'EXT-1',
    title: 'Tour Guide ',
    userType: 'EMPLOYEE',
    active: false,
    emails: [{ value: 'spaced@example.org', type: 'HOME' }],
    meta: meta('2025-01-01T00:00:00.000Z'),
    ...employee('701986'),
  }),
  user('u-caps', 'ALLCAPS', {
    externalId: 'ext-1',
    name: { givenName: 'ALL', familyName: 'CAPS' },
    title: 'VP OF SALES',
    userType: 'CONTRACTOR',
    active: true,
    emails: [
      { value: 'caps@example.com', type: 'work', primary: false },
      { value: 'CAPS2@EXAMPLE.COM', type: 'work', primary: false },
      { value: 'caps@home.example', type: 'home', primary: true },
      { value: 'caps@other.test', type: 'other' },
    ],
    meta: meta('2011-08-01T18:29:49.793Z', '2024-12-31T23:59:59.999Z'),
    ...employee('0043'),
  }),
  // Only an element whose every sub-attribute is empty: not `pr` for RFC 7644 (nothing non-empty).
  user('u-blank-email', 'blank.email', {
    emails: [{ value: '' }],
    meta: meta('2012-01-01T00:00:00.000Z'),
  }),
  // Non-ASCII case (issue 10 item 2): where toLowerCase(), PostgreSQL's lower() and the column's collation
  // part ways. Greek final sigma, Turkish dotted and dotless i, German ß and ẞ, combining marks (NFD),
  // fullwidth letters and an astral (Deseret) capital.
  user('u-greek', 'ODYSSEUS-ΟΔΟΣ', {
    externalId: 'ΟΔΟΣ-1',
    name: { givenName: 'Οδυσσέας', familyName: 'ΠΑΠΑΔΌΠΟΥΛΟΣ' },
    displayName: 'Οδυσσέας Παπαδόπουλος',
    title: 'ΣΟΦΟΣ ΟΔΗΓΟΣ',
    userType: 'ΥΠΆΛΛΗΛΟΣ',
    emails: [{ value: 'ΟΔΥΣΣΕΑΣ@ΠΑΡΑΔΕΙΓΜΑ.ΕΛ', type: 'WORK', primary: true }],
    meta: meta('2024-05-01T00:00:00.000Z'),
  }),
  user('u-greek-lower', 'οδυσσεας', {
    displayName: 'σοφος',
    title: 'οδος',
    emails: [{ value: 'σοφος@παραδειγμα.ελ', type: 'work' }],
  }),
  user('u-turkish', 'İlker', {
    externalId: 'İlker',
    name: { givenName: 'İLKER', familyName: 'Işık' },
    displayName: 'ilker ışık',
    title: 'MÜDÜR YARDIMCISI',
    emails: [{ value: 'İlker@Örnek.com.tr', type: 'work', primary: true }],
    meta: meta('2024-05-02T00:00:00.000Z'),
  }),
  user('u-german', 'JÜRGEN', {
    name: { givenName: 'Jürgen', familyName: 'GROẞ' },
    displayName: 'Jürgen Groß',
    title: 'STRASSE',
    emails: [{ value: 'JÜRGEN@STRAẞE.DE', type: 'Work' }],
    ...employee('ÄÖÜ-7'),
  }),
  user('u-emile', 'Émile', {
    name: { givenName: 'Émile', familyName: 'ZOLA' },
    displayName: 'ÉMILE ZOLA',
    title: 'Straße',
  }),
  user('u-nfd', 'Jose\u0301', {
    name: { givenName: 'JOSE\u0301' },
    displayName: 'JOSÉ',
    title: 'Cafe\u0301',
  }),
  user('u-fullwidth-name', 'ＦＵＬＬ', {
    displayName: 'Ｆｕｌｌｗｉｄｔｈ Ｎａｍｅ',
    title: '𐐀𐐁 DESERET',
    emails: [{ value: 'ＦＵＬＬ@ＥＸＡＭＰＬＥ.ＣＯＭ', type: 'work' }],
  }),
]

/** The users whose strings hold non-ASCII letters with another case: only a folded column compares them as memory does. */
export const UNICODE_IDS: ReadonlySet<string> = new Set([
  'u-greek',
  'u-greek-lower',
  'u-turkish',
  'u-german',
  'u-emile',
  'u-nfd',
  'u-fullwidth-name',
])

/** True when `text` holds a non-ASCII character that foldCase() changes (a non-ASCII capital, or ς). */
export function hasNonAsciiCase(text: string): boolean {
  for (const ch of text) if (ch > '\u007f' && foldCase(ch) !== ch) return true
  return false
}

/** The two tables of one variant: `users` / `user_emails`, or `users_c` / `user_emails_c` whose text is `COLLATE "C"`. */
export type TableSet = 'default' | 'C'

const TABLES: Record<TableSet, { readonly users: string; readonly emails: string }> = {
  default: { users: 'users', emails: 'user_emails' },
  C: { users: 'users_c', emails: 'user_emails_c' },
}

/**
 * A User mapping over one table set. With `folded`, every case-insensitive string also names the column
 * the fixture fills with foldCase() (what a store does on write); without it, the compiler has only
 * `lower()` to go by.
 */
function userMapping(tables: TableSet, emails: 'child' | 'jsonb', folded: boolean): SqlAttributeMapping {
  const text = (column: string): SqlExpression =>
    folded ? { expression: `u.${column}`, folded: `u.${column}_folded` } : `u.${column}`
  const json = (key: string): SqlExpression =>
    folded ? { expression: `e.doc->>'${key}'`, folded: `e.doc->>'${key}Folded'` } : `e.doc->>'${key}'`
  const child = (column: string): SqlExpression =>
    folded ? { expression: `e.${column}`, folded: `e.${column}_folded` } : `e.${column}`
  return {
    id: 'u.id',
    externalId: 'u.external_id',
    userName: text('user_name'),
    displayName: text('display_name'),
    'name.givenName': text('given_name'),
    'name.familyName': text('family_name'),
    title: text('title'),
    userType: text('user_type'),
    active: 'u.active',
    'meta.created': 'u.created_at',
    'meta.lastModified': 'u.modified_at',
    [`${ENTERPRISE_USER}:employeeNumber`]: text('employee_number'),
    emails:
      emails === 'child'
        ? {
            from: `${TABLES[tables].emails} e`,
            where: 'e.user_id = u.id',
            subAttributes: { value: child('value'), type: child('type'), primary: 'e."primary"' },
          }
        : {
            from: 'jsonb_array_elements(u.emails_json) AS e(doc)',
            subAttributes: {
              value: json('value'),
              type: json('type'),
              primary: "(e.doc->>'primary')::boolean",
            },
          },
  }
}

/** Emails as rows of a child table (no folded columns: `lower()` on both sides). */
export const CHILD_TABLE_MAPPING: SqlAttributeMapping = userMapping('default', 'child', false)

/** Emails as the elements of a jsonb array column (no folded columns). */
export const JSONB_MAPPING: SqlAttributeMapping = userMapping('default', 'jsonb', false)

/** One mapping under test: over which table, and whether it names folded columns. */
export interface MappingCase {
  readonly label: string
  readonly tables: TableSet
  readonly mapping: SqlAttributeMapping
  /**
   * True when the mapping names a folded column for every case-insensitive string: its answers must equal
   * matchesFilter()'s on every row. Without folded columns the guarantee is narrower (see the README).
   */
  readonly folded: boolean
}

function mappingCase(tables: TableSet, emails: 'child' | 'jsonb', folded: boolean): MappingCase {
  const where = emails === 'child' ? 'a child table' : 'a jsonb column'
  const collation = tables === 'C' ? ', COLLATE "C" text' : ''
  return {
    label: `emails in ${where}${collation}, ${folded ? 'folded columns' : 'no folded columns'}`,
    tables,
    mapping: userMapping(tables, emails, folded),
    folded,
  }
}

/** Every mapping the equivalence tests run: with and without folded columns, default and "C" collations. */
export const MAPPINGS: readonly MappingCase[] = [
  mappingCase('default', 'child', true),
  mappingCase('default', 'jsonb', true),
  mappingCase('C', 'child', true),
  mappingCase('C', 'jsonb', true),
  mappingCase('default', 'child', false),
  mappingCase('default', 'jsonb', false),
  mappingCase('C', 'child', false),
  mappingCase('C', 'jsonb', false),
]

/** A case-insensitive string column and its folded twin, in the collation of the table set. */
function textColumns(name: string, collate: string): string {
  return `${name} text${collate}, ${name}_folded text${collate}`
}

function ddl(tables: TableSet): string[] {
  const collate = tables === 'C' ? ' COLLATE "C"' : ''
  const { users, emails } = TABLES[tables]
  return [
    `create table ${users} (
      id text${collate} primary key,
      seq integer not null,
      external_id text${collate},
      ${textColumns('user_name', collate)},
      ${textColumns('display_name', collate)},
      ${textColumns('given_name', collate)},
      ${textColumns('family_name', collate)},
      ${textColumns('title', collate)},
      ${textColumns('user_type', collate)},
      active boolean,
      created_at timestamptz,
      modified_at timestamptz,
      ${textColumns('employee_number', collate)},
      emails_json jsonb
    )`,
    `create table ${emails} (
      user_id text${collate} not null references ${users} (id),
      ${textColumns('value', collate)},
      ${textColumns('type', collate)},
      "primary" boolean
    )`,
  ]
}

const folded = (value: string | null | undefined) => (typeof value === 'string' ? foldCase(value) : null)

/** A stored email element of the jsonb column: the SCIM sub-attributes plus the folded twins a store adds. */
function jsonEmail(e: SeedEmail): Record<string, unknown> {
  const out: Record<string, unknown> = { ...e }
  if (typeof e.value === 'string') out.valueFolded = foldCase(e.value)
  if (typeof e.type === 'string') out.typeFolded = foldCase(e.type)
  return out
}

/** Creates both table sets (in the current search_path) and inserts USERS into each, folded columns filled. */
export async function createAndSeed(query: Query): Promise<void> {
  for (const tables of ['default', 'C'] as const) {
    for (const statement of ddl(tables)) await query(statement)
    const { users, emails } = TABLES[tables]
    for (const [seq, u] of USERS.entries()) {
      const pairs = [
        u.userName,
        u.displayName,
        u.name?.givenName,
        u.name?.familyName,
        u.title,
        u.userType,
        u[ENTERPRISE_USER]?.employeeNumber,
      ].flatMap((v) => [v ?? null, folded(v)])
      await query(
        `insert into ${users} (id, seq, external_id, user_name, user_name_folded, display_name, display_name_folded,
           given_name, given_name_folded, family_name, family_name_folded, title, title_folded, user_type,
           user_type_folded, employee_number, employee_number_folded, active, created_at, modified_at, emails_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
           $19::timestamptz, $20::timestamptz, $21::jsonb)`,
        [
          u.id,
          seq,
          u.externalId ?? null,
          ...pairs,
          u.active ?? null,
          u.meta?.created ?? null,
          u.meta?.lastModified ?? null,
          u.emails === undefined ? null : JSON.stringify(u.emails.map(jsonEmail)),
        ],
      )
      for (const e of u.emails ?? []) {
        await query(
          `insert into ${emails} (user_id, value, value_folded, type, type_folded, "primary")
           values ($1, $2, $3, $4, $5, $6)`,
          [u.id, e.value ?? null, folded(e.value), e.type ?? null, folded(e.type), e.primary ?? null],
        )
      }
    }
  }
}

export function compilerFor(mapping: SqlAttributeMapping): SqlFilterCompiler {
  return createSqlFilterCompiler(mapping, { resourceType: 'User' })
}

export interface BothWays {
  readonly filter: string
  /** Ids PostgreSQL selected, sorted. */
  readonly sql: readonly string[]
  /** Ids matchesFilter() accepts, sorted. */
  readonly memory: readonly string[]
  readonly text: string
  readonly values: readonly (string | number | boolean)[]
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Ids (sorted) of the seed users that compileFilter() accepts, optionally only among `among`. */
export function memoryIds(filter: string, among: (u: SeedUser) => boolean = () => true): string[] {
  const predicate = compileFilter(parseFilter(filter), { resourceType: 'User' })
  return USERS.filter((u) => among(u) && predicate(u))
    .map((u) => u.id)
    .sort(byCodeUnit)
}

/** The rows a mapping is compared on: all of them with folded columns, else those without non-ASCII case. */
export function rowsFor(target: MappingCase): {
  readonly sql: string
  readonly memory: (u: SeedUser) => boolean
} {
  if (target.folded) return { sql: 'true', memory: () => true }
  const ids = [...UNICODE_IDS].map((id) => `'${id}'`).join(', ')
  return { sql: `u.id NOT IN (${ids})`, memory: (u) => !UNICODE_IDS.has(u.id) }
}

/** Runs `filter` through filterToSql on the database and through compileFilter() on USERS. */
export async function runBothWays(
  query: Query,
  target: MappingCase,
  filter: string,
  compile: SqlFilterCompiler = compilerFor(target.mapping),
): Promise<BothWays> {
  const { text, values } = compile(parseFilter(filter))
  const rows = rowsFor(target)
  const result = await query(
    `select id from ${TABLES[target.tables].users} u where ${rows.sql} and (${text}) order by id`,
    values,
  )
  const sql = result.rows.map((row) => String(row.id)).sort(byCodeUnit)
  return { filter, sql, memory: memoryIds(filter, rows.memory), text, values }
}

/** The users table of a table set, for queries written by the tests. */
export function usersTable(tables: TableSet): string {
  return TABLES[tables].users
}

/**
 * The equivalence table: every operator on case-exact and case-insensitive strings, dateTimes, booleans,
 * presence and null, multi-valued and complex attributes, value paths, URNs and upper-case spellings.
 */
export const EQUIVALENCE_FILTERS: readonly string[] = [
  // userName: string, not caseExact
  'userName eq "bjensen"',
  'userName eq "BJENSEN"',
  'userName ne "bjensen"',
  'userName co "JEN"',
  'userName sw "b"',
  'userName ew "SEN"',
  'userName gt "bjensen"',
  'userName ge "BJensen"',
  'userName lt "bjensen"',
  'userName le "BJENSEN"',
  'userName gt "~"',
  'userName eq " spaced "',
  'userName eq "back\\\\slash"',
  'userName co "\\\\"',
  'userName co "%"',
  'userName co "_"',
  'userName sw "under_"',
  'userName ew "%sign"',
  'userName eq "JÜRGEN"',
  'userName co "ür"',
  // title: string, not caseExact, with "" and null
  'title eq "tour guide"',
  'title co "GUIDE"',
  'title sw "Tour"',
  'title ew "guide"',
  'title pr',
  'title eq ""',
  'title ne ""',
  'title co ""',
  'title eq null',
  'title ne null',
  'title gt "s"',
  'title lt "b"',
  'title le ""',
  'title co "\\""',
  'title co "\'"',
  'title eq "$1"',
  'title co "🚀"',
  'title co "ß"',
  'title gt "~"',
  'title lt "～"',
  'displayName gt "～"',
  'displayName lt "～"',
  // id and externalId: caseExact
  'id eq "u-BJensen"',
  'id eq "u-bjensen"',
  'id ne "u-BJensen"',
  'id co "Jen"',
  'id sw "u-"',
  'id ew "JENSEN"',
  'id gt "u-m"',
  'id le "U"',
  'externalId eq "BJensen"',
  'externalId eq "bjensen"',
  'externalId ne "bjensen"',
  'externalId co "EXT"',
  'externalId sw "ext"',
  'externalId ew "SIGN"',
  'externalId gt "a"',
  'externalId eq ""',
  'externalId pr',
  'externalId eq null',
  'externalId ne null',
  // other strings
  'displayName co "jensen"',
  'displayName eq "中文名"',
  'displayName sw "😀"',
  'userType eq "employee"',
  'userType ne "Employee"',
  'userType eq null',
  'name.familyName eq "jensen"',
  'name.givenName sw "bar"',
  'name.givenName pr',
  'name.familyName ew "LER"',
  'name pr',
  'name[givenName eq "Barbara" and familyName eq "JENSEN"]',
  'name[givenName ne "Barbara"]',
  'name[not (givenName pr)]',
  'not (name.givenName eq "Barbara")',
  // dateTime
  'meta.created eq "2011-08-01T18:29:49.793Z"',
  'meta.created eq "2011-08-01T20:29:49.793+02:00"',
  'meta.created ne "2011-08-01T18:29:49.793Z"',
  'meta.created gt "2011-08-01T18:29:49.793Z"',
  'meta.created ge "2011-08-01T18:29:49.793Z"',
  'meta.created lt "2011-08-01T18:29:49.794Z"',
  'meta.created le "2011-08-01T18:29:49.793Z"',
  'meta.created gt "2020-01-01T00:00:00"',
  'meta.created ge "2021-03-14T06:59:59.999Z"',
  'meta.created lt "2021-03-14T02:00:00-05:00"',
  'meta.created le "2021-03-14T07:00:00.0009Z"',
  'meta.lastModified gt "2021-03-14T07:00:00Z"',
  'meta.lastModified ge "2021-03-14T07:00:00Z"',
  'meta.lastModified lt "2020-01-01T00:00:00.000Z"',
  'meta.lastModified le "2020-01-01T00:00:00.000Z"',
  'meta.lastModified ne "2020-06-30T23:59:59.999Z"',
  'meta.lastModified pr',
  'meta.lastModified eq null',
  'meta.created pr',
  'meta pr',
  // boolean
  'active eq true',
  'active eq false',
  'active ne true',
  'active ne false',
  'active pr',
  'active eq null',
  'active ne null',
  'active eq "True"',
  'ACTIVE EQ "False"',
  // multi-valued complex: emails
  'emails pr',
  'emails eq null',
  'emails ne null',
  'emails co "example.com"',
  'emails eq "bjensen@example.com"',
  'emails ne "bjensen@example.com"',
  'emails.value co "EXAMPLE"',
  'emails.value sw "caps"',
  'emails.value ew ".ORG"',
  'emails.value gt "c"',
  'emails.value pr',
  'emails.value eq null',
  'emails.value co "%"',
  'emails.value co "_"',
  'emails.value co "\\\\"',
  'emails.type eq "work"',
  'emails.type ne "work"',
  'emails.type pr',
  'emails.primary eq true',
  'emails.primary eq false',
  'emails.primary ne true',
  'emails.primary pr',
  'emails[type eq "work" and value co "@example.com"]',
  'emails[type eq "work"].value eq "bjensen@example.com"',
  'emails[type eq "work"].value co "CAPS"',
  'emails[type eq "work" or primary eq true]',
  'emails[not (type eq "work")]',
  'emails[type ne "work"]',
  'emails[value ew ".org"]',
  'emails[type pr]',
  'emails[value pr and not (type pr)]',
  'emails[primary eq false]',
  'emails[primary eq null]',
  'emails[value eq null]',
  'not (emails[type eq "home"])',
  // URN-qualified core and extension names
  'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"',
  'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "jen"',
  'urn:ietf:params:scim:schemas:core:2.0:User:emails.type eq "home"',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq null',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "701984"',
  'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER SW "00"',
  'employeeNumber ne "0042"',
  // upper-case names and operators
  'USERNAME EQ "bjensen"',
  'UserName Co "JENSEN"',
  'EMAILS[TYPE EQ "work"]',
  'Emails.Value EW ".COM"',
  'META.CREATED GT "2020-01-01T00:00:00Z"',
  'NOT (ACTIVE EQ TRUE)',
  'TITLE PR AND USERTYPE PR',
  // logical nesting
  'userName sw "b" and (active eq true or title pr)',
  '(userName eq "bjensen" or userName eq "nobody") and not (emails pr)',
  'not (not (title pr) or active eq false) and emails[type eq "work"]',
  'title pr and userType pr and emails.type eq "work"',
  'not (title co "guide" or title co "sales")',
  '(active eq true and emails[primary eq true]) or (externalId pr and meta.lastModified gt "2015-01-01T00:00:00Z")',
  'active eq true or active eq false or active eq null',
  'not (userName ne "bjensen")',
  'emails[type eq "work"] and not (emails[type eq "home"]) or displayName eq "中文名"',
]

/**
 * Non-ASCII case, for every operator: final sigma written either way, Turkish İ / ı / I, ß against ẞ and
 * "ss", NFC against NFD, fullwidth against ASCII, an astral capital, and code-point order across them.
 * Run on the mappings with folded columns, whose answers must be matchesFilter()'s exactly.
 */
export const UNICODE_FILTERS: readonly string[] = [
  // Greek: Σ folds to σ wherever it stands; ς (final sigma) is σ too
  'userName eq "ODYSSEUS-ΟΔΟΣ"',
  'userName eq "odysseus-οδος"',
  'userName eq "Odysseus-Οδοσ"',
  'userName ne "odysseus-οδος"',
  'userName co "ΔΟΣ"',
  'userName sw "odysseus-ο"',
  'userName ew "ος"',
  'title eq "ΟΔΟΣ"',
  'title co "ΟΔΗΓΟΣ"',
  'title ew "οδηγος"',
  'displayName ew "ΠΑΠΑΔΌΠΟΥΛΟΣ"',
  'displayName eq "ΣΟΦΟΣ"',
  'name.familyName eq "παπαδόπουλος"',
  'emails.value sw "οδυσσεας@"',
  'emails[value ew "παραδειγμα.ελ" and type eq "work"]',
  'externalId eq "ΟΔΟΣ-1"',
  'externalId eq "οδοσ-1"',
  // Turkish: İ lower-cases to i + U+0307, so "ilker" is another name; ı and I stay apart
  'userName eq "İlker"',
  'userName eq "İLKER"',
  'userName eq "i\u0307lker"',
  'userName eq "ilker"',
  'userName eq "ILKER"',
  'userName ne "ilker"',
  'userName sw "İ"',
  'userName sw "i"',
  'name.givenName eq "İlker"',
  'name.familyName eq "IŞIK"',
  'name.familyName eq "ışık"',
  'displayName co "IŞIK"',
  'displayName co "ışık"',
  'emails.value eq "i\u0307lker@örnek.com.tr"',
  'emails[value sw "İLKER@"]',
  'externalId eq "İlker"',
  // German: ẞ folds to ß, ß stays ß (never "ss")
  'userName eq "jürgen"',
  'userName eq "Jürgen"',
  'name.familyName eq "groß"',
  'name.familyName eq "GROSS"',
  'displayName ew "GROẞ"',
  'title eq "straße"',
  'title eq "STRAẞE"',
  'title eq "strasse"',
  'title ne "STRASSE"',
  'emails.value co "straße"',
  'emails.value co "STRASSE"',
  '%EMPLOYEE% eq "äöü-7"',
  // French: precomposed capitals
  'userName eq "émile"',
  'userName eq "ÉMILE"',
  'userName eq "E\u0301mile"',
  'name.familyName sw "zo"',
  'displayName sw "émile"',
  'displayName ne "émile zola"',
  // combining marks: NFD and NFC are different strings
  'userName eq "josé"',
  'userName eq "JOSE\u0301"',
  'userName sw "jose"',
  'userName ew "\u0301"',
  'title co "\u0301"',
  'name.givenName co "E\u0301"',
  'displayName eq "josé"',
  'displayName eq "jose\u0301"',
  // fullwidth letters fold to fullwidth small letters, never to ASCII
  'userName eq "ｆｕｌｌ"',
  'userName eq "FULL"',
  'userName sw "ＦＵ"',
  'displayName sw "ｆｕｌｌ"',
  'emails.value ew "@ｅｘａｍｐｌｅ.ｃｏｍ"',
  // an astral capital (U+10400) and its small letter (U+10428)
  'title co "\u{10428}\u{10429}"',
  'title sw "\u{10400}"',
  'title eq "\u{10428}\u{10429} deseret"',
  // code-point order of folded values
  'userName gt "odysseus"',
  'userName lt "ö"',
  'userName gt "z"',
  'userName ge "İlker"',
  'userName lt "ı"',
  'userName le "i\u0307lker"',
  'title gt "ｚ"',
  'title lt "σ"',
  'title gt "\u{10400}"',
  'title ge "\u{10428}"',
  'displayName gt "ｆ"',
  'displayName lt "ΣΟΦΟΣ"',
  'name.familyName le "ΠΑΠΑ"',
  'name.familyName gt "groß"',
  'name.givenName lt "É"',
  'emails.value gt "ü"',
  'emails.value lt "ＦＵ"',
  'emails.type eq "WORK"',
  'userType gt "υ"',
].map((f) => f.replace('%EMPLOYEE%', `${ENTERPRISE_USER}:employeeNumber`))

/** sortBy paths of the sort equivalence test: case-insensitive and case-exact strings, dates, booleans. */
export const SORT_PATHS: readonly string[] = [
  'userName',
  'displayName',
  'title',
  'userType',
  'name.givenName',
  'name.familyName',
  `${ENTERPRISE_USER}:employeeNumber`,
  'id',
  'externalId',
  'meta.created',
  'meta.lastModified',
  'active',
]
