// UserStore contract: tenants are isolated; another tenant sees nothing and may reuse the names. Skipped
// for a single-tenant store (`tenantIsolation: false`).
import { equals, is, isMissing, isNot, matches } from '../assert'
import type { StoreContractOptions } from '../setup'
import { listQuery, sortedIds } from '../shared'
import type { Suite } from '../suite'
import { newUser, type UserKit } from './kit'

/** Declares the group `tenant isolation`. */
export function userIsolationTests(suite: Suite<UserKit>, options: StoreContractOptions): void {
  suite.group('tenant isolation', () => {
    suite.testIf(
      options.tenantIsolation !== false,
      'tenants are isolated: another tenant sees nothing and may reuse the names',
      async ({ raw, store, create, list, context, other }) => {
        const alice = await create('alice', { externalId: 'ext-a' })
        isMissing(await store.get(alice.id, other))
        equals(await store.list(listQuery(), other), { totalResults: 0, resources: [] })
        is((await store.list(listQuery('userName eq "alice"'), other)).get('totalResults'), 0)
        isMissing(await store.update(alice.id, newUser('mallory'), alice.version, other))
        is(await store.delete(alice.id, other), false)
        if (typeof raw.findExisting === 'function') {
          equals(sortedIds(await store.findExisting([alice.id], other)), [])
        }
        const twin = await store.create(newUser('alice', { externalId: 'ext-a' }), other)
        isNot(twin.get('id'), alice.id)
        matches(await store.get(alice.id, context), { userName: 'alice', version: alice.version })
        is((await list()).get('totalResults'), 1)
      },
    )
  })
}
