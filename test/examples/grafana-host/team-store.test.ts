// The host's SqlTeamStore on every engine: the TeamStore contract suite, then what only this store promises (member ids it cannot store, filters in SQL, one round trip per read).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Database, Queryable } from '../../../examples/grafana-host/db'
import { SqlTeamStore } from '../../../examples/grafana-host/team-store'
import { isScimError } from '../../../lib/errors'
import { GROUP_SCHEMA } from '../../../lib/schema/core'
import { foldCase } from '../../../lib/schema/fold'
import { createTestContext, describeTeamStoreContract } from '../../../lib/testing'
import { listQuery as query } from '../../../lib/testing/shared'
import type { ListQuery, NewTeam, RequestContext } from '../../../types/stores'
import { HOST_ENGINES, type HostDatabase } from '../../helpers/host-db'

/** Inserts `count` provisioned users of `tenant` straight into `users` and returns their ids. */
async function insertUsers(db: Queryable, tenant: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID())
  const logins = ids.map((_, i) => `Member${i}@${tenant}`)
  await db.query(
    `insert into users (tenant, id, login, login_folded, name, provisioned)
     select $1, u.id, u.login, u.folded, 'Member ' || u.n, true
     from unnest($2::uuid[], $3::text[], $4::text[]) with ordinality as u(id, login, folded, n)`,
    [tenant, ids, logins, logins.map(foldCase)],
  )
  return ids
}

function team(displayName: string, externalId?: string): NewTeam {
  return {
    provisioned: true,
    displayName,
    ...(externalId === undefined ? {} : { externalId }),
    document: { schemas: [GROUP_SCHEMA], displayName },
  }
}

/** A database that counts the statements and transactions sent through it. */
function counting(db: Database): { db: Database; calls: string[] } {
  const calls: string[] = []
  const counted: Database = {
    ...db,
    kind: db.kind,
    query: (text, values) => {
      calls.push('query')
      return db.query(text, values)
    },
    transaction: (work) => {
      calls.push('transaction')
      return db.transaction(work)
    },
  }
  return { db: counted, calls }
}

