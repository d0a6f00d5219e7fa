// The reference UserStore: per-tenant maps indexed by id, folded userName and email, and externalId; synchronous, so each write is atomic.
import { createHash, timingSafeEqual } from 'node:crypto'
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
import { versionMismatch } from '../errors'
import { compileFilter } from '../filter/evaluate'
import { type ScimResource, userResource } from '../representation/resources'
import { USER_SCHEMA } from '../schema/core'
import { foldCase } from '../schema/fold'
import type { SchemaRegistry } from '../schema/registry'
import { keysetPageOf } from './keyset'
import {
  groupsView,
  readsGroups,
  readTeamStoreOption,
  TEAM_STORE_OPTION,
  type TeamsOfUsers,
} from './memory-user-groups'
import {
  NAMESPACE_OPTION,
  readSharedNamespace,
  type UserNameEmailNamespace,
  UserNameIndex,
} from './memory-user-names'
import { copyOut, type LocalUserFields, makeRecord, normalise, type UserRecord } from './memory-user-records'
import {
  checkTenant,
  type IndexedTerm,
  indexedTerm,
  type MemoryStoreOptions,
  memoize,
  nextVersion,
  pageBounds,
  pageOf,
  planFilter,
  readStoreOptions,
  refuseClustered,
  type SortKey,
  sortKeyReader,
  TenantPartitions,
  tenantOf,
  warnInProduction,
} from './shared'
import { UuidSource } from './uuid'

export type { TeamsOfUsers } from './memory-user-groups'
export type { UserNameEmailNamespace } from './memory-user-names'
export type { LocalUserFields } from './memory-user-records'

/** Options of `new MemoryUserStore()`. */
export interface MemoryUserStoreOptions extends MemoryStoreOptions {
  /**
   * `'shared'` (the default): a userName may not equal another visible user's email, nor an email
   * another visible user's userName (compared with `foldCase`; 409 `uniqueness`), because a host that
   * signs in by login or email (Grafana does) would otherwise let one login name two people.
   * `'separate'`: only userName against userName and email against email, for a host whose users sign
   * in by login only, with logins that are never emails.
   */
  readonly userNameEmailNamespace?: UserNameEmailNamespace
  /**
   * The `MemoryTeamStore` whose teams these users belong to: filters on `groups` (`groups.value eq
   * "…"`, `groups[display eq "…"]`) read it. Without it, such a filter is 400 `invalidFilter`.
   */
  readonly teamStore?: TeamsOfUsers
}

/** One tenant's users. The indexes make get, uniqueness checks and the common filters lookups. */
interface UserPartition {
  readonly byId: Map<string, UserRecord>
  /** Folded userName and email, externalId (hidden users apart): uniqueness and look-ups. */
  readonly names: UserNameIndex<UserRecord>
  /** id → SHA-256 hex of the password; kept apart from the records so no copy can ever carry it. */
  readonly passwords: Map<string, string>
  /** The last version issued in this tenant: per tenant, so no ETag tells how busy another tenant is. */
  readonly versions: { last: number }
}

/** The filter terms the indexes answer: `userName eq`, `externalId eq`, `id eq`. */
const INDEXED_KEYS: ReadonlySet<string> = new Set(['username', 'externalid', 'id'])

function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex')
}

/**
 * A `UserStore` that keeps users in memory: for tests, demos and the contract suite's reference. Users
 * are partitioned by `context.tenant`; `get`, the uniqueness checks, `findAllByExternalId` and the filters
 * `userName eq`, `externalId eq` and `id eq` are map lookups, other filters are compiled once per `list`
 * call. userNames and emails are indexed by `foldCase()`, and share one namespace unless
 * `userNameEmailNamespace: 'separate'`.
 *
 * Every method is synchronous, so no other request can run between a uniqueness or version check and
 * the write it guards: concurrent creates of one userName give exactly one user. Every result is a
 * fresh record whose `document` is the stored one, frozen (written once, shared by every read, so a
 * page of large users costs no copies); nothing a caller does reaches the store. Passwords are kept only as SHA-256
 * digests, never returned (see `verifyPassword`). Data lives as long as the instance: two stores never
 * share anything.
 */
