// The host's UserStore over PostgreSQL: each SCIM operation in one statement or one transaction, logins and emails in one namespace, roles and entitlements beside the row, filters and pages pushed down to SQL.
import { randomUUID } from 'node:crypto'
import { versionMismatch } from '../../lib/errors'
import { foldCase } from '../../lib/schema/fold'
import {
  conditionalUpdate,
  keysetPageSql,
  pageSql,
  readKeysetPage,
  readPage,
  withSqlErrors,
} from '../../lib/sql'
import type {
  KeysetPage,
  KeysetQuery,
  ListPage,
  ListQuery,
  NewUser,
  RequestContext,
  StoredUser,
  UserFields,
  UserStore,
} from '../../types/stores'
import type { Database } from './db'
import {
  GRANT_COLUMNS,
  grantsOfNewUser,
  grantsOfRow,
  type HeldGrants,
  insertGrantsCte,
  insertGrantsValues,
  replaceGrants,
} from './grants-sql'
import { compileUserFilter as compileFilter } from './user-filter'
import { emailsOf, nameConflict, writeIndexes } from './user-names'

/** A row of `users`, as both drivers hand it out. */
interface UserRow {
  readonly id: string
  readonly login: string
  readonly email: string | null
  readonly name: string | null
  readonly disabled: boolean
  readonly external_uid: string | null
  readonly provisioned: boolean
  readonly hidden: boolean
  readonly document: Record<string, unknown> | null
  readonly version: string | number
  readonly created: Date | string
  readonly updated: Date | string
  /** With `GRANT_COLUMNS` (every read): the values the user holds. */
  readonly roles?: readonly string[] | null
  readonly entitlements?: readonly string[] | null
}

/** A local user the host creates itself (the admin), not SCIM. */
export interface LocalUser {
  readonly userName: string
  readonly email?: string
  readonly displayName?: string
  readonly externalId?: string
  readonly passwordHash?: string
}

/** The row's own columns: what an INSERT returns (its grants are the ones it was given). */
const ROW_COLUMNS =
  'u.id, u.login, u.email, u.name, u.disabled, u.external_uid, u.provisioned, u.hidden, u.document, u.version, u.created, u.updated'

/** What every read selects: the row and the user's roles and entitlements, in one statement. */
const COLUMNS = `${ROW_COLUMNS}, ${GRANT_COLUMNS}`

