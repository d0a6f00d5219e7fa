// UserStore contract: `findAllByExternalId` finds every user holding an externalId, hidden ones included,
// case-sensitively (createSamlLinker needs it). Checked when the store implements it.
import { equals, hasLength, is, matches, present, resolved } from '../assert'
import type { StoreContractOptions } from '../setup'
import { sortedIds } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, type UserKit } from './kit'

/** The sorted ids of the users holding `externalId`, observed. */
function holders({ store, context }: UserKit, externalId: string, where = context) {
  return store.findAllByExternalId(externalId, where).then(sortedIds)
}

function findTests(suite: Suite<UserKit>): void {
  suite.test(
    'finds the visible user and every hidden one holding the externalId, case-sensitively',
    async (kit) => {
      const { raw, store, create, names, context } = kit
      if (typeof raw.findAllByExternalId !== 'function') return
      const alice = await create('alice', { externalId: 'oid-a' })
      equals(await holders(kit, 'oid-a'), [alice.id])
      const hide = fieldsOf(alice, { active: false, hidden: true })
      is((await store.update(alice.id, hide, alice.version, context)).get('hidden'), true)
      equals(await names('externalId eq "oid-a"'), [])
      const found = await store.findAllByExternalId(alice.externalId!, context)
      hasLength(found, 1)
      matches(found, [{ id: alice.id, externalId: 'oid-a', hidden: true, active: false }])
      // The IdP provisions the person again: both are found, the new one visible.
      const again = await create('alice', { externalId: 'oid-a' })
      equals(await holders(kit, 'oid-a'), [alice.id, again.id].sort())
      equals(await holders(kit, 'OID-A'), [])
      equals(await holders(kit, 'oid-a '), [])
      equals(await holders(kit, 'nobody'), [])
    },
  )

  suite.test(
    'finds a user created hidden, and local users (when the setup gives addLocalUser)',
    async (kit) => {
      if (typeof kit.raw.findAllByExternalId !== 'function') return
      const gone = await kit.create('gone', { externalId: 'oid-gone', active: false, hidden: true })
      equals(await holders(kit, 'oid-gone'), [gone.id])
      if (!kit.addLocalUser) return
      const local = resolved(await kit.addLocalUser({ userName: 'jit', externalId: 'oid-jit', active: true }))
      equals(await holders(kit, 'oid-jit'), [local.id])
    },
  )
}

function forgetTests(suite: Suite<UserKit>): void {
  suite.test('forgets a deleted user, and a hidden one given another externalId', async (kit) => {
    const { raw, store, create, context } = kit
    if (typeof raw.findAllByExternalId !== 'function') return
    const alice = await create('alice', { externalId: 'oid-a' })
    const hidden = await store.update(
      alice.id,
      fieldsOf(alice, { active: false, hidden: true }),
      alice.version,
      context,
    )
    const current = present(hidden)
    const move = fieldsOf(current, { externalId: 'oid-b', active: false, hidden: true })
    is((await store.update(alice.id, move, current.version, context)).get('hidden'), true)
    equals(await holders(kit, 'oid-a'), [])
    equals(await holders(kit, 'oid-b'), [alice.id])
    is(await store.delete(alice.id, context), true)
    equals(await holders(kit, 'oid-b'), [])
  })
}

function isolationTests(suite: Suite<UserKit>, options: StoreContractOptions): void {
  suite.testIf(options.tenantIsolation !== false, 'finds nothing of another tenant', async (kit) => {
    const { raw, store, create, context, other } = kit
    if (typeof raw.findAllByExternalId !== 'function') return
    const alice = await create('alice', { externalId: 'oid-a' })
    const hide = fieldsOf(alice, { active: false, hidden: true })
    resolved(await store.update(alice.id, hide, alice.version, context))
    equals(await holders(kit, 'oid-a', other), [])
  })
}

/** Declares the group `findAllByExternalId`; its tests pass at once for a store without the method. */
export function userExternalIdTests(suite: Suite<UserKit>, options: StoreContractOptions): void {
  suite.group('findAllByExternalId (when implemented; required by createSamlLinker)', () => {
    findTests(suite)
    forgetTests(suite)
    isolationTests(suite, options)
  })
}
