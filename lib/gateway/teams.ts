// The TeamStore as operations reach it: bound to one request's context, traced, checked, with a memo of reads by id.
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
import {
  brokenStore,
  checkKeysetPage,
  checkPage,
  checkRecord,
  hostCall,
  ReadMemo,
  type StoreCallTracer,
} from './call'

/** The teams of users in none: one shared answer, never changed (it is read-only to every caller). */
const NO_TEAMS: ReadonlyMap<string, readonly TeamOfUser[]> = new Map()

/** A read's check, made once rather than a closure per read. */
const checkedTeamRead = (team: StoredTeam | undefined | null) => checkRecord(team, 'teamStore.get', true)

/**
 * One request's view of the host's teams. `get` is remembered until the request writes a team or a
 * membership (any write, also one that fails, forgets every read), so a re-read after a write or a lost
 * race always reaches the store.
 */
export class RequestTeams {
  readonly #reads = new ReadMemo<StoredTeam | undefined>()

  constructor(
    private readonly store: TeamStore,
    private readonly context: RequestContext,
    private readonly tracer: StoreCallTracer,
  ) {}

  #call<T, R = T>(
    name: string,
    call: () => T | PromiseLike<T>,
    check?: (value: T) => R,
    failed?: (error: unknown) => never,
  ): Promise<R> {
    return hostCall(this.tracer, `teamStore.${name}`, this.context.requestId, call, check, failed)
  }

  #write<T>(name: string, call: () => T | PromiseLike<T>): Promise<T> {
    this.#reads.clear()
    return this.#call(name, call)
  }

  /** True when the store makes a field change and a member change one atomic, conditional write. */
  get appliesChanges(): boolean {
    return this.store.applyChange !== undefined
  }

  /** The team with this id, or undefined. */
  get(id: string): Promise<StoredTeam | undefined> {
    // One `then` for the check, the failure and the memo: a read costs one promise more than the store's call.
    return this.#reads.read(id, (forget) =>
      this.#call('get', () => this.store.get(id, this.context), checkedTeamRead, forget),
    )
  }

  /** One page of teams. */
  async list(query: ListQuery): Promise<ListPage<StoredTeam>> {
    const page = await this.#call('list', () => this.store.list(query, this.context))
    return checkPage<StoredTeam>(page, query.count, 'teamStore.list()')
  }

  /** True when the store pages by position (`listAfter`): cursor paging of groups is possible. */
  get pagesAfter(): boolean {
    return typeof this.store.listAfter === 'function'
  }

  /** One page after a position (only when `pagesAfter`). */
  async listAfter(query: KeysetQuery): Promise<KeysetPage<StoredTeam>> {
    const page = await this.#call('listAfter', () => this.store.listAfter!(query, this.context))
    return checkKeysetPage<StoredTeam>(page, query.count, 'teamStore.listAfter()')
  }

  /** One page of a team's members; undefined when the team is gone. */
  async listMembers(id: string, page: MemberPage): Promise<ListPage<TeamMember> | undefined> {
    const members = await this.#call('listMembers', () => this.store.listMembers(id, page, this.context))
    if (members === undefined || members === null) return undefined
    return checkPage<TeamMember>(members, page.count, 'teamStore.listMembers()')
  }

  /** True when the store reads the members of many teams in one call (`listMembersOfTeams`). */
  get readsMembersInBatches(): boolean {
    return typeof this.store.listMembersOfTeams === 'function'
  }

  /**
   * The same page of members of each of these teams, in one store call: team id -> page. Only when
   * `readsMembersInBatches`. A team the store leaves out is absent (the caller reads it alone).
   */
  async listMembersOfTeams(
    ids: readonly string[],
    page: MemberPage,
  ): Promise<Map<string, ListPage<TeamMember>>> {
    const name = 'teamStore.listMembersOfTeams()'
    const found = await this.#call('listMembersOfTeams', () =>
      this.store.listMembersOfTeams!(ids, page, this.context),
    )
    if (!(found instanceof Map)) throw brokenStore(name, 'a Map of team ids to member pages')
    const pages = new Map<string, ListPage<TeamMember>>()
    // Only the ids asked for, each checked as listMembers' answer is.
    for (const id of ids) {
      const members: unknown = found.get(id)
      if (members !== undefined && members !== null)
        pages.set(id, checkPage<TeamMember>(members, page.count, name))
    }
    return pages
  }

  /** True when the store answers the teams of users (`listTeamsOfUsers`), for their `groups`. */
  get readsTeamsOfUsers(): boolean {
    return typeof this.store.listTeamsOfUsers === 'function'
  }

  /**
   * The teams of each of these users, at most `limit` each, in one store call: user id -> teams. Only
   * when `readsTeamsOfUsers`. Only the ids asked for, each list checked and cut to `limit`.
   */
  listTeamsOfUsers(
    userIds: readonly string[],
    limit: number,
  ): Promise<ReadonlyMap<string, readonly TeamOfUser[]>> {
    const name = 'teamStore.listTeamsOfUsers()'
    return this.#call(
      'listTeamsOfUsers',
      () => this.store.listTeamsOfUsers!(userIds, limit, this.context),
      (found): ReadonlyMap<string, readonly TeamOfUser[]> => {
        if (!(found instanceof Map)) throw brokenStore(name, 'a Map of user ids to lists of teams')
        // Most users of most responses are in no team: nothing to copy, and no Map made for it.
        if (found.size === 0) return NO_TEAMS
        return checkedTeamsOfUsers(found, userIds, limit, name)
      },
    )
  }

  /** Creates a team with its first members. */
  async create(team: NewTeam, members: readonly MemberReference[]): Promise<StoredTeam> {
    const created = await this.#write('create', () => this.store.create(team, members, this.context))
    return checkRecord(created, 'teamStore.create', false)!
  }

  /** Writes `fields` if the team is still at `expectedVersion`; undefined when it is gone. */
  async update(id: string, fields: TeamFields, expectedVersion: string): Promise<StoredTeam | undefined> {
    const updated = await this.#write('update', () =>
      this.store.update(id, fields, expectedVersion, this.context),
    )
    return checkRecord(updated, 'teamStore.update', true)
  }

  /** Fields and members in one atomic write (only when `appliesChanges`); undefined when the team is gone. */
  async applyChange(id: string, change: TeamChange): Promise<StoredTeam | undefined> {
    const after = await this.#write('applyChange', () => this.store.applyChange!(id, change, this.context))
    return checkRecord(after, 'teamStore.applyChange', true)
  }

  /** Deletes the team; false when it was not there. */
  delete(id: string): Promise<boolean> {
    return this.#write('delete', () => this.store.delete(id, this.context))
  }

  /** Adds members (a delta); false when the team is gone. */
  addMembers(id: string, members: readonly MemberReference[]): Promise<boolean> {
    return this.#write('addMembers', () => this.store.addMembers(id, members, this.context))
  }

  /** Removes members (a delta); false when the team is gone. */
  removeMembers(id: string, userIds: readonly string[]): Promise<boolean> {
    return this.#write('removeMembers', () => this.store.removeMembers(id, userIds, this.context))
  }

  /** Replaces the member list; false when the team is gone. */
  replaceMembers(id: string, members: readonly MemberReference[]): Promise<boolean> {
    return this.#write('replaceMembers', () => this.store.replaceMembers(id, members, this.context))
  }

  /** Drops a user from every team (its deletion). */
  removeUserFromTeams(userId: string): Promise<void> {
    return this.#write('removeUserFromTeams', () => this.store.removeUserFromTeams(userId, this.context))
  }
}

