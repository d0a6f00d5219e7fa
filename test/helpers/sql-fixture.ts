// PostgreSQL fixture for filterToSql tests: PGlite engine, tables, seed users, two email mappings, a two-way runner.
import { Worker } from 'node:worker_threads'
import { compileFilter } from '../../lib/filter/evaluate'
import { parseFilter } from '../../lib/filter/parser'
import { createSqlFilterCompiler, type SqlFilterCompiler } from '../../lib/filter/sql'
import type { SqlAttributeMapping } from '../../types/sql'

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
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } })
  }
})
`

interface WorkerReply {
  readonly id: number
  readonly rows?: Record<string, unknown>[]
  readonly error?: { readonly message: string; readonly code?: string }
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
    if (reply.error) waiter?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
    else waiter?.resolve(reply.rows ?? [])
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
 * backslashes, lower-case or uncased non-ASCII text (PostgreSQL's lower() and toLowerCase() agree on those
 * whatever the locale), several emails per user, and timestamps one millisecond either side of the bounds.
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
]

const BASE_MAPPING: SqlAttributeMapping = {
  id: 'u.id',
  externalId: 'u.external_id',
  userName: 'u.user_name',
  displayName: 'u.display_name',
  'name.givenName': 'u.given_name',
  'name.familyName': 'u.family_name',
  title: 'u.title',
  userType: 'u.user_type',
  active: 'u.active',
  'meta.created': 'u.created_at',
  'meta.lastModified': 'u.modified_at',
  [`${ENTERPRISE_USER}:employeeNumber`]: 'u.employee_number',
}

/** Emails as rows of a child table. */
export const CHILD_TABLE_MAPPING: SqlAttributeMapping = {
  ...BASE_MAPPING,
  emails: {
    from: 'user_emails e',
    where: 'e.user_id = u.id',
    subAttributes: { value: 'e.value', type: 'e.type', primary: 'e."primary"' },
  },
}

/** Emails as the elements of a jsonb array column. */
export const JSONB_MAPPING: SqlAttributeMapping = {
  ...BASE_MAPPING,
  emails: {
    from: 'jsonb_array_elements(u.emails_json) AS e(doc)',
    subAttributes: {
      value: "e.doc->>'value'",
      type: "e.doc->>'type'",
      primary: "(e.doc->>'primary')::boolean",
    },
  },
}

export const MAPPINGS: readonly (readonly [string, SqlAttributeMapping])[] = [
  ['child table', CHILD_TABLE_MAPPING],
  ['jsonb column', JSONB_MAPPING],
]

const DDL = [
  `create table users (
    id text primary key,
    user_name text not null,
    external_id text,
    display_name text,
    given_name text,
    family_name text,
    title text,
    user_type text,
    active boolean,
    created_at timestamptz,
    modified_at timestamptz,
    employee_number text,
    emails_json jsonb
  )`,
  `create table user_emails (
    user_id text not null references users (id),
    value text,
    type text,
    "primary" boolean
  )`,
]

/** Creates `users` and `user_emails` (in the current search_path) and inserts USERS. */
export async function createAndSeed(query: Query): Promise<void> {
  for (const statement of DDL) await query(statement)
  for (const u of USERS) {
    await query(
      `insert into users (id, user_name, external_id, display_name, given_name, family_name, title, user_type,
         active, created_at, modified_at, employee_number, emails_json)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $11::timestamptz, $12, $13::jsonb)`,
      [
        u.id,
        u.userName,
        u.externalId ?? null,
        u.displayName ?? null,
        u.name?.givenName ?? null,
        u.name?.familyName ?? null,
        u.title ?? null,
        u.userType ?? null,
        u.active ?? null,
        u.meta?.created ?? null,
        u.meta?.lastModified ?? null,
        u[ENTERPRISE_USER]?.employeeNumber ?? null,
        u.emails === undefined ? null : JSON.stringify(u.emails),
      ],
    )
    for (const e of u.emails ?? []) {
      await query('insert into user_emails (user_id, value, type, "primary") values ($1, $2, $3, $4)', [
        u.id,
        e.value ?? null,
        e.type ?? null,
        e.primary ?? null,
      ])
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

/** Ids (sorted) of the seed users that compileFilter() accepts. */
export function memoryIds(filter: string): string[] {
  const predicate = compileFilter(parseFilter(filter), { resourceType: 'User' })
  return USERS.filter(predicate)
    .map((u) => u.id)
    .sort(byCodeUnit)
}

/** Runs `filter` through filterToSql on the database and through compileFilter() on USERS. */
export async function runBothWays(
  query: Query,
  compile: SqlFilterCompiler,
  filter: string,
): Promise<BothWays> {
  const { text, values } = compile(parseFilter(filter))
  const result = await query(`select id from users u where ${text} order by id`, values)
  const sql = result.rows.map((row) => String(row.id)).sort(byCodeUnit)
  return { filter, sql, memory: memoryIds(filter), text, values }
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
