// The grafana-host UserStore against the UserStore contract suite, on PGlite and on the PostgreSQL server.
import { afterAll, beforeAll, describe } from '@jest/globals'
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
  describeUserStoreContract('SqlUserStore', () => {
    tenants += 1
    const store = new SqlUserStore(host.db)
    return {
      store,
      context: createTestContext(`t${tenants}`),
      otherTenantContext: createTestContext(`t${tenants}-other`),
      addLocalUser: (user, context) => store.addLocalUser(context.tenant, user),
    }
  })
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
