// A small, honest TeamStore over PostgreSQL (pg) for tests: row-locking transactions, one transaction per change, retried on serialization failures.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool, PoolClient } from 'pg'
import { scimError, uniquenessConflict, versionMismatch } from '../../lib/errors'
import { compileFilter } from '../../lib/filter/evaluate'
import { groupResource } from '../../lib/representation/resources'
import { foldCase } from '../../lib/schema/fold'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { pageOf, sortKeyReader } from '../../lib/stores/shared'
import type { MemberChanges, MemberReference } from '../../types/patch'
import type {
  ListPage,
  ListQuery,
  MemberPage,
  NewTeam,
  RequestContext,
  StoredTeam,
  StoredUser,
  TeamChange,
  TeamFields,
  TeamMember,
  TeamStore,
  UserStore,
} from '../../types/stores'

/** PostgreSQL errors worth retrying the whole transaction for: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01'])
/** Attempts of one transaction before its error reaches the caller. */
const MAX_ATTEMPTS = 10

/** A schema name this helper puts into SQL text: checked, since it cannot be a parameter. */
function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`bad schema name ${schema}`)
  return schema
}

/** Creates the tables of `SqlTeamStore` and `sqlUserLookup` in `schema` (which must exist). */
export async function createTeamTables(pool: Pool, schema: string): Promise<void> {
  const s = checkSchema(schema)
  await pool.query(`
    create table ${s}.users (
      tenant text not null,
      id text not null,
      user_name text not null,
      primary key (tenant, id)
    );
    create table ${s}.teams (
      tenant text not null,
      id text primary key,
      version bigint not null default 1,
      created timestamptz not null default clock_timestamp(),
      last_modified timestamptz not null default clock_timestamp(),
      display_name text not null,
      -- foldCase(display_name), filled by the store: names are unique case-insensitively.
      name_key text not null,
      external_id text,
      document jsonb not null,
      seq bigserial not null,
      unique (tenant, name_key)
    );
    create table ${s}.team_members (
      team_id text not null references ${s}.teams (id) on delete cascade,
      tenant text not null,
      user_id text not null,
      display text,
      seq bigserial not null,
      primary key (team_id, user_id)
    );
    create index on ${s}.team_members (tenant, user_id);
  `)
}

interface TeamRow {
  readonly id: string
  readonly version: string
  readonly created: Date
  readonly last_modified: Date
  readonly display_name: string
  readonly external_id: string | null
  readonly document: Record<string, unknown>
  readonly seq: string
}

function teamOf(row: TeamRow): StoredTeam {
  return {
    id: row.id,
    version: String(row.version),
    created: row.created,
    lastModified: row.last_modified,
    provisioned: true,
    displayName: row.display_name,
    ...(row.external_id === null ? {} : { externalId: row.external_id }),
    document: row.document,
  }
}

function withoutMembers(fields: TeamFields): Record<string, unknown> {
  const document: Record<string, unknown> = { ...fields.document }
  for (const key of Object.keys(document)) if (key.toLowerCase() === 'members') delete document[key]
  return document
}

/**
 * A TeamStore over PostgreSQL. Every write is one transaction in READ COMMITTED that first locks the
 * team's row (`select ... for update`), so writers of one team queue instead of failing: a member delta
 * without `expectedVersion` applies to the membership it finds and always succeeds; one with
 * `expectedVersion` (and every field write) compares the locked row's version, so a stale one is a
 * version mismatch with nothing written. Serialization failures and deadlocks (40001, 40P01) are retried
 * with jittered backoff. `list` filters in JavaScript with `compileFilter` (a production store pushes
 * filters down with `createSqlFilterCompiler`); this store exists to test concurrency, not to be fast.
 */
export class SqlTeamStore implements TeamStore {
  readonly #pool: Pool
  readonly #s: string
  readonly #registry = createSchemaRegistry()

  /** `schema` holds the tables of `createTeamTables`. */
  constructor(pool: Pool, schema: string) {
    this.#pool = pool
    this.#s = checkSchema(schema)
  }

