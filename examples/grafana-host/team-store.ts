// The host's TeamStore over PostgreSQL (pg or PGlite): teams and team_members, filters and pages pushed down to SQL, each change one statement or one transaction on the team's locked row.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { configError, versionMismatch } from '../../lib/errors'
import { foldCase } from '../../lib/schema/fold'
import {
  conditionalUpdate,
  createSqlFilterCompiler,
  keysetPageSql,
  pageSql,
  readKeysetPage,
  readPage,
  withSqlErrors,
} from '../../lib/sql'
import type { MemberChanges, MemberReference } from '../../types/patch'
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
import type { Database, Queryable } from './db'

/** A row of `teams`, as both drivers hand it out. */
interface TeamRow extends Record<string, unknown> {
  readonly id: string
  readonly version: string | number
  readonly created: Date
  readonly updated: Date
  readonly provisioned: boolean
  readonly name: string
  readonly external_uid: string | null
  readonly document: Record<string, unknown> | null
}

const COLUMNS = 't.id, t.version, t.created, t.updated, t.provisioned, t.name, t.external_uid, t.document'

/** The unique index of team names → the SCIM attribute it protects (409 uniqueness). */
const UNIQUE = { uniqueConstraints: { teams_name_key: 'displayName' } }

/**
 * A foreign-key violation (23503) is worth running the whole change again for: only a user deleted
 * between the users join and the insert's check can cause it, and the retry then skips that user.
 * Serialization failures and deadlocks are retried by the database's `transaction` itself.
 */
const RETRIED: ReadonlySet<string> = new Set(['23503'])
const MAX_ATTEMPTS = 5

/** SCIM attributes the list filter may name, and where they live. Anything else is 400 invalidFilter. */
const compileFilter = createSqlFilterCompiler(
  {
    id: { expression: 't.id', type: 'uuid' },
    displayName: { expression: 't.name', folded: 't.name_folded' },
    externalId: 't.external_uid',
    'meta.created': 't.created',
    'meta.lastModified': 't.updated',
    members: {
      from: 'team_members m',
      where: 'm.team_id = t.id',
      subAttributes: { value: { expression: 'm.user_id', type: 'uuid' } },
    },
  },
  { resourceType: 'Group' },
)

/** PostgreSQL's text form of a uuid, the only form this store issues. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** A SCIM id that can be a row's: anything else names nothing (and would make PostgreSQL fail, 22P02). */
function isRowId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id)
}

function toStoredTeam(row: TeamRow): StoredTeam {
  return {
    id: row.id,
    version: String(row.version),
    created: row.created,
    lastModified: row.updated,
    provisioned: row.provisioned,
    displayName: row.name,
    ...(row.external_uid === null ? {} : { externalId: row.external_uid }),
    document: row.document ?? {},
  }
}

/** The row values of the fields: name, its fold, external uid, document without `members`. */
function fieldValues(fields: TeamFields): unknown[] {
  if (typeof fields?.displayName !== 'string') {
    throw configError('ERR_INVALID_ARGUMENT', 'displayName must be a string')
  }
  // Members live in team_members; a copy in the document would go stale at the first change.
  const document: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields.document ?? {})) {
    if (key.toLowerCase() !== 'members') document[key] = value
  }
  return [
    fields.displayName,
    foldCase(fields.displayName),
    fields.externalId ?? null,
    JSON.stringify(document),
  ]
}

/**
 * The member ids to write, once each, in order. An id that is not a uuid cannot be a user's and is
 * dropped here; one that is no user of the tenant is dropped by the users join of the insert: the
 * router checked them all, so either is a user deleted meanwhile, whose membership would be gone anyway.
 */