export class MemoryUserStore implements UserStore {
  readonly #registry: SchemaRegistry
  readonly #sharedNamespace: boolean
  readonly #teams: TeamsOfUsers | undefined
  readonly #tenants = new TenantPartitions<UserPartition>(() => ({
    versions: { last: 0 },
    byId: new Map(),
    names: new UserNameIndex(this.#sharedNamespace),
    passwords: new Map(),
  }))
  #sequence = 0
  readonly #ids = new UuidSource()

  /**
   * Throws `TypeError` on options other than `{ registry, userNameEmailNamespace, teamStore }` and on a namespace
   * other than `'shared'` or `'separate'`, and in a `node:cluster` worker. Warns when `NODE_ENV` is `production`.
   */
  constructor(options?: MemoryUserStoreOptions) {
    refuseClustered('MemoryUserStore')
    this.#registry = readStoreOptions(options, 'MemoryUserStore', [NAMESPACE_OPTION, TEAM_STORE_OPTION])
    this.#sharedNamespace = readSharedNamespace(options)
    this.#teams = readTeamStoreOption(options)
    warnInProduction(
      'express-scim: MemoryUserStore keeps users in memory, so they are lost on restart and not shared ' +
        'between processes; use a database-backed UserStore in production',
    )
  }

  #insert(tenant: string, fields: LocalUserFields, provisioned: boolean): StoredUser {
    const values = normalise(fields)
    const partition = this.#tenants.write(tenant)
    if (!values.hidden) partition.names.checkUnique(values)
    const now = new Date()
    this.#sequence += 1
    const record = makeRecord(
      {
        id: this.#ids.next(),
        version: nextVersion(partition),
        created: now,
        lastModified: now,
        provisioned,
        sequence: this.#sequence,
      },
      values,
    )
    partition.byId.set(record.id, record)
    partition.names.add(record)
    if (typeof fields.password === 'string') partition.passwords.set(record.id, hashPassword(fields.password))
    return copyOut(record)
  }

  /**
   * Creates a provisioned user. Throws `uniquenessConflict('userName' | 'externalId' | 'emails')` when
   * taken in the tenant (with the shared namespace, a userName held as an email counts, and the other way round).
   */
  create(user: NewUser, context: RequestContext): StoredUser {
    return this.#insert(tenantOf(context), user, true)
  }

  /** The user with this id in the tenant, hidden ones included (the router answers 404 for those). */
  get(id: string, context: RequestContext): StoredUser | undefined {
    const record = this.#tenants.read(tenantOf(context))?.byId.get(id)
    return record ? copyOut(record) : undefined
  }

  /** The records an indexed term designates: zero or one, straight from an index. */
  #lookup(partition: UserPartition, term: IndexedTerm): UserRecord[] {
    const record =
      term.key === 'id'
        ? partition.byId.get(term.value)
        : term.key === 'username'
          ? partition.names.byUserName(term.value)
          : partition.names.byExternalId(term.value)
    return record ? [record] : []
  }

  /** The page of one indexed equality: the record it designates, when SCIM may see it and the page reaches it. */
  #lookupPage(
    partition: UserPartition | undefined,
    term: IndexedTerm,
    query: ListQuery,
  ): ListPage<StoredUser> {
    const [record] = partition ? this.#lookup(partition, term) : []
    if (!record?.provisioned || record.hidden) return { totalResults: 0, resources: [] }
    const { skip, take } = pageBounds(query.startIndex, query.count)
    return { totalResults: 1, resources: skip === 0 && take > 0 ? [copyOut(record)] : [] }
  }

  /**
   * One page of the tenant's provisioned, visible users (local users are not SCIM's to see). Indexed equalities (`userName eq`, `externalId eq`,
   * `id eq`, alone or and-ed with other terms) start from the index; the rest of the filter is compiled
   * once and evaluated against the SCIM view of each candidate. Default order: creation order.
   */
  list(query: ListQuery, context: RequestContext): ListPage<StoredUser> {
    const partition = this.#tenants.read(tenantOf(context))
    // The IdPs' own question before every write (`userName eq "…"`, `externalId eq "…"`): one lookup,
    // answered without a plan, tests or closures.
    const single =
      query.filter && !query.sortBy ? indexedTerm(query.filter, USER_SCHEMA, INDEXED_KEYS) : undefined
    if (single) return this.#lookupPage(partition, single, query)
    const selection = this.#select(query, context)
    if (!partition) return { totalResults: 0, resources: [] }
    return pageOf(
      selection.candidates ?? partition.byId.values(),
      selection.matches,
      query,
      selection.keyOf,
      (r) => r.sequence,
      copyOut,
    )
  }

  /**
   * The page after a position (RFC 9865 cursor paging): the users `list` would list, in its order, after
   * the one `query.after` names, with the total. A user created or deleted meanwhile shifts no other.
   */
  listAfter(query: KeysetQuery, context: RequestContext): KeysetPage<StoredUser> {
    const partition = this.#tenants.read(tenantOf(context))
    const selection = this.#select(query, context)
    if (!partition) return { resources: [], positions: [], more: false, totalResults: 0 }
    return keysetPageOf(
      selection.candidates ?? partition.byId.values(),
      selection.matches,
      query,
      selection.keyOf,
      (r) => r.sequence,
      copyOut,
    )
  }

  /**
   * What a list reads: the candidates (from an index, when the filter has an indexed equality), the test
   * of each, and the sort key. The rest of the filter is compiled once, even for an empty tenant, so
   * that an invalid filter is a 400 whatever the data.
   */
  #select(
    query: Pick<ListQuery, 'filter' | 'sortBy'>,
    context: RequestContext,
  ): {
    candidates: Iterable<UserRecord> | undefined
    matches: (record: UserRecord) => boolean
    keyOf: ((record: UserRecord) => SortKey | undefined) | undefined
  } {
    const partition = this.#tenants.read(tenantOf(context))
    let candidates: Iterable<UserRecord> | undefined
    const tests: ((record: UserRecord) => boolean)[] = []
    const sortKey = query.sortBy ? sortKeyReader(this.#registry, 'User', query.sortBy) : undefined
    // Groups are read for a filter on them (which needs the team store) and for a sort by them.
    const filtersGroups = query.filter !== undefined && readsGroups(query.filter)
    const sortsByGroups = this.#teams !== undefined && query.sortBy?.attribute.toLowerCase() === 'groups'
    const scimView = filtersGroups || sortsByGroups ? groupsView(this.#teams, context) : userResource
    // The SCIM view is built at most once per record, whether the filter, the sort, or both read it.
    const view: (record: UserRecord) => ScimResource = sortKey ? memoize(scimView) : scimView
    if (query.filter) {
      const plan = planFilter(query.filter, USER_SCHEMA, INDEXED_KEYS)
      if (plan.rest) {
        const predicate = compileFilter(plan.rest, { registry: this.#registry, resourceType: 'User' })
        tests.push((record) => predicate(view(record)))
      }
      const [first, ...others] = plan.terms
      if (first && partition) candidates = this.#lookup(partition, first)
      for (const term of others) {
        // The other indexed terms are tested on the record itself: cheaper than the SCIM view.
        const wanted = term.key === 'username' ? foldCase(term.value) : term.value
        if (term.key === 'id') tests.unshift((r) => r.id === wanted)
        else if (term.key === 'username') tests.unshift((r) => foldCase(r.userName) === wanted)
        else tests.unshift((r) => r.externalId === wanted)
      }
    }
    return {
      candidates,
      matches: (record) => record.provisioned && !record.hidden && tests.every((test) => test(record)),
      keyOf: sortKey ? (r) => sortKey(view(r)) : undefined,
    }
  }

  /**
   * Replaces the user's fields when its version is `expectedVersion`. Undefined when there is no such
   * user; throws `versionMismatch()` when the version moved on, `uniquenessConflict` when the new
   * userName, externalId or email belongs to another user. Keeps `id` and `created`; keeps `provisioned`
   * unless `fields.provisioned` adopts the user; keeps the password unless `fields.password` sets a new one.
   */
  update(
    id: string,
    fields: UserFields,
    expectedVersion: string,
    context: RequestContext,
  ): StoredUser | undefined {
    const partition = this.#tenants.read(tenantOf(context))
    const current = partition?.byId.get(id)
    if (!partition || !current) return undefined
    if (current.version !== expectedVersion) throw versionMismatch()
    const values = normalise(fields)
    if (!values.hidden) partition.names.checkUnique(values, id)
    const record = makeRecord(
      {
        // The current record's id, not the caller's string: it is the one the indexes hold, and flat.
        id: current.id,
        version: nextVersion(partition),
        created: current.created,
        lastModified: new Date(),
        provisioned: current.provisioned || fields.provisioned === true,
        sequence: current.sequence,
      },
      values,
    )
    // Map.set on an existing key keeps its position, so creation order survives updates. The name
    // index holds records, not ids: every write that replaces a record in `byId` replaces it there too.
    partition.byId.set(id, record)
    partition.names.remove(current)
    partition.names.add(record)
    if (typeof fields.password === 'string') partition.passwords.set(id, hashPassword(fields.password))
    return copyOut(record)
  }

  /** Deletes the user and its password; true when it existed. Team memberships are the TeamStore's. */
  delete(id: string, context: RequestContext): boolean {
    const partition = this.#tenants.read(tenantOf(context))
    const record = partition?.byId.get(id)
    if (!partition || !record) return false
    partition.byId.delete(id)
    partition.names.remove(record)
    partition.passwords.delete(id)
    return true
  }

  /** The ids, among these, of the tenant's provisioned, visible users: the only valid team members. */
  findExisting(ids: readonly string[], context: RequestContext): string[] {
    const partition = this.#tenants.read(tenantOf(context))
    if (!partition) return []
    const found = new Set<string>()
    for (const id of ids) {
      const record = partition.byId.get(id)
      if (record?.provisioned && !record.hidden) found.add(id)
    }
    return [...found]
  }

  /**
   * The visible users, provisioned or local, whose userName or email equals these (case-insensitively,
   * `foldCase`): what a SCIM create would collide with. With the shared namespace (the default), also
   * the user whose email is `userName` and the one whose userName is `email`. At most four.
   */
  findByUserNameOrEmail(userName: string, email: string | undefined, context: RequestContext): StoredUser[] {
    const partition = this.#tenants.read(tenantOf(context))
    if (!partition || typeof userName !== 'string') return []
    return partition.names.collisions(userName, typeof email === 'string' ? email : undefined).map(copyOut)
  }

  /**
   * Every user of the tenant whose externalId is exactly `externalId` (case-sensitive): the visible one,
   * provisioned or local, and the hidden ones (deleted with `userDeletion: 'disable'`), so that the SAML
   * linker can refuse a deprovisioned person's next login. Two index lookups, no scan.
   */
  findAllByExternalId(externalId: string, context: RequestContext): StoredUser[] {
    const partition = this.#tenants.read(tenantOf(context))
    if (!partition || typeof externalId !== 'string') return []
    return partition.names.allByExternalId(externalId).map((id) => copyOut(partition.byId.get(id)!))
  }

  /**
   * Creates a user the host made itself (not through SCIM): `provisioned: false`, so the SAML linking
   * can tell it apart. Same uniqueness rules as `create`.
   */
  addLocalUser(tenant: string, fields: LocalUserFields): StoredUser {
    return this.#insert(checkTenant(tenant), fields, false)
  }

  /** The tenant's visible user with this externalId (compared case-sensitively). */
  findByExternalId(tenant: string, externalId: string): StoredUser | undefined {
    const partition = this.#tenants.read(checkTenant(tenant))
    const record = typeof externalId === 'string' ? partition?.names.byExternalId(externalId) : undefined
    return record ? copyOut(record) : undefined
  }

  /** The tenant's visible user with this userName (compared case-insensitively). */
  findByUserName(tenant: string, userName: string): StoredUser | undefined {
    const partition = this.#tenants.read(checkTenant(tenant))
    const record = typeof userName === 'string' ? partition?.names.byUserName(userName) : undefined
    return record ? copyOut(record) : undefined
  }

  /** The tenant's visible user with this email (compared case-insensitively): a host's login lookup. */
  findByEmail(tenant: string, email: string): StoredUser | undefined {
    const partition = this.#tenants.read(checkTenant(tenant))
    const record = typeof email === 'string' ? partition?.names.byEmail(email) : undefined
    return record ? copyOut(record) : undefined
  }

  /**
   * True when the user exists in the tenant, has a password, and `password` is it. Compares digests
   * in constant time. SHA-256 suits a demo store only: a real one should use a slow, salted hash.
   */
  verifyPassword(tenant: string, id: string, password: string): boolean {
    const stored = this.#tenants.read(checkTenant(tenant))?.passwords.get(id)
    if (stored === undefined || typeof password !== 'string') return false
    return timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(hashPassword(password), 'hex'))
  }

  /** How many users the tenant has, hidden ones included. */
  size(tenant: string): number {
    return this.#tenants.read(checkTenant(tenant))?.byId.size ?? 0
  }
}