  async #transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect()
      try {
        await client.query('begin')
        const result = await work(client)
        await client.query('commit')
        return result
      } catch (error) {
        await client.query('rollback').catch(() => undefined)
        const code = (error as { code?: string }).code
        if (code === '23505') throw uniquenessConflict('displayName')
        if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error
      } finally {
        client.release()
      }
      await sleep(Math.floor(Math.random() * Math.min(100, 2 ** attempt)))
    }
  }

  async #insertMembers(client: PoolClient, tenant: string, id: string, refs: readonly MemberReference[]) {
    if (refs.length === 0) return 0
    const result = await client.query(
      `insert into ${this.#s}.team_members (team_id, tenant, user_id, display)
       select $1, $2, m.user_id, m.display from unnest($3::text[], $4::text[]) with ordinality as m(user_id, display, n)
       order by m.n
       on conflict (team_id, user_id) do nothing`,
      [id, tenant, refs.map((r) => r.value), refs.map((r) => r.display ?? null)],
    )
    return result.rowCount ?? 0
  }

  /** Creates the team and its members in one transaction. */
  create(team: NewTeam, members: readonly MemberReference[], context: RequestContext): Promise<StoredTeam> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query<TeamRow>(
        `insert into ${this.#s}.teams (tenant, id, display_name, name_key, external_id, document)
         values ($1, $2, $3, $4, $5, $6) returning *`,
        [
          context.tenant,
          randomUUID(),
          team.displayName,
          foldCase(team.displayName),
          team.externalId ?? null,
          withoutMembers(team),
        ],
      )
      const row = rows[0]!
      await this.#insertMembers(client, context.tenant, row.id, members)
      return teamOf(row)
    })
  }

  /** The team, or undefined. */
  async get(id: string, context: RequestContext): Promise<StoredTeam | undefined> {
    const { rows } = await this.#pool.query<TeamRow>(
      `select * from ${this.#s}.teams where tenant = $1 and id = $2`,
      [context.tenant, id],
    )
    return rows[0] ? teamOf(rows[0]) : undefined
  }

  /** One page of teams; the filter is evaluated in JavaScript against each team with its members. */
  async list(query: ListQuery, context: RequestContext): Promise<ListPage<StoredTeam>> {
    const { rows } = await this.#pool.query<TeamRow>(
      `select * from ${this.#s}.teams where tenant = $1 order by seq`,
      [context.tenant],
    )
    const members = new Map<string, TeamMember[]>()
    if (query.filter) {
      const found = await this.#pool.query<{ team_id: string; user_id: string; display: string | null }>(
        `select team_id, user_id, display from ${this.#s}.team_members where tenant = $1 order by seq`,
        [context.tenant],
      )
      for (const m of found.rows) {
        const list = members.get(m.team_id) ?? []
        list.push(m.display === null ? { value: m.user_id } : { value: m.user_id, display: m.display })
        members.set(m.team_id, list)
      }
    }
    const predicate = query.filter
      ? compileFilter(query.filter, { registry: this.#registry, resourceType: 'Group' })
      : undefined
    const sortKey = query.sortBy ? sortKeyReader(this.#registry, 'Group', query.sortBy) : undefined
    return pageOf(
      rows,
      (row) => !predicate || predicate(groupResource(teamOf(row), members.get(row.id) ?? [])),
      query,
      sortKey ? (row) => sortKey(groupResource(teamOf(row))) : undefined,
      (row) => Number(row.seq),
      teamOf,
    )
  }

  /** Compare-and-swap of the fields: `applyChange` with fields only. */
  update(id: string, team: TeamFields, expectedVersion: string, context: RequestContext) {
    return this.applyChange(id, { fields: team, expectedVersion }, context)
  }

  /** Deletes the team (its memberships go with it). */
  async delete(id: string, context: RequestContext): Promise<boolean> {
    const result = await this.#pool.query(`delete from ${this.#s}.teams where tenant = $1 and id = $2`, [
      context.tenant,
      id,
    ])
    return (result.rowCount ?? 0) > 0
  }

  /** One unconditional delta: false when there is no team. */
  async addMembers(id: string, members: readonly MemberReference[], context: RequestContext) {
    const change: MemberChanges = { kind: 'delta', added: members, removed: [] }
    return (await this.applyChange(id, { members: change }, context)) !== undefined
  }

  /** One unconditional delta: false when there is no team. */
  async removeMembers(id: string, userIds: readonly string[], context: RequestContext) {
    const change: MemberChanges = { kind: 'delta', added: [], removed: userIds }
    return (await this.applyChange(id, { members: change }, context)) !== undefined
  }

  /** One unconditional replacement: false when there is no team. */
  async replaceMembers(id: string, members: readonly MemberReference[], context: RequestContext) {
    return (await this.applyChange(id, { members: { kind: 'replace', members } }, context)) !== undefined
  }

  /** One page of members in insertion order, or undefined when there is no team. */
  async listMembers(id: string, page: MemberPage, context: RequestContext) {
    const team = await this.#pool.query(`select 1 from ${this.#s}.teams where tenant = $1 and id = $2`, [
      context.tenant,
      id,
    ])
    if (team.rowCount === 0) return undefined
    const skip = page.startIndex > 1 ? Math.floor(page.startIndex) - 1 : 0
    const take = page.count > 0 ? Math.floor(page.count) : 0
    const { rows } = await this.#pool.query<{ user_id: string; display: string | null; total: string }>(
      `select user_id, display, count(*) over () as total from ${this.#s}.team_members
       where team_id = $1 order by seq offset $2 limit $3`,
      [id, skip, take],
    )
    let total = rows[0] ? Number(rows[0].total) : undefined
    if (total === undefined) {
      const counted = await this.#pool.query<{ n: string }>(
        `select count(*) as n from ${this.#s}.team_members where team_id = $1`,
        [id],
      )
      total = Number(counted.rows[0]?.n ?? 0)
    }
    const resources = rows.map((r) =>
      r.display === null ? { value: r.user_id } : { value: r.user_id, display: r.display },
    )
    return { totalResults: total, resources }
  }

  /** Removes the user from every team of the tenant, bumping each team's version, in one transaction. */
  removeUserFromTeams(userId: string, context: RequestContext): Promise<void> {
    return this.#transaction(async (client) => {
      // Teams locked in id order, so that two of these never deadlock each other.
      const teams = await client.query<{ id: string }>(
        `select t.id from ${this.#s}.teams t join ${this.#s}.team_members m on m.team_id = t.id
         where t.tenant = $1 and m.user_id = $2 order by t.id for update of t`,
        [context.tenant, userId],
      )
      if (teams.rowCount === 0) return
      const ids = teams.rows.map((r) => r.id)
      await client.query(`delete from ${this.#s}.team_members where team_id = any($1) and user_id = $2`, [
        ids,
        userId,
      ])
      await client.query(
        `update ${this.#s}.teams set version = version + 1, last_modified = clock_timestamp() where id = any($1)`,
        [ids],
      )
    })
  }

  /** Writes the change in one transaction, on the team's locked row: all or nothing. */
  applyChange(id: string, change: TeamChange, context: RequestContext): Promise<StoredTeam | undefined> {
    if (change.fields && change.expectedVersion === undefined) {
      throw new TypeError('applyChange with fields needs expectedVersion')
    }
    return this.#transaction(async (client) => {
      const locked = await client.query<TeamRow>(
        `select * from ${this.#s}.teams where tenant = $1 and id = $2 for update`,
        [context.tenant, id],
      )
      const current = locked.rows[0]
      if (!current) return undefined
      if (change.expectedVersion !== undefined && String(current.version) !== change.expectedVersion) {
        throw versionMismatch()
      }
      let changed = 0
      if (change.fields) {
        const f = change.fields
        await client.query(
          `update ${this.#s}.teams set display_name = $2, name_key = $3, external_id = $4, document = $5
           where id = $1`,
          [id, f.displayName, foldCase(f.displayName), f.externalId ?? null, withoutMembers(f)],
        )
        changed += 1
      }
      if (change.members) changed += await this.#writeMembers(client, context.tenant, id, change.members)
      if (changed === 0) return teamOf(current)
      const { rows } = await client.query<TeamRow>(
        `update ${this.#s}.teams set version = version + 1, last_modified = clock_timestamp()
         where id = $1 returning *`,
        [id],
      )
      return teamOf(rows[0]!)
    })
  }

  /** Applies a member change inside the caller's transaction; returns how many memberships changed. */
  async #writeMembers(client: PoolClient, tenant: string, id: string, members: MemberChanges) {
    const removed =
      members.kind === 'replace'
        ? await client.query(
            `delete from ${this.#s}.team_members where team_id = $1 and not (user_id = any($2::text[]))`,
            [id, members.members.map((m) => m.value)],
          )
        : await client.query(
            `delete from ${this.#s}.team_members where team_id = $1 and user_id = any($2::text[])`,
            [id, members.removed],
          )
    const added = await this.#insertMembers(
      client,
      tenant,
      id,
      members.kind === 'replace' ? members.members : members.added,
    )
    return (removed.rowCount ?? 0) + added
  }
}