describe.each(HOST_ENGINES)('SqlTeamStore on $name', ({ open }) => {
  let host: HostDatabase | undefined
  let tenants = 0
  const database = (): Database => {
    if (host === undefined) throw new Error('the database did not open')
    return host.db
  }
  beforeAll(async () => {
    host = await open()
  })
  afterAll(async () => host?.close())

  // One database for the whole suite: each test gets two fresh tenants, so its store starts empty.
  describeTeamStoreContract('SqlTeamStore', async ({ userCount }) => {
    tenants += 1
    const context = createTestContext(`t-${tenants}`)
    const otherTenantContext = createTestContext(`t-${tenants}-other`)
    const users = await insertUsers(database(), context.tenant, userCount)
    await insertUsers(database(), otherTenantContext.tenant, userCount)
    return { store: new SqlTeamStore(database()), users, context, otherTenantContext }
  })

  describe('what the host store adds', () => {
    let context: RequestContext
    let other: RequestContext
    let users: string[]
    let store: SqlTeamStore
    beforeAll(async () => {
      context = createTestContext('host-extras')
      other = createTestContext('host-extras-other')
      users = await insertUsers(database(), context.tenant, 3)
      store = new SqlTeamStore(database())
    })

    it('ignores member ids that are no users of the tenant, on create and on every change', async () => {
      const [foreign] = await insertUsers(database(), other.tenant, 1)
      const strangers = [foreign!, randomUUID(), 'not-a-uuid', users[0]!.toUpperCase()]
      const refs = (ids: readonly string[]) => ids.map((value) => ({ value }))
      const created = await store.create(team('Mixed'), refs([users[0]!, ...strangers]), context)
      const members = async () =>
        (await store.listMembers(created.id, { startIndex: 1, count: 10 }, context))?.resources.map(
          (m) => m.value,
        )
      expect(await members()).toEqual([users[0]])
      expect(await store.addMembers(created.id, refs(strangers), context)).toBe(true)
      expect(await store.replaceMembers(created.id, refs([users[1]!, ...strangers]), context)).toBe(true)
      expect(await members()).toEqual([users[1]])
      expect(await store.removeMembers(created.id, strangers, context)).toBe(true)
      // Nothing the store could write is no change: the version stays.
      const before = await store.get(created.id, context)
      await store.addMembers(created.id, refs(strangers), context)
      expect((await store.get(created.id, context))?.version).toBe(before?.version)
    })

    it('answers members with the display name of the user, in joining order', async () => {
      const created = await store.create(team('Shown'), [{ value: users[2]! }, { value: users[1]! }], context)
      expect(await store.listMembers(created.id, { startIndex: 1, count: 10 }, context)).toEqual({
        totalResults: 2,
        resources: [
          { value: users[2], display: 'Member 3' },
          { value: users[1], display: 'Member 2' },
        ],
      })
    })

    it('filters id, members and externalId in SQL, sorts by externalId, and refuses unmapped attributes', async () => {
      const a = await store.create(team('Filter A', 'x-2'), [{ value: users[0]! }], context)
      const b = await store.create(team('Filter B', 'x-1'), [], context)
      const names = async (filter: string, rest: Partial<ListQuery> = {}) =>
        (await store.list(query(`displayName sw "Filter " and (${filter})`, rest), context)).resources.map(
          (t) => t.displayName,
        )
      // Creation order by default (the seq tie-break), whatever the random ids.
      expect(await names('id pr')).toEqual(['Filter A', 'Filter B'])
      expect(await names(`id eq "${a.id}"`)).toEqual(['Filter A'])
      expect(await names('id eq "no-uuid"')).toEqual([])
      expect(await names(`members eq "${users[0]}"`)).toEqual(['Filter A'])
      expect(await names('not (members pr)')).toEqual(['Filter B'])
      expect(await names('externalId eq "X-1"')).toEqual([])
      const sortBy = { kind: 'attributePath' as const, attribute: 'externalId' }
      expect(await names('id pr', { sortBy })).toEqual(['Filter B', 'Filter A'])
      expect(b.id).not.toBe(a.id)
      const refused = await store.list(query('members.display eq "x"'), context).catch((error) => error)
      expect(isScimError(refused) && refused.status).toBe(400)
    })

    it('answers get, list and listMembers in one statement, and a member change in one transaction', async () => {
      const created = await store.create(team('Counted'), [{ value: users[0]! }], context)
      const probe = counting(database())
      const counted = new SqlTeamStore(probe.db)
      await counted.get(created.id, context)
      await counted.list(query('members[value eq "00000000-0000-4000-8000-000000000000"]'), context)
      await counted.listMembers(created.id, { startIndex: 1, count: 10 }, context)
      await counted.create(team('Counted 2'), [{ value: users[0]! }, { value: users[1]! }], context)
      await counted.addMembers(created.id, [{ value: users[1]! }], context)
      expect(probe.calls).toEqual(['query', 'query', 'query', 'query', 'transaction'])
    })

    it('runs a change again after a foreign-key violation, and not after other errors', async () => {
      const created = await store.create(team('Retried'), [], context)
      const failing = (code: string, times: number): Database => {
        let left = times
        return {
          ...database(),
          kind: database().kind,
          query: (text, values) => database().query(text, values),
          transaction: (work) => {
            if (left-- > 0) return Promise.reject(Object.assign(new Error('interrupted'), { code }))
            return database().transaction(work)
          },
        }
      }
      const add = (db: Database, i: number) =>
        new SqlTeamStore(db).addMembers(created.id, [{ value: users[i]! }], context)
      expect(await add(failing('23503', 2), 1)).toBe(true)
      await expect(add(failing('42P01', 1), 2)).rejects.toThrow('interrupted')
      // A deadlock that outlived the database's own retries (db.ts) is a 503, not run again here.
      await expect(add(failing('40P01', 1), 0)).rejects.toMatchObject({ status: 503 })
      const page = await store.listMembers(created.id, { startIndex: 1, count: 10 }, context)
      expect(page?.resources.map((m) => m.value)).toEqual([users[1]])
    })

    it('keeps the version as a string and the times as Dates', async () => {
      const created = await store.create(team('Typed'), [], context)
      const updated = await store.update(created.id, team('Typed 2'), created.version, context)
      expect(created.version).toBe('1')
      expect(updated?.version).toBe('2')
      expect(updated?.created).toBeInstanceOf(Date)
      expect(updated?.lastModified).toBeInstanceOf(Date)
    })
  })
})
