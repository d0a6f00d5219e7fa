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