/**
 * A read-only UserStore over the `users` table, enough for a router that serves only /Groups in the
 * tests: `get` and `findExisting` answer whether a member id is a user of the tenant; writes are 501.
 */
export function sqlUserLookup(pool: Pool, schema: string): UserStore {
  const s = checkSchema(schema)
  const refuse = () => {
    throw scimError(501, undefined, 'This test host does not write users')
  }
  const userOf = (row: { id: string; user_name: string }): StoredUser => ({
    id: row.id,
    version: '1',
    created: new Date(0),
    lastModified: new Date(0),
    provisioned: true,
    userName: row.user_name,
    active: true,
  })
  return {
    create: refuse,
    update: refuse,
    delete: refuse,
    list: () => ({ totalResults: 0, resources: [] }),
    get: async (id, context) => {
      const { rows } = await pool.query<{ id: string; user_name: string }>(
        `select id, user_name from ${s}.users where tenant = $1 and id = $2`,
        [context.tenant, id],
      )
      return rows[0] ? userOf(rows[0]) : undefined
    },
    findExisting: async (ids, context) => {
      const { rows } = await pool.query<{ id: string }>(
        `select id from ${s}.users where tenant = $1 and id = any($2::text[])`,
        [context.tenant, [...ids]],
      )
      return rows.map((r) => r.id)
    },
  }
}
