// The grafana-host UserStore against the UserStore contract suite, on PGlite and on the PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { SqlSessionStore } from '../../../examples/grafana-host/session-store'
import { SqlUserStore } from '../../../examples/grafana-host/user-store'
import { createTestContext, describeUserStoreContract } from '../../../lib/testing'
import { HOST_ENGINES, type HostDatabase } from '../../helpers/host-db'

describe.each(HOST_ENGINES)('grafana-host SqlUserStore on $name', ({ open }) => {
  let host: HostDatabase
  let tenants = 0
  beforeAll(async () => {
    host = await open()
  })
  afterAll(async () => host?.close())

  // One database for the suite; every test gets two tenants nobody used, so it starts empty.
  describeUserStoreContract(
    'SqlUserStore',
    () => {
      tenants += 1
      const store = new SqlUserStore(host.db)
      return {
        store,
        context: createTestContext(`t${tenants}`),
        otherTenantContext: createTestContext(`t${tenants}-other`),
        addLocalUser: (user, context) => store.addLocalUser(context.tenant, user),
      }
    },
    { modelsGrants: true },
  )
})

describe.each(HOST_ENGINES)(
  'grafana-host SqlUserStore on $name: one statement per create, conflicts named',
  ({ open }) => {
    let host: HostDatabase
    beforeAll(async () => {
      host = await open()
    })
    afterAll(async () => host?.close())

    it('creates a user, its names and its emails in one statement, and names the name another user holds', async () => {
      let statements = 0
      const store = new SqlUserStore({
        ...host.db,
        kind: host.db.kind,
        query: (text, values) => {
          statements += 1
          return host.db.query(text, values)
        },
      })
      const context = createTestContext('one-statement')
      const user = (userName: string, email: string) => ({
        userName,
        email,
        active: true,
        provisioned: true as const,
        document: { userName, emails: [{ value: email, type: 'work', primary: true }] },
      })
      await store.create(user('ann', 'ann@example.com'), context)
      expect(statements).toBe(1)
      const messageOf = (promise: Promise<unknown>) =>
        promise.then(
          () => 'created',
          (error: Error) => error.message,
        )
      // A login equal to another user's email, and an email equal to another user's login (one namespace).
      expect(await messageOf(store.create(user('ANN@example.com', 'x@example.com'), context))).toBe(
        'userName is already in use',
      )
      expect(await messageOf(store.create(user('bob', 'Ann'), context))).toBe('emails is already in use')
      expect(await messageOf(store.create(user('carl', 'ANN@EXAMPLE.COM'), context))).toBe(
        'emails is already in use',
      )
      const found = await store.list({ sortOrder: 'ascending', startIndex: 1, count: 10 }, context)
      expect(found.resources.map((u) => u.userName)).toEqual(['ann'])
    })
  },
)

describe.each(HOST_ENGINES)('grafana-host SqlUserStore on $name: deactivation', ({ open }) => {
  let host: HostDatabase
  beforeAll(async () => {
    host = await open()
  })
  afterAll(async () => host?.close())

  it('ends the user’s sessions in the deactivating transaction, before any SessionRevoker call', async () => {
    // A replica killed between the write and the router's revocation must not leave a disabled user
    // with live sessions in the table.
    const users = new SqlUserStore(host.db)
    const sessions = new SqlSessionStore(host.db, 'admin')
    const context = createTestContext('deactivation')
    const fields = {
      userName: 'dee',
      active: true,
      provisioned: true as const,
      document: { userName: 'dee' },
    }
    const created = await users.create(fields, context)
    await sessions.start(context.tenant, created.id)
    await sessions.start(context.tenant, created.id)
    const live = () =>
      host.db.query('select 1 from sessions where user_id = $1 and revoked_at is null', [created.id])
    const renamed = await users.update(created.id, { ...fields, userName: 'dee2' }, created.version, context)
    expect((await live()).rows).toHaveLength(2)
    await users.update(created.id, { ...fields, active: false }, renamed?.version ?? '', context)
    expect((await live()).rows).toHaveLength(0)
    const reasons = await host.db.query<{ revoked_reason: string }>(
      'select revoked_reason from sessions where user_id = $1',
      [created.id],
    )
    expect(reasons.rows.map((row) => row.revoked_reason)).toEqual(['scim: deactivated', 'scim: deactivated'])
  })
})
