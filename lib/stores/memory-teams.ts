// The reference TeamStore: per-tenant maps of teams and member maps, with a user → teams index; synchronous and atomic.
import type { MemberReference } from '../../types/patch'
import type {
  KeysetPage,
  KeysetQuery,
  ListPage,
  ListQuery,
  MemberPage,
  NewTeam,
  RequestContext,
  StoredTeam,
  TeamChange,
  TeamFields,
  TeamMember,
  TeamOfUser,
  TeamStore,
} from '../../types/stores'
import { configError, uniquenessConflict } from '../errors'
import { isObject } from '../json'
import type { SchemaRegistry } from '../schema/registry'
import { changeTeam } from './memory-team-change'
import { listTeams, listTeamsAfter } from './memory-team-list'
import {
  addMembers,
  checkMemberId,
  dropMembers,
  memberPage,
  removeUserEverywhere,
} from './memory-team-members'
import {
  copyTeamOut,
  deleteTeam,
  insertTeam,
  newTeamPartition,
  normaliseTeam,
  type TeamPartition,
  type TeamRecord,
  teamNamed,
} from './memory-team-records'
import {
  checkTenant,
  type MemoryStoreOptions,
  nextVersion,
  readStoreOptions,
  refuseClustered,
  TenantPartitions,
  tenantOf,
  warnInProduction,
} from './shared'
import { UuidSource } from './uuid'

/** Options of `new MemoryTeamStore()`. */
export type MemoryTeamStoreOptions = MemoryStoreOptions

/**
 * A `TeamStore` that keeps teams and memberships in memory: for tests, demos and the contract suite's
 * reference. Per tenant, a team's members are a map in insertion order, and a reverse index maps each
 * user to its teams. Membership changes are deltas touching only the members named, and bump the
 * team's version when they change something. `list` answers `displayName eq`, `id eq` and
 * `members[value eq "..."]` from the indexes, and builds the member list into the filter's view only
 * when the filter reads `members`.
 *
 * Every method is synchronous, so every check-then-write is atomic under concurrent requests, and
 * every result is a fresh record whose `document` is the stored one, frozen. Team `externalId` is not unique (two teams may share one).
 */
export class MemoryTeamStore implements TeamStore {
  readonly #registry: SchemaRegistry
  readonly #tenants = new TenantPartitions<TeamPartition>(newTeamPartition)
  #sequence = 0
  readonly #ids = new UuidSource()

  /** Throws `TypeError` on options other than `{ registry }` and in a `node:cluster` worker. Warns when `NODE_ENV` is `production`. */
  constructor(options?: MemoryTeamStoreOptions) {
    refuseClustered('MemoryTeamStore')
    this.#registry = readStoreOptions(options, 'MemoryTeamStore')
    warnInProduction(
      'express-scim: MemoryTeamStore keeps teams in memory, so they are lost on restart and not shared ' +
        'between processes; use a database-backed TeamStore in production',
    )
  }

  /** Creates a team and its memberships at once. Throws `uniquenessConflict('displayName')` when the name is taken. */
  create(team: NewTeam, members: readonly MemberReference[], context: RequestContext): StoredTeam {
    const values = normaliseTeam(team)
    if (!Array.isArray(members)) throw configError('ERR_INVALID_ARGUMENT', 'members must be an array')
    for (const ref of members) checkMemberId(ref?.value)
    const partition = this.#tenants.write(tenantOf(context))
    if (teamNamed(partition, values.displayName) !== undefined) throw uniquenessConflict('displayName')
    const now = new Date()
    this.#sequence += 1
    const record: TeamRecord = {
      id: this.#ids.next(),
      version: nextVersion(partition),
      created: now,
      lastModified: now,
      provisioned: true,
      ...values,
      sequence: this.#sequence,
    }
    addMembers(partition, record.id, insertTeam(partition, record), members)
    return copyTeamOut(record)
  }

  /** The team with this id in the tenant, without its members. */
  get(id: string, context: RequestContext): StoredTeam | undefined {
    const record = this.#tenants.read(tenantOf(context))?.byId.get(id)
    return record ? copyTeamOut(record) : undefined
  }