function memberIds(refs: readonly (MemberReference | string)[]): string[] {
  if (!Array.isArray(refs)) throw configError('ERR_INVALID_ARGUMENT', 'members must be an array')
  const ids = new Set<string>()
  for (const ref of refs) {
    const value = typeof ref === 'string' ? ref : ref?.value
    if (typeof value !== 'string') throw configError('ERR_INVALID_ARGUMENT', 'member ids must be strings')
    if (isRowId(value)) ids.add(value)
  }
  return [...ids]
}

/** Inserts the tenant's users among `$ids` (a uuid[] in order) as members of the team `$team`. */
function insertMembersSql(tenant: string, team: string, ids: string): string {
  return `insert into team_members (tenant, team_id, user_id)
    select ${tenant}, ${team}, u.id from unnest(${ids}::uuid[]) with ordinality as a(user_id, n)
    join users u on u.id = a.user_id and u.tenant = ${tenant}
    order by a.n
    on conflict do nothing returning 1`
}

/** A member change as two id lists: who goes (or, for a replacement, who stays) and who comes. */
interface MemberWrite {
  readonly replace: boolean
  readonly removed: string[]
  readonly added: string[]
}

function memberWrite(change: MemberChanges | undefined): MemberWrite {
  if (change?.kind === 'replace') {
    const ids = memberIds(change.members)
    return { replace: true, removed: ids, added: ids }
  }
  if (change !== undefined && change.kind !== 'delta') {
    throw configError('ERR_INVALID_ARGUMENT', 'invalid member change')
  }
  const added = memberIds(change?.added ?? [])
  // Removed then added is a member at the end: an id in both lists stays, so it is not removed at all.
  const adding = new Set(added)
  const removed = memberIds(change?.removed ?? []).filter((id) => !adding.has(id))
  return { replace: false, removed, added }
}

/** Runs `work` again after a foreign-key violation (see RETRIED), with a short jittered pause. */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work()
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRIED.has(code)) throw error
    }
    await sleep(Math.floor(Math.random() * 10 * 2 ** attempt))
  }
}

/**
 * `TeamStore` over the host's `teams` and `team_members` tables (see migrations/001_initial.sql). Every
 * query is scoped to `context.tenant`. Versions are per team and count up on every write. Writers of one
 * team queue on its row lock, so member deltas commute and a compare-and-swap is checked at the write.
 */
export class SqlTeamStore implements TeamStore {
  constructor(private readonly db: Database) {}

