// UserStore contract: local users (the host's own sign-ups and JIT logins) stay out of SCIM's reach, keep
// their names, and become provisioned when adopted. Checked when the setup gives `addLocalUser`.
import { equals, fails, is, matches, present, resolved } from '../assert'
import { sortedIds, time, timeOf } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

const JIT = { userName: 'jit', email: 'jit@example.com', active: true }

function visibilityTests(suite: Suite<UserKit>): void {
  suite.test(
    'local users (when the setup gives addLocalUser) stay out of list and findExisting',
    async ({ raw, store, addLocalUser, create, names, list, context }) => {
      if (!addLocalUser) return
      const added = await addLocalUser(JIT)
      is(added.get('provisioned'), false)
      const local = added.value
      await create('alice')
      equals(await names(), ['alice'])
      is((await list()).get('totalResults'), 1)
      equals(await names('userName eq "jit"'), [])
      equals(await names(`id eq ${JSON.stringify(local.id)}`), [])
      matches(await store.get(local.id, context), { id: local.id, provisioned: false })
      if (typeof raw.findExisting === 'function') {
        equals(sortedIds(await store.findExisting([local.id], context)), [])
      }
    },
  )

  suite.test(
    'local users (when the setup gives addLocalUser) keep their userName and email: create is 409',
    async ({ raw, store, addLocalUser, context }) => {
      if (!addLocalUser) return
      resolved(await addLocalUser(JIT))
      fails(await store.create(newUser('JIT'), context), 409, 'uniqueness')
      fails(await store.create(newUser('other', { email: 'Jit@example.com' }), context), 409, 'uniqueness')
      if (typeof raw.findByUserNameOrEmail === 'function') {
        const found = await store.findByUserNameOrEmail('nobody', 'JIT@example.com', context)
        const pairs = found.map(' as [userName, provisioned]', (us) =>
          us.map((u) => [u.userName, u.provisioned]),
        )
        equals(pairs, [['jit', false]])
      }
    },
  )
}

function adoptionTests(suite: Suite<UserKit>): void {
  suite.test(
    'update with provisioned: true adopts a local user (when the setup gives addLocalUser); without, it stays local',
    async ({ store, addLocalUser, names, context }) => {
      if (!addLocalUser) return
      const local = resolved(await addLocalUser(JIT))
      const plain = await store.update(
        local.id,
        fieldsOf(local, { displayName: 'Jit' }),
        local.version,
        context,
      )
      is(plain.get('provisioned'), false)
      const kept = present(plain)
      const adoption = { ...fieldsOf(kept, { externalId: 'entra-jit' }), provisioned: true as const }
      const adopted = await store.update(local.id, adoption, kept.version, context)
      matches(adopted, { id: local.id, provisioned: true, externalId: 'entra-jit' })
      is(timeOf(adopted, 'created'), time(local.created))
      equals(await names('externalId eq "entra-jit"'), ['jit'])
      const now = present(adopted)
      is((await store.update(local.id, fieldsOf(now), now.version, context)).get('provisioned'), true)
    },
  )
}

/** Declares the group `local users (when the setup gives addLocalUser)`. */
export function userLocalTests(suite: Suite<UserKit>): void {
  suite.group('local users (when the setup gives addLocalUser)', () => {
    visibilityTests(suite)
    adoptionTests(suite)
  })
}
