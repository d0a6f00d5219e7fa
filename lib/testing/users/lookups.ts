// UserStore contract: the optional lookups `findByUserNameOrEmail` (the SAML linker's) and
// `findExisting` (the member checks'), each checked when the store implements it.
import { equals } from '../assert'
import { sortedIds, UNKNOWN_IDS } from '../shared'
import type { Suite } from '../suite'
import type { UserKit } from './kit'

function findByUserNameOrEmailTests(suite: Suite<UserKit>): void {
  suite.test(
    'findByUserNameOrEmail finds users by userName or email, case-insensitively (when implemented)',
    async ({ raw, store, create, context }) => {
      if (typeof raw.findByUserNameOrEmail !== 'function') return
      const alice = await create('alice', { email: 'alice@example.com' })
      const bob = await create('bob', { email: 'bob@example.com' })
      await create('hidden', { email: 'hidden@example.com', hidden: true })
      const ids = async (userName: string, email?: string) =>
        sortedIds(await store.findByUserNameOrEmail(userName, email, context))
      equals(await ids('ALICE'), [alice.id])
      equals(await ids('nobody', 'BOB@example.com'), [bob.id])
      equals(await ids('alice', 'bob@example.com'), [alice.id, bob.id].sort())
      equals(await ids('alice', 'alice@example.com'), [alice.id])
      equals(await ids('hidden', 'hidden@example.com'), [])
      equals(await ids('nobody', 'nobody@example.com'), [])
    },
  )
}

function findExistingTests(suite: Suite<UserKit>): void {
  suite.test(
    'findExisting returns the ids that are users of the tenant (when implemented)',
    async ({ raw, store, create, context }) => {
      if (typeof raw.findExisting !== 'function') return
      const alice = await create('alice')
      const bob = await create('bob')
      equals(
        sortedIds(await store.findExisting([alice.id, ...UNKNOWN_IDS, bob.id], context)),
        [alice.id, bob.id].sort(),
      )
      equals(sortedIds(await store.findExisting([], context)), [])
    },
  )
}

/** Declares the group `optional lookups`; its tests pass at once for a store without the method. */
export function userLookupTests(suite: Suite<UserKit>): void {
  suite.group('optional lookups (when implemented)', () => {
    findByUserNameOrEmailTests(suite)
    findExistingTests(suite)
  })
}
