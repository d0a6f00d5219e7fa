// The reference TeamStore: per-tenant maps of teams and member maps, with a user → teams index; synchronous and atomic.
import { randomUUID } from 'node:crypto'
import type { Filter } from '../../types/filter'
import type { MemberChanges, MemberReference } from '../../types/patch'
import type {
  ListPage,
  ListQuery,
  MemberPage,
  NewTeam,
  RequestContext,
  ScimDocument,
  StoredTeam,
  TeamChange,
  TeamFields,
  TeamMember,
  TeamStore,
} from '../../types/stores'
import { configError, uniquenessConflict, versionMismatch } from '../errors'
import { compileFilter } from '../filter/evaluate'
import { copyJson, freezeJson, isObject } from '../json'
import { groupResource, type ScimResource } from '../representation/resources'
import { GROUP_SCHEMA } from '../schema/core'
import { foldCase } from '../schema/fold'
import type { SchemaRegistry } from '../schema/registry'
import {
  checkTenant,
  type IndexedTerm,
  type MemoryStoreOptions,
  memoize,
  nextVersion,
  pageBounds,
  pageOf,
  planFilter,
  readStoreOptions,
  sortKeyReader,
  tenantOf,
  warnInProduction,
} from './shared'

/** Options of `new MemoryTeamStore()`. */
export type MemoryTeamStoreOptions = MemoryStoreOptions

/** A stored team, without its members. Replaced on every write, never changed in place. */
interface TeamRecord {
  readonly id: string
  readonly version: string
  readonly created: Date
  readonly lastModified: Date
  readonly provisioned: boolean
  readonly displayName: string
  readonly externalId?: string
  readonly document: ScimDocument
  /** Creation order: the default order of `list` and the tie-break of every sort. */
  readonly sequence: number
}

/** One tenant's teams and memberships. */
interface TeamPartition {
  readonly byId: Map<string, TeamRecord>
  /** Folded (`foldCase`) displayName → id: team names are unique case-insensitively. */
  readonly byName: Map<string, string>
  /** Team id → its members by user id. Insertion order is the stable member order. */
  readonly members: Map<string, Map<string, TeamMember>>
  /** User id → the teams it belongs to, so removing a user never scans every team. */
  readonly teamsOfUser: Map<string, Set<string>>
  /** The last version issued in this tenant: per tenant, so no ETag tells how busy another tenant is. */
  readonly versions: { last: number }
}

/** The filter terms the indexes answer: `displayName eq`, `id eq`, and a member id (`members[value eq]`). */
const INDEXED_KEYS: ReadonlySet<string> = new Set(['displayname', 'id', 'members', 'members.value'])

/** True when the filter reads `members` anywhere: only then is the (possibly huge) member list put in the view. */
function mentionsMembers(filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filter.filters.some(mentionsMembers)
    case 'not':
      return mentionsMembers(filter.filter)
    default:
      return (
        filter.path.attribute.toLowerCase() === 'members' &&
        (filter.path.schema === undefined || filter.path.schema.toLowerCase() === GROUP_SCHEMA.toLowerCase())
      )
  }
}

function normalise(fields: TeamFields): Pick<TeamRecord, 'displayName' | 'externalId' | 'document'> {
  if (!isObject(fields)) throw configError('ERR_INVALID_ARGUMENT', 'team fields must be an object')
  if (typeof fields.displayName !== 'string')
    throw configError('ERR_INVALID_ARGUMENT', 'displayName must be a string')
  if (fields.externalId !== undefined && typeof fields.externalId !== 'string') {
    throw configError('ERR_INVALID_ARGUMENT', 'externalId must be a string')
  }
  const document: Record<string, unknown> = isObject(fields.document) ? copyJson(fields.document) : {}
  // Members live in the membership maps; a copy in the document would go stale at the first change.
  for (const key of Object.keys(document)) if (key.toLowerCase() === 'members') delete document[key]
  // Frozen once here, shared by every read after: records are replaced, never changed in place.
  freezeJson(document)
  return {
    displayName: fields.displayName,
    ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}),
    document,
  }
}

function copyOut(record: TeamRecord): StoredTeam {
  return {
    id: record.id,
    version: record.version,
    created: new Date(record.created.getTime()),
    lastModified: new Date(record.lastModified.getTime()),
    provisioned: record.provisioned,
    displayName: record.displayName,
    ...(record.externalId !== undefined ? { externalId: record.externalId } : {}),
    document: record.document,
  }
}