  /** One statement: the team and its members (PostgreSQL checks the members' foreign key at its end). */
  async create(team: NewTeam, members: readonly MemberReference[], context: RequestContext) {
    const values = [context.tenant, randomUUID(), ...fieldValues(team), memberIds(members)]
    const created = await this.#run(() =>
      this.db.query<TeamRow>(
        `with t as (
           insert into teams as t (tenant, id, name, name_folded, external_uid, document, provisioned)
           values ($1, $2, $3, $4, $5, $6::jsonb, true) returning ${COLUMNS}
         ), added as (${insertMembersSql('$1', '$2::uuid', '$7')})
         select * from t`,
        values,
      ),
    )
    return toStoredTeam(created.rows[0]!)
  }

  /** One query. */
  async get(id: string, context: RequestContext): Promise<StoredTeam | undefined> {
    if (!isRowId(id)) return undefined
    const found = await this.#run(() =>
      this.db.query<TeamRow>(`select ${COLUMNS} from teams t where t.tenant = $1 and t.id = $2`, [
        context.tenant,
        id,
      ]),
    )
    const row = found.rows[0]
    return row === undefined ? undefined : toStoredTeam(row)
  }

  /** One statement: the page and the total. Filter errors are SCIM errors already (400 invalidFilter). */
  async list(query: ListQuery, context: RequestContext): Promise<ListPage<StoredTeam>> {
    // The filter's placeholders come first ($1..$n, as the compiler numbers them), the tenant after them.
    const filter = query.filter === undefined ? undefined : compileFilter(query.filter)
    const values = [...(filter?.values ?? []), context.tenant]
    const scope = `t.tenant = $${values.length}`
    const sorted =
      query.sortBy === undefined ? undefined : compileFilter.orderBy(query.sortBy, query.sortOrder)
    const statement = pageSql({
      select: COLUMNS,
      from: 'teams t',
      where: { text: filter === undefined ? scope : `${scope} and (${filter.text})`, values },
      // Creation order is the default and the tie-break, as in the memory store.
      orderBy: sorted === undefined ? ['t.seq'] : [sorted, 't.seq'],
      startIndex: query.startIndex,
      count: query.count,
    })
    const result = await this.#run(() => this.db.query(statement.text, statement.values))
    const page = readPage<TeamRow>(result.rows)
    return { totalResults: page.totalResults, resources: page.rows.map(toStoredTeam) }
  }

  /** One statement: a keyset page (RFC 9865 cursor paging) after a position, through the (tenant, seq) index. */
  async listAfter(query: KeysetQuery, context: RequestContext): Promise<KeysetPage<StoredTeam>> {
    const filter = query.filter === undefined ? undefined : compileFilter(query.filter)
    const values = [...(filter?.values ?? []), context.tenant]
    const scope = `t.tenant = $${values.length}`
    const sortKey = query.sortBy === undefined ? undefined : compileFilter.sortKey(query.sortBy)
    const statement = keysetPageSql({
      select: COLUMNS,
      from: 'teams t',
      where: { text: filter === undefined ? scope : `${scope} and (${filter.text})`, values },
      ...(sortKey === undefined ? {} : { sortKey, descending: query.sortOrder === 'descending' }),
      uniqueKey: 't.seq',
      ...(query.after === undefined ? {} : { after: query.after }),
      count: query.count,
    })
    const result = await this.#run(() => this.db.query(statement.text, statement.values))
    const page = readKeysetPage<TeamRow>(result.rows, query.count, sortKey !== undefined)
    return { resources: page.rows.map(toStoredTeam), positions: page.positions, more: page.more }
  }

  /** Compare-and-swap of the fields: one statement, a second query only when it wrote nothing. */
  async update(id: string, team: TeamFields, expectedVersion: string, context: RequestContext) {
    if (!isRowId(id)) return undefined
    const values = [context.tenant, id, String(expectedVersion), ...fieldValues(team)]
    return this.#run(() =>
      conditionalUpdate(
        async () => {
          const updated = await this.db.query<TeamRow>(
            `update teams t set name = $4, name_folded = $5, external_uid = $6, document = $7::jsonb,
               version = t.version + 1, updated = clock_timestamp()
             where t.tenant = $1 and t.id = $2 and t.version::text = $3 returning ${COLUMNS}`,
            values,
          )
          const row = updated.rows[0]
          return row === undefined ? undefined : toStoredTeam(row)
        },
        async () =>
          (await this.db.query('select 1 from teams where tenant = $1 and id = $2', [context.tenant, id]))
            .rows.length > 0,
      ),
    )
  }

  /** One statement; the memberships go with the row (on delete cascade). */
  async delete(id: string, context: RequestContext): Promise<boolean> {
    if (!isRowId(id)) return false
    const deleted = await this.#run(() =>
      this.db.query('delete from teams where tenant = $1 and id = $2 returning id', [context.tenant, id]),
    )
    return deleted.rows.length > 0
  }

  /** One transaction (an unconditional delta); false when there is no such team. */
  addMembers(id: string, members: readonly MemberReference[], context: RequestContext) {
    return this.#membersChanged(id, { kind: 'delta', added: members, removed: [] }, context)
  }

  /** One transaction (an unconditional delta); false when there is no such team. */
  removeMembers(id: string, userIds: readonly string[], context: RequestContext) {
    return this.#membersChanged(id, { kind: 'delta', added: [], removed: userIds }, context)
  }

  /** One transaction: members kept stay in place, new ones come after them; false when no such team. */
  replaceMembers(id: string, members: readonly MemberReference[], context: RequestContext) {
    return this.#membersChanged(id, { kind: 'replace', members }, context)
  }

  async #membersChanged(id: string, members: MemberChanges, context: RequestContext): Promise<boolean> {
    return (await this.applyChange(id, { members }, context)) !== undefined
  }

  /** One query: a page of the team's members in joining order, and their total; undefined when no team. */
  async listMembers(
    id: string,
    page: MemberPage,
    context: RequestContext,
  ): Promise<ListPage<TeamMember> | undefined> {
    return (await this.listMembersOfTeams([id], page, context)).get(id)
  }

  /**
   * One query for the same page of members of every team of a list page (the router's batched read):
   * each team's total and its page, joined to users for the display name.
   */
  async listMembersOfTeams(
    ids: readonly string[],
    page: MemberPage,
    context: RequestContext,
  ): Promise<Map<string, ListPage<TeamMember>>> {
    const pages = new Map<string, { totalResults: number; resources: TeamMember[] }>()
    const teamIds = ids.filter(isRowId)
    if (teamIds.length === 0) return pages
    // RFC 7644 §3.4.2.4: a startIndex below 1 reads as 1; a negative count as 0.
    const skip = page.startIndex > 1 ? Math.floor(page.startIndex) - 1 : 0
    const take = page.count > 0 ? Math.floor(page.count) : 0
    const found = await this.#run(() =>
      this.db.query<{
        team_id: string
        total: string | number
        value: string | null
        display: string | null
      }>(
        `select t.id::text as team_id, c.total, p.value, p.display from teams t
         cross join lateral (select count(*) as total from team_members m where m.team_id = t.id) c
         left join lateral (
           select m.user_id::text as value, coalesce(u.name, u.login) as display, m.seq
           from team_members m join users u on u.id = m.user_id
           where m.team_id = t.id order by m.seq limit $3 offset $4
         ) p on true
         where t.tenant = $1 and t.id = any($2::uuid[])
         order by t.id, p.seq`,
        [context.tenant, teamIds, take, skip],
      ),
    )
    for (const row of found.rows) {
      let entry = pages.get(row.team_id)
      if (!entry) {
        entry = { totalResults: Number(row.total), resources: [] }
        pages.set(row.team_id, entry)
      }
      if (row.value !== null)
        entry.resources.push(
          row.display === null ? { value: row.value } : { value: row.value, display: row.display },
        )
    }
    return pages
  }

  /**
   * One query for the teams of every user of a response (the router's batched read of users' `groups`):
   * per user, its first `limit` teams in joining order, through the (tenant, user_id) index.
   */
  async listTeamsOfUsers(
    userIds: readonly string[],
    limit: number,
    context: RequestContext,
  ): Promise<Map<string, TeamOfUser[]>> {
    const teams = new Map<string, TeamOfUser[]>()
    const ids = [...new Set(userIds.filter(isRowId))]
    if (ids.length === 0) return teams
    const found = await this.#run(() =>
      this.db.query<{ user_id: string; id: string; name: string }>(
        `select q.user_id::text as user_id, g.id::text as id, g.name from unnest($2::uuid[]) as q (user_id)
         cross join lateral (
           select t.id, t.name, m.seq from team_members m join teams t on t.id = m.team_id
           where m.tenant = $1 and m.user_id = q.user_id order by m.seq limit $3
         ) g
         order by q.user_id, g.seq`,
        [context.tenant, ids, Math.max(0, Math.floor(limit))],
      ),
    )
    for (const row of found.rows) {
      const list = teams.get(row.user_id)
      const team = { id: row.id, displayName: row.name }
      if (list) list.push(team)
      else teams.set(row.user_id, [team])
    }
    return teams
  }

  /** One transaction: the user's teams locked in id order (two of these never deadlock), then the write. */
  async removeUserFromTeams(userId: string, context: RequestContext): Promise<void> {
    if (!isRowId(userId)) return
    await this.#transaction(async (tx) => {
      const locked = await tx.query<{ id: string }>(
        `select t.id from teams t where t.tenant = $1
           and t.id in (select m.team_id from team_members m where m.tenant = $1 and m.user_id = $2)
         order by t.id for update`,
        [context.tenant, userId],
      )
      if (locked.rows.length === 0) return
      await tx.query(
        `with gone as (
           delete from team_members m where m.team_id = any($1::uuid[]) and m.user_id = $2 returning m.team_id
         )
         update teams t set version = t.version + 1, updated = clock_timestamp()
         where t.id in (select team_id from gone)`,
        [locked.rows.map((row) => row.id), userId],
      )
    })
  }

  /**
   * Fields and members in one transaction, all or nothing: the team's row is locked first, so the
   * version compared is the one written over, and the member statement (a fresh snapshot under READ
   * COMMITTED) sees every change committed before. One new version when something changed.
   */
  async applyChange(id: string, change: TeamChange, context: RequestContext) {
    if (typeof change !== 'object' || change === null) {
      throw configError('ERR_INVALID_ARGUMENT', 'change must be an object')
    }
    if (change.fields !== undefined && typeof change.expectedVersion !== 'string') {
      throw configError('ERR_INVALID_ARGUMENT', 'applyChange with fields needs expectedVersion')
    }
    if (!isRowId(id)) return undefined
    if (change.fields !== undefined && change.members === undefined) {
      return this.update(id, change.fields, change.expectedVersion as string, context)
    }
    const fields = change.fields === undefined ? undefined : fieldValues(change.fields)
    const members = memberWrite(change.members)
    return this.#transaction(async (tx) => {
      const locked = await tx.query<TeamRow>(
        `select ${COLUMNS} from teams t where t.tenant = $1 and t.id = $2 for update`,
        [context.tenant, id],
      )
      const current = locked.rows[0]
      if (current === undefined) return undefined
      const team = toStoredTeam(current)
      if (change.expectedVersion !== undefined && team.version !== change.expectedVersion) {
        throw versionMismatch()
      }
      const idle =
        fields === undefined && !members.replace && members.removed.length + members.added.length === 0
      if (idle) return team
      return (await writeChange(tx, context.tenant, id, members, fields)) ?? team
    })
  }

  /** A transaction with the retries and the SCIM errors. */
  #transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#run(() => this.db.transaction(work))
  }

  /** Database failures as SCIM errors (409 for a taken name, 503 for an unavailable database). */
  #run<T>(work: () => Promise<T>): Promise<T> {
    return withSqlErrors(() => retrying(work), UNIQUE)
  }
}