/**
 * The store's answer to `listTeamsOfUsers`, checked: only the ids asked for, each list of `{ id,
 * displayName }` strings cut to `limit`. The answer itself when it is all of that already (the usual
 * case: one read per response, no copy); else a new Map with only what was asked.
 */
function checkedTeamsOfUsers(
  found: Map<unknown, unknown>,
  userIds: readonly string[],
  limit: number,
  name: string,
): ReadonlyMap<string, readonly TeamOfUser[]> {
  let cut = false
  for (const id of userIds) {
    const list: unknown = found.get(id)
    if (list === undefined || list === null) continue
    if (!Array.isArray(list)) throw brokenStore(name, 'a list of { id, displayName } per user')
    const end = Math.min(list.length, limit)
    for (let i = 0; i < end; i++) {
      if (!isTeamOfUser(list[i])) throw brokenStore(name, 'teams as { id, displayName } strings')
    }
    if (list.length > limit) cut = true
  }
  if (!cut && holdsOnly(found, userIds)) return found as ReadonlyMap<string, readonly TeamOfUser[]>
  const teams = new Map<string, readonly TeamOfUser[]>()
  for (const id of userIds) {
    const list = found.get(id) as readonly TeamOfUser[] | undefined | null
    if (list !== undefined && list !== null) teams.set(id, list.length > limit ? list.slice(0, limit) : list)
  }
  return teams
}

/** True when every key of `found` is one of `userIds` (one id, the usual GET, needs no Set). */
function holdsOnly(found: Map<unknown, unknown>, userIds: readonly string[]): boolean {
  if (userIds.length === 1) return found.size === 1 && found.has(userIds[0])
  const asked = new Set<unknown>(userIds)
  for (const key of found.keys()) if (!asked.has(key)) return false
  return true
}

function isTeamOfUser(value: unknown): value is TeamOfUser {
  const team = value as Partial<TeamOfUser> | null
  return (
    typeof team === 'object' &&
    team !== null &&
    typeof team.id === 'string' &&
    typeof team.displayName === 'string'
  )
}
