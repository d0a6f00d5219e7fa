// UserStore contract: `update` is compare-and-swap on the version (412 on a stale one) and keeps names
// unique; `delete` answers true once and frees the names.
import { atLeast, equals, fails, is, isMissing, isNot, matches, present } from '../assert'
import { time, timeOf, UNKNOWN_IDS } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

function replaceTests(suite: Suite<UserKit>): void {
  suite.test(
    'update replaces the fields, changes the version, and keeps id, created and provisioned',
    async ({ store, create, context }) => {
      const user = await create('alice', {
        externalId: 'ext-1',
        displayName: 'Alice',
        email: 'a@example.com',
      })
      const changes = { userName: 'alice2', displayName: 'Alice Two', email: 'a2@example.com', active: false }
      const updated = await store.update(user.id, fieldsOf(user, changes), user.version, context)
      matches(updated, { id: user.id, provisioned: true, externalId: 'ext-1', ...changes })
      isNot(updated.get('version'), user.version)
      is(timeOf(updated, 'created'), time(user.created))
      atLeast(timeOf(updated, 'lastModified'), time(user.lastModified))
      matches(await store.get(user.id, context), { userName: 'alice2', version: present(updated).version })
      // The old name is free again, the new one is taken.
      await create('alice')
      fails(await store.create(newUser('ALICE2'), context), 409, 'uniqueness')
    },
  )

  suite.test('update can remove the externalId, which frees it', async ({ store, create, context }) => {
    const user = await create('alice', { externalId: 'ext-1' })
    const updated = await store.update(user.id, newUser('alice'), user.version, context)
    is(updated.get('externalId'), undefined)
    await create('bob', { externalId: 'ext-1' })
  })

  suite.test('update of an unknown id is undefined or null', async ({ store, create, list, context }) => {
    const user = await create('alice')
    for (const id of UNKNOWN_IDS) isMissing(await store.update(id, newUser('ghost'), user.version, context))
    is((await list()).get('totalResults'), 1)
  })
}

function versionTests(suite: Suite<UserKit>): void {
  suite.test('update with a stale version is 412 and changes nothing', async ({ store, create, context }) => {
    const user = await create('alice')
    const one = await store.update(user.id, fieldsOf(user, { displayName: 'One' }), user.version, context)
    const current = present(one).version
    fails(await store.update(user.id, fieldsOf(user, { displayName: 'Two' }), user.version, context), 412)
    matches(await store.get(user.id, context), { displayName: 'One', version: current })
    // The current version still works.
    const again = await store.update(user.id, fieldsOf(user, { displayName: 'Three' }), current, context)
    is(again.get('displayName'), 'Three')
  })
}

function renameTests(suite: Suite<UserKit>): void {
  suite.test(
    "update may change the case of its own userName but not take another user's",
    async ({ store, create, context }) => {
      const alice = await create('alice')
      const bob = await create('bob')
      const renamed = await store.update(
        alice.id,
        fieldsOf(alice, { userName: 'Alice' }),
        alice.version,
        context,
      )
      is(renamed.get('userName'), 'Alice')
      const taken = fieldsOf(bob, { userName: 'ALICE' })
      fails(await store.update(bob.id, taken, bob.version, context), 409, 'uniqueness')
      is((await store.get(bob.id, context)).get('userName'), 'bob')
    },
  )

  suite.test(
    "update may keep its own externalId but not take another user's",
    async ({ store, create, context }) => {
      const alice = await create('alice', { externalId: 'ext-a' })
      const bob = await create('bob', { externalId: 'ext-b' })
      const same = await store.update(alice.id, fieldsOf(alice, { displayName: 'A' }), alice.version, context)
      is(same.get('externalId'), 'ext-a')
      const taken = fieldsOf(bob, { externalId: 'ext-a' })
      fails(await store.update(bob.id, taken, bob.version, context), 409, 'uniqueness')
      is((await store.get(bob.id, context)).get('externalId'), 'ext-b')
    },
  )
}

function deleteTests(suite: Suite<UserKit>): void {
  suite.test(
    'delete returns true, then false; the user is gone and its names are free',
    async ({ store, create, list, context }) => {
      const user = await create('alice', { externalId: 'ext-a' })
      is(await store.delete(user.id, context), true)
      is(await store.delete(user.id, context), false)
      isMissing(await store.get(user.id, context))
      equals((await list()).get('totalResults'), 0)
      await create('ALICE', { externalId: 'ext-a' })
      for (const id of UNKNOWN_IDS) is(await store.delete(id, context), false)
    },
  )
}

/** Declares the group `update and delete`. */
export function userUpdateTests(suite: Suite<UserKit>): void {
  suite.group('update and delete', () => {
    replaceTests(suite)
    versionTests(suite)
    renameTests(suite)
    deleteTests(suite)
  })
}