function copyMember(member: TeamMember): TeamMember {
  return member.display === undefined
    ? { value: member.value }
    : { value: member.value, display: member.display }
}

function checkMemberId(value: unknown): string {
  if (typeof value !== 'string') throw configError('ERR_INVALID_ARGUMENT', 'member ids must be strings')
  return value
}

/** Checks a member change's shape and ids before anything is written. */
function checkMemberChange(change: MemberChanges): void {
  const lists: unknown[] =
    change?.kind === 'replace'
      ? [change.members]
      : change?.kind === 'delta'
        ? [change.added, change.removed]
        : []
  if (lists.length === 0 || !lists.every(Array.isArray)) {
    throw configError('ERR_INVALID_ARGUMENT', 'invalid member change')
  }
  if (change.kind === 'replace') {
    for (const ref of change.members) checkMemberId(ref?.value)
    return
  }
  for (const ref of change.added) checkMemberId(ref?.value)
  for (const userId of change.removed) checkMemberId(userId)
}

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
  readonly #tenants = new Map<string, TeamPartition>()
  #sequence = 0

  /** Throws `TypeError` on options other than `{ registry }`. Warns when `NODE_ENV` is `production`. */
  constructor(options?: MemoryTeamStoreOptions) {
    this.#registry = readStoreOptions(options, 'MemoryTeamStore')
    warnInProduction(
      'express-scim: MemoryTeamStore keeps teams in memory, so they are lost on restart and not shared ' +
        'between processes; use a database-backed TeamStore in production',
    )
  }

  #read(tenant: string): TeamPartition | undefined {
    return this.#tenants.get(tenant)
  }

  #write(tenant: string): TeamPartition {
    let partition = this.#tenants.get(tenant)
    if (!partition) {
      partition = {
        versions: { last: 0 },
        byId: new Map(),
        byName: new Map(),
        members: new Map(),
        teamsOfUser: new Map(),
      }
      this.#tenants.set(tenant, partition)
    }
    return partition
  }

  /** Marks a membership change: a new version and lastModified, fields untouched. */
  #touch(partition: TeamPartition, record: TeamRecord): void {
    partition.byId.set(record.id, { ...record, version: nextVersion(partition), lastModified: new Date() })
  }

  /** Adds members not yet present; returns how many were added. */
  #add(
    partition: TeamPartition,
    teamId: string,
    members: Map<string, TeamMember>,
    refs: readonly MemberReference[],
  ): number {
    let added = 0
    for (const ref of refs) {
      const value = checkMemberId(ref?.value)
      if (members.has(value)) continue
      members.set(value, typeof ref.display === 'string' ? { value, display: ref.display } : { value })
      let teams = partition.teamsOfUser.get(value)
      if (!teams) {
        teams = new Set()
        partition.teamsOfUser.set(value, teams)
      }
      teams.add(teamId)
      added += 1
    }
    return added
  }

  /** Removes one membership from both indexes; false when the user was not a member. */
  #remove(
    partition: TeamPartition,
    teamId: string,
    members: Map<string, TeamMember>,
    userId: string,
  ): boolean {
    if (!members.delete(userId)) return false
    const teams = partition.teamsOfUser.get(userId)
    if (teams) {
      teams.delete(teamId)
      if (teams.size === 0) partition.teamsOfUser.delete(userId)
    }
    return true
  }

  /** Creates a team and its memberships at once. Throws `uniquenessConflict('displayName')` when the name is taken. */
  create(team: NewTeam, members: readonly MemberReference[], context: RequestContext): StoredTeam {
    const values = normalise(team)
    if (!Array.isArray(members)) throw configError('ERR_INVALID_ARGUMENT', 'members must be an array')
    for (const ref of members) checkMemberId(ref?.value)
    const partition = this.#write(tenantOf(context))
    if (partition.byName.has(foldCase(values.displayName))) throw uniquenessConflict('displayName')
    const now = new Date()
    this.#sequence += 1
    const record: TeamRecord = {
      id: randomUUID(),
      version: nextVersion(partition),
      created: now,
      lastModified: now,
      provisioned: true,
      ...values,
      sequence: this.#sequence,
    }
    const memberMap = new Map<string, TeamMember>()
    partition.byId.set(record.id, record)
    partition.byName.set(foldCase(record.displayName), record.id)
    partition.members.set(record.id, memberMap)
    this.#add(partition, record.id, memberMap, members)
    return copyOut(record)
  }

  /** The team with this id in the tenant, without its members. */
  get(id: string, context: RequestContext): StoredTeam | undefined {
    const record = this.#read(tenantOf(context))?.byId.get(id)
    return record ? copyOut(record) : undefined
  }

  #lookup(partition: TeamPartition, term: IndexedTerm): TeamRecord[] {
    if (term.key === 'members' || term.key === 'members.value') {
      const out: TeamRecord[] = []
      for (const teamId of partition.teamsOfUser.get(term.value) ?? []) {
        const record = partition.byId.get(teamId)
        if (record) out.push(record)
      }
      // The reverse index holds teams in join order; the list's default order is creation order.
      return out.sort((a, b) => a.sequence - b.sequence)
    }
    const id = term.key === 'id' ? term.value : partition.byName.get(foldCase(term.value))
    const record = id === undefined ? undefined : partition.byId.get(id)
    return record ? [record] : []
  }

  #termTest(partition: TeamPartition, term: IndexedTerm): (record: TeamRecord) => boolean {
    const wanted = term.value
    if (term.key === 'id') return (r) => r.id === wanted
    if (term.key === 'displayname') {
      const lower = foldCase(wanted)
      return (r) => foldCase(r.displayName) === lower
    }
    return (r) => partition.members.get(r.id)?.has(wanted) === true
  }

  /**
   * One page of the tenant's teams. Indexed equalities (`displayName eq`, `id eq`, a member id) start
   * from the index; the rest of the filter is compiled once and evaluated against the Group view of each
   * candidate, with its members only when the filter reads them. Default order: creation order.
   */
  list(query: ListQuery, context: RequestContext): ListPage<StoredTeam> {
    const partition = this.#read(tenantOf(context))
    const tests: ((record: TeamRecord) => boolean)[] = []
    let candidates: Iterable<TeamRecord> | undefined
    const sortKey = query.sortBy ? sortKeyReader(this.#registry, 'Group', query.sortBy) : undefined
    const plainView = (record: TeamRecord): ScimResource => groupResource(record)
    const sortView = sortKey ? memoize(plainView) : plainView
    if (query.filter) {
      const plan = planFilter(query.filter, GROUP_SCHEMA, INDEXED_KEYS)
      if (plan.rest) {
        const predicate = compileFilter(plan.rest, { registry: this.#registry, resourceType: 'Group' })
        if (mentionsMembers(plan.rest)) {
          // Built per call and not cached: a team's member list can be large, and only this test needs it.
          tests.push((record) =>
            predicate(groupResource(record, [...(partition?.members.get(record.id)?.values() ?? [])])),
          )
        } else {
          tests.push((record) => predicate(sortView(record)))
        }
      }
      if (partition) {
        const [first, ...others] = plan.terms
        if (first) candidates = this.#lookup(partition, first)
        for (const term of others) tests.unshift(this.#termTest(partition, term))
      }
    }
    if (!partition) return { totalResults: 0, resources: [] }
    const matches = (record: TeamRecord) => tests.every((test) => test(record))
    return pageOf(
      candidates ?? partition.byId.values(),
      matches,
      query,
      sortKey ? (r) => sortKey(sortView(r)) : undefined,
      (r) => r.sequence,
      copyOut,
    )
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
    return record ? copyOut(record) : undefined
  }

  /** `applyChange` without the copy: the membership methods answer a boolean and need none. */
  #change(id: string, change: TeamChange, context: RequestContext): TeamRecord | undefined {
    const partition = this.#read(tenantOf(context))
    const current = partition?.byId.get(id)
    const memberMap = partition?.members.get(id)
    if (!partition || !current || !memberMap) return undefined
    if (typeof change !== 'object' || change === null)
      throw configError('ERR_INVALID_ARGUMENT', 'change must be an object')
    const values = change.fields === undefined ? undefined : normalise(change.fields)
    if (values && typeof change.expectedVersion !== 'string') {
      throw configError('ERR_INVALID_ARGUMENT', 'applyChange with fields needs expectedVersion')
    }
    if (change.expectedVersion !== undefined && current.version !== change.expectedVersion)
      throw versionMismatch()
    if (values) {
      const owner = partition.byName.get(foldCase(values.displayName))
      if (owner !== undefined && owner !== id) throw uniquenessConflict('displayName')
    }
    const members = change.members
    if (members !== undefined) checkMemberChange(members)
    // Checked: from here on nothing throws.
    let record = current
    if (values) {
      const { id: _, version, created, lastModified, provisioned, sequence } = current
      record = { id, version, created, lastModified, provisioned, ...values, sequence }
      const oldName = foldCase(current.displayName)
      if (partition.byName.get(oldName) === id) partition.byName.delete(oldName)
      partition.byName.set(foldCase(values.displayName), id)
    }
    let changed = values !== undefined
    if (members?.kind === 'replace') {
      changed = this.#replace(partition, id, memberMap, members.members) > 0 || changed
    } else if (members) {
      let removed = 0
      for (const userId of members.removed) if (this.#remove(partition, id, memberMap, userId)) removed += 1
      changed = removed + this.#add(partition, id, memberMap, members.added) > 0 || changed
    }
    if (changed) {
      record = { ...record, version: nextVersion(partition), lastModified: new Date() }
      partition.byId.set(id, record)
    }
    return record
  }

  /** Deletes the team and its memberships (both directions); true when it existed. */
  delete(id: string, context: RequestContext): boolean {
    const partition = this.#read(tenantOf(context))
    const record = partition?.byId.get(id)
    if (!partition || !record) return false
    const members = partition.members.get(id)
    if (members) for (const userId of members.keys()) this.#remove(partition, id, members, userId)
    partition.members.delete(id)
    partition.byId.delete(id)
    const name = foldCase(record.displayName)
    if (partition.byName.get(name) === id) partition.byName.delete(name)
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

  /** Makes `members` (already checked) the member list; returns how many memberships changed. */
  #replace(
    partition: TeamPartition,
    id: string,
    memberMap: Map<string, TeamMember>,
    members: readonly MemberReference[],
  ): number {
    const wanted = new Set<string>()
    for (const ref of members) wanted.add(ref.value)
    let changed = 0
    // Deleting the current entry while iterating a Map is safe: iteration continues with the next one.
    for (const userId of memberMap.keys()) {
      if (!wanted.has(userId) && this.#remove(partition, id, memberMap, userId)) changed += 1
    }
    return changed + this.#add(partition, id, memberMap, members)
  }

  /** One page of the team's members in insertion order, and their total; undefined when no team. */
  listMembers(id: string, page: MemberPage, context: RequestContext): ListPage<TeamMember> | undefined {
    const members = this.#read(tenantOf(context))?.members.get(id)
    if (!members) return undefined
    const { skip, take } = pageBounds(page.startIndex, page.count)
    const resources: TeamMember[] = []
    if (take > 0 && skip < members.size) {
      // Maps have no random access: walk to the page, copying only its members.
      let index = 0
      for (const member of members.values()) {
        if (index >= skip) {
          resources.push(copyMember(member))
          if (resources.length >= take) break
        }
        index += 1
      }
    }
    return { totalResults: members.size, resources }
  }

  /** Removes the user from every team of the tenant, through the reverse index; bumps each team's version. */
  removeUserFromTeams(userId: string, context: RequestContext): void {
    const partition = this.#read(tenantOf(context))
    const teams = partition?.teamsOfUser.get(userId)
    if (!partition || !teams) return
    // A copy of the ids: #remove deletes from the set being walked.
    for (const teamId of [...teams]) {
      const record = partition.byId.get(teamId)
      const memberMap = partition.members.get(teamId)
      if (record && memberMap && this.#remove(partition, teamId, memberMap, userId))
        this.#touch(partition, record)
    }
    partition.teamsOfUser.delete(userId)
  }

  /** How many members the team has, or undefined when there is no such team. */
  memberCount(tenant: string, id: string): number | undefined {
    return this.#read(checkTenant(tenant))?.members.get(id)?.size
  }

  /** The ids of the tenant's teams the user belongs to, in the order it joined them. */
  teamsOfUser(tenant: string, userId: string): string[] {
    return [...(this.#read(checkTenant(tenant))?.teamsOfUser.get(userId) ?? [])]
  }
}