/** Unique indexes of `users` → the SCIM attribute each protects (the user_names rows are checked apart). */
const UNIQUE = {
  uniqueConstraints: {
    users_login_key: 'userName',
    users_email_key: 'emails',
    users_external_uid_key: 'externalId',
  },
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A SCIM id that can be a row's (the lower-case text form PostgreSQL gives): anything else names no user, and never reaches PostgreSQL as a type error (22P02). */
function isRowId(id: string): boolean {
  return UUID.test(id)
}

/** The user of a row read with `COLUMNS` (its grants included). */
function toStoredUser(row: UserRow): StoredUser {
  return userOf(row, grantsOfRow(row))
}

/** The user of a row, holding these grants. */
function userOf(row: UserRow, grants: HeldGrants): StoredUser {
  const user: { -readonly [K in keyof StoredUser]: StoredUser[K] } = {
    id: row.id,
    version: String(row.version),
    created: row.created,
    lastModified: row.updated,
    provisioned: row.provisioned,
    userName: row.login,
    active: !row.disabled,
    document: row.document ?? {},
  }
  if (row.external_uid !== null) user.externalId = row.external_uid
  if (row.name !== null) user.displayName = row.name
  if (row.email !== null) user.email = row.email
  if (row.hidden) user.hidden = true
  // Always given: the router then shows exactly what the user holds in SQL (draft-ietf-scim-roles-entitlements).
  user.roles = grants.roles
  user.entitlements = grants.entitlements
  return user
}

/** The row values of the named fields, in the order of the INSERT and UPDATE below. */
function fieldValues(user: UserFields) {
  return [
    user.userName,
    foldCase(user.userName),
    user.email ?? null,
    user.email === undefined ? null : foldCase(user.email),
    user.displayName ?? null,
    !user.active,
    user.externalId ?? null,
    user.hidden === true,
    JSON.stringify(user.document ?? {}),
  ]
}

/** `UserStore` over the host's `users` table (see migrations/001_initial.sql). */
export class SqlUserStore implements UserStore {
  constructor(private readonly db: Database) {}

  /** Creates a provisioned user: one statement (the row, its names, its emails). */
  create(user: NewUser, context: RequestContext): Promise<StoredUser> {
    return this.#insert(context.tenant, user, true, null)
  }

  /** Creates a local user (`provisioned: false`), as the host's admin set-up does. */
  addLocalUser(tenant: string, user: LocalUser): Promise<StoredUser> {
    const fields: UserFields = {
      userName: user.userName,
      active: true,
      document: {},
      ...(user.email === undefined ? {} : { email: user.email }),
      ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
      ...(user.externalId === undefined ? {} : { externalId: user.externalId }),
    }
    return this.#insert(tenant, fields, false, user.passwordHash ?? null)
  }

  /**
   * One statement: the row, its names in the login/email namespace, its emails and its grants, inserted together
   * by data-modifying CTEs (atomic, as any single statement is). A name another user holds fails the
   * statement with a unique violation on `user_names_key`, whose key tells which name it was.
   */
  #insert(
    tenant: string,
    user: UserFields,
    provisioned: boolean,
    passwordHash: string | null,
  ): Promise<StoredUser> {
    const id = randomUUID()
    const login = foldCase(user.userName)
    const email = user.email === undefined ? undefined : foldCase(user.email)
    const names =
      user.hidden === true ? [] : [login, ...(email !== undefined && email !== login ? [email] : [])]
    const grants = grantsOfNewUser(user)
    const emails = emailsOf({
      id,
      version: '1',
      created: '',
      lastModified: '',
      provisioned,
      ...user,
      document: user.document ?? {},
    })
    const statement = `with created as (
        insert into users as u (tenant, id, login, login_folded, email, email_folded, name, disabled, external_uid,
          hidden, document, provisioned, password_hash)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13) returning ${ROW_COLUMNS}),
      names as (
        insert into user_names (tenant, name_folded, user_id, kind)
        select $1, n.name, created.id, case when n.position = 1 then 'login' else 'email' end
          from created, unnest($14::text[]) with ordinality as n(name, position)),
      emails as (
        insert into user_emails (tenant, user_id, value, value_folded, type, is_primary, position)
        select $1, created.id, e.value, e.folded, e.type, e.is_primary, e.position
          from created, unnest($15::text[], $16::text[], $17::text[], $18::boolean[]) with ordinality as e(value, folded, type, is_primary, position)),
      ${insertGrantsCte(1, 19)}
      select * from created`
    const values = [
      tenant,
      id,
      ...fieldValues(user),
      provisioned,
      passwordHash,
      names,
      emails.map((e) => e.value),
      emails.map((e) => foldCase(e.value)),
      emails.map((e) => e.type),
      emails.map((e) => e.primary),
      ...insertGrantsValues(grants),
    ]
    return withSqlErrors(async () => {
      try {
        const inserted = await this.db.query<UserRow & Record<string, unknown>>(statement, values)
        // The CTEs see no rows of each other: the grants returned are the ones written.
        return userOf(inserted.rows[0]!, grants)
      } catch (error) {
        throw nameConflict(error, login) ?? error
      }
    }, UNIQUE)
  }

  /** One query. */
  async get(id: string, context: RequestContext): Promise<StoredUser | undefined> {
    if (!isRowId(id)) return undefined
    const found = await withSqlErrors(() =>
      this.db.query<UserRow & Record<string, unknown>>(
        `select ${COLUMNS} from users u where u.tenant = $1 and u.id = $2`,
        [context.tenant, id],
      ),
    )
    const row = found.rows[0]
    return row === undefined ? undefined : toStoredUser(row)
  }

  /** One statement: the page and the total; provisioned, visible users only. */
  async list(query: ListQuery, context: RequestContext): Promise<ListPage<StoredUser>> {
    // The filter's placeholders come first ($1..$n, as the compiler numbers them), the tenant after them.
    const filter = query.filter === undefined ? undefined : compileFilter(query.filter)
    const values = [...(filter?.values ?? []), context.tenant]
    const scope = `u.tenant = $${values.length} and u.provisioned and not u.hidden`
    const sorted =
      query.sortBy === undefined ? undefined : compileFilter.orderBy(query.sortBy, query.sortOrder)
    const statement = pageSql({
      select: COLUMNS,
      from: 'users u',
      where: { text: filter === undefined ? scope : `${scope} and (${filter.text})`, values },
      // Creation order is the default and the tie-break, as in the memory store.
      orderBy: sorted === undefined ? ['u.seq'] : [sorted, 'u.seq'],
      startIndex: query.startIndex,
      count: query.count,
    })
    const result = await withSqlErrors(() => this.db.query(statement.text, statement.values))
    const page = readPage<UserRow & Record<string, unknown>>(result.rows)
    return { totalResults: page.totalResults, resources: page.rows.map(toStoredUser) }
  }

  /**
   * One statement: a keyset page (RFC 9865 cursor paging) after a position, through the (tenant, seq)
   * index, so page 10,000 costs what page 1 does; no total, which would count every match each time.
   */
  async listAfter(query: KeysetQuery, context: RequestContext): Promise<KeysetPage<StoredUser>> {
    const filter = query.filter === undefined ? undefined : compileFilter(query.filter)
    const values = [...(filter?.values ?? []), context.tenant]
    const scope = `u.tenant = $${values.length} and u.provisioned and not u.hidden`
    const sortKey = query.sortBy === undefined ? undefined : compileFilter.sortKey(query.sortBy)
    const statement = keysetPageSql({
      select: COLUMNS,
      from: 'users u',
      where: { text: filter === undefined ? scope : `${scope} and (${filter.text})`, values },
      ...(sortKey === undefined ? {} : { sortKey, descending: query.sortOrder === 'descending' }),
      uniqueKey: 'u.seq',
      ...(query.after === undefined ? {} : { after: query.after }),
      count: query.count,
    })
    const result = await withSqlErrors(() => this.db.query(statement.text, statement.values))
    const page = readKeysetPage<UserRow & Record<string, unknown>>(
      result.rows,
      query.count,
      sortKey !== undefined,
    )
    return { resources: page.rows.map(toStoredUser), positions: page.positions, more: page.more }
  }

  /**
   * One transaction: the compare-and-swap (returning the grants held), then the names and emails, the
   * grants when they changed (and the sessions of a disabled user); a second query only when nothing
   * was written.
   */
  update(
    id: string,
    user: UserFields,
    expectedVersion: string,
    context: RequestContext,
  ): Promise<StoredUser | undefined> {
    if (!isRowId(id)) return Promise.resolve(undefined)
    if (!/^\d{1,18}$/.test(expectedVersion)) {
      // Not a version this store ever issued: the user, if any, is at another one.
      return this.get(id, context).then((found) => {
        if (found) throw versionMismatch()
        return undefined
      })
    }
    return withSqlErrors(
      () =>
        this.db.transaction((tx) =>
          conditionalUpdate(
            async () => {
              const updated = await tx.query<UserRow & Record<string, unknown>>(
                `update users u set login = $3, login_folded = $4, email = $5, email_folded = $6, name = $7,
                   disabled = $8, external_uid = $9, hidden = $10, document = $11::jsonb,
                   provisioned = u.provisioned or $12, version = u.version + 1, updated = clock_timestamp()
                 where u.tenant = $1 and u.id = $2 and u.version = $13 returning ${COLUMNS}`,
                [context.tenant, id, ...fieldValues(user), user.provisioned === true, expectedVersion],
              )
              const row = updated.rows[0]
              if (row === undefined) return undefined
              const grants = await replaceGrants(tx, context.tenant, id, user, grantsOfRow(row))
              const stored = userOf(row, grants)
              await writeIndexes(tx, context.tenant, stored)
              // A disabled user's sessions end with the write that disables it: a replica that dies
              // before the router's SessionRevoker call leaves none alive (that call then ends nothing).
              if (row.disabled) {
                await tx.query(
                  `update sessions set revoked_at = clock_timestamp(), revoked_reason = 'scim: deactivated'
                   where tenant = $1 and user_id = $2 and revoked_at is null`,
                  [context.tenant, id],
                )
              }
              return stored
            },
            async () =>
              (await tx.query('select 1 from users where tenant = $1 and id = $2', [context.tenant, id])).rows
                .length > 0,
          ),
        ),
      UNIQUE,
    )
  }

  /** One statement (names, emails, memberships and sessions go with the row). */
  async delete(id: string, context: RequestContext): Promise<boolean> {
    if (!isRowId(id)) return false
    const deleted = await withSqlErrors(() =>
      this.db.query('delete from users where tenant = $1 and id = $2 returning id', [context.tenant, id]),
    )
    return deleted.rows.length > 0
  }

  /** One query for a whole list of member ids. */
  async findExisting(ids: readonly string[], context: RequestContext): Promise<string[]> {
    const candidates = ids.filter(isRowId)
    if (candidates.length === 0) return []
    const found = await withSqlErrors(() =>
      this.db.query<{ id: string }>(
        'select id from users where tenant = $1 and id = any($2::uuid[]) and provisioned and not hidden',
        [context.tenant, candidates],
      ),
    )
    return found.rows.map((row) => row.id)
  }

  /** Users a create would collide with, through the namespace (login and email both). */
  async findByUserNameOrEmail(
    userName: string,
    email: string | undefined,
    context: RequestContext,
  ): Promise<StoredUser[]> {
    const names = [foldCase(userName), ...(email === undefined ? [] : [foldCase(email)])]
    const found = await withSqlErrors(() =>
      this.db.query<UserRow & Record<string, unknown>>(
        `select ${COLUMNS} from users u where u.tenant = $1 and not u.hidden and u.id in
           (select user_id from user_names where tenant = $1 and name_folded = any($2::text[])) order by u.seq`,
        [context.tenant, names],
      ),
    )
    return found.rows.map(toStoredUser)
  }

  /** Every user holding this externalId, hidden ones included (SAML linking refuses those). */
  async findAllByExternalId(externalId: string, context: RequestContext): Promise<StoredUser[]> {
    const found = await withSqlErrors(() =>
      this.db.query<UserRow & Record<string, unknown>>(
        `select ${COLUMNS} from users u where u.tenant = $1 and u.external_uid = $2 order by u.seq`,
        [context.tenant, externalId],
      ),
    )
    return found.rows.map(toStoredUser)
  }

  /** The visible user signing in with this login or email (the login form), with its password hash. */
  async findForLogin(
    tenant: string,
    login: string,
  ): Promise<{ user: StoredUser; passwordHash: string | null } | undefined> {
    const found = await withSqlErrors(() =>
      this.db.query<UserRow & { password_hash: string | null } & Record<string, unknown>>(
        `select ${COLUMNS}, u.password_hash from users u where u.tenant = $1 and not u.hidden and u.id =
           (select user_id from user_names where tenant = $1 and name_folded = $2)`,
        [tenant, foldCase(login)],
      ),
    )
    const row = found.rows[0]
    return row === undefined ? undefined : { user: toStoredUser(row), passwordHash: row.password_hash }
  }
}