/**
 * The member change and the fields of a locked team in one statement: removals, additions, then the
 * team's row with a new version when any of them (or the fields) changed something. Undefined when
 * nothing changed. `fields` are `fieldValues()`.
 */
async function writeChange(
  tx: Queryable,
  tenant: string,
  id: string,
  members: MemberWrite,
  fields: unknown[] | undefined,
): Promise<StoredTeam | undefined> {
  const removal = members.replace ? 'not (m.user_id = any($3::uuid[]))' : 'm.user_id = any($3::uuid[])'
  const sets =
    fields === undefined ? '' : 'name = $5, name_folded = $6, external_uid = $7, document = $8::jsonb, '
  const changed =
    fields === undefined ? 'exists (select 1 from removed) or exists (select 1 from added)' : 'true'
  const written = await tx.query<TeamRow>(
    `with removed as (
       delete from team_members m where m.team_id = $1 and ${removal} returning 1
     ), added as (${insertMembersSql('$2', '$1', '$4')})
     update teams t set ${sets}version = t.version + 1, updated = clock_timestamp()
     where t.id = $1 and (${changed}) returning ${COLUMNS}`,
    [id, tenant, members.removed, members.added, ...(fields ?? [])],
  )
  const row = written.rows[0]
  return row === undefined ? undefined : toStoredTeam(row)
}