  /**
   * One page of the tenant's teams. Indexed equalities (`displayName eq`, `id eq`, a member id) start
   * from the index; the rest of the filter is compiled once and evaluated against the Group view of each
   * candidate, with its members only when the filter reads them. Default order: creation order.
   */
  list(query: ListQuery, context: RequestContext): ListPage<StoredTeam> {
    return listTeams(this.#tenants.read(tenantOf(context)), this.#registry, query)
  }

  /** The page after a position (RFC 9865 cursor paging): the teams `list` would list, in its order, after it. */
  listAfter(query: KeysetQuery, context: RequestContext): KeysetPage<StoredTeam> {
    return listTeamsAfter(this.#tenants.read(tenantOf(context)), this.#registry, query)
  }

  /**
   * Replaces the team's fields when its version is `expectedVersion`; members are untouched. Undefined
   * when there is no such team; throws `versionMismatch()` or `uniquenessConflict('displayName')`.
   */
  update(
    id: string,
    fields: TeamFields,
    expectedVersion: string,
    context: RequestContext,
  ): StoredTeam | undefined {
    if (!isObject(fields)) throw configError('ERR_INVALID_ARGUMENT', 'team fields must be an object')
    return this.applyChange(id, { fields, expectedVersion }, context)
  }

  /**
   * Writes new fields (compare-and-swap on `expectedVersion`) and a member change at once: every check
   * runs before the first change, and nothing can run in between, so it is all or nothing. One new
   * version. Undefined when there is no such team.
   */
  applyChange(id: string, change: TeamChange, context: RequestContext): StoredTeam | undefined {
    const record = this.#change(id, change, context)
    return record ? copyTeamOut(record) : undefined
  }

  /** `applyChange` without the copy: the membership methods answer a boolean and need none. */
  #change(id: string, change: TeamChange, context: RequestContext): TeamRecord | undefined {
    return changeTeam(this.#tenants.read(tenantOf(context)), id, change)
  }

  /** Deletes the team and its memberships (both directions); true when it existed. */
  delete(id: string, context: RequestContext): boolean {
    const partition = this.#tenants.read(tenantOf(context))
    const record = partition?.byId.get(id)
    if (!partition || !record) return false
    dropMembers(partition, id)
    deleteTeam(partition, record)
    return true
  }

  /** Adds the members not yet present (idempotent); bumps the version when one was added. False when no team. */
  addMembers(id: string, members: readonly MemberReference[], context: RequestContext): boolean {
    return (
      this.#change(id, { members: { kind: 'delta', added: members, removed: [] } }, context) !== undefined
    )
  }

  /** Removes these user ids (idempotent); bumps the version when one was a member. False when no team. */
  removeMembers(id: string, userIds: readonly string[], context: RequestContext): boolean {
    return (
      this.#change(id, { members: { kind: 'delta', added: [], removed: userIds } }, context) !== undefined
    )
  }

  /**
   * Makes `members` the complete member list. Members kept stay where they were in the order, new ones
   * come after them. Reads the current list once (a replacement must find who to drop) and copies none
   * of it. Bumps the version when the membership changed. False when no team.
   */
  replaceMembers(id: string, members: readonly MemberReference[], context: RequestContext): boolean {
    return this.#change(id, { members: { kind: 'replace', members } }, context) !== undefined
  }

  /** One page of the team's members in insertion order, and their total; undefined when no team. */
  listMembers(id: string, page: MemberPage, context: RequestContext): ListPage<TeamMember> | undefined {
    const members = this.#tenants.read(tenantOf(context))?.members.get(id)
    return members ? memberPage(members, page) : undefined
  }

  /** The same page of members of each of these teams (those that exist), in one call. */
  listMembersOfTeams(
    ids: readonly string[],
    page: MemberPage,
    context: RequestContext,
  ): Map<string, ListPage<TeamMember>> {
    const teams = this.#tenants.read(tenantOf(context))?.members
    const pages = new Map<string, ListPage<TeamMember>>()
    for (const id of ids) {
      const members = teams?.get(id)
      if (members) pages.set(id, memberPage(members, page))
    }
    return pages
  }

  /**
   * The teams of each of these users (those in a team), at most `limit` each, in the order each joined
   * them: through the reverse index, never a scan of the teams.
   */
  listTeamsOfUsers(
    userIds: readonly string[],
    limit: number,
    context: RequestContext,
  ): Map<string, TeamOfUser[]> {
    const partition = this.#tenants.read(tenantOf(context))
    const teams = new Map<string, TeamOfUser[]>()
    if (!partition) return teams
    for (const userId of userIds) {
      const ids = partition.teamsOfUser.get(userId)
      if (!ids || teams.has(userId)) continue
      const list: TeamOfUser[] = []
      for (const id of ids) {
        if (list.length >= limit) break
        const record = partition.byId.get(id)
        if (record) list.push({ id: record.id, displayName: record.displayName })
      }
      teams.set(userId, list)
    }
    return teams
  }

  /** Removes the user from every team of the tenant, through the reverse index; bumps each team's version. */
  removeUserFromTeams(userId: string, context: RequestContext): void {
    const partition = this.#tenants.read(tenantOf(context))
    if (partition) removeUserEverywhere(partition, userId)
  }

  /** How many members the team has, or undefined when there is no such team. */
  memberCount(tenant: string, id: string): number | undefined {
    return this.#tenants.read(checkTenant(tenant))?.members.get(id)?.size
  }

  /** The ids of the tenant's teams the user belongs to, in the order it joined them. */
  teamsOfUser(tenant: string, userId: string): string[] {
    return [...(this.#tenants.read(checkTenant(tenant))?.teamsOfUser.get(userId) ?? [])]
  }
}
