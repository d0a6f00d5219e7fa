// UserStore contract: userName, externalId and email uniqueness (RFC 7643 §4.1: userName is unique and
// case-insensitive; externalId is an opaque, case-sensitive client string), and names hidden users free.
import { equals, fails, is, isMissing, isNot, resolved } from '../assert'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

function userNameTests(suite: Suite<UserKit>): void {
  suite.test(
    'userName is unique case-insensitively: 409 uniqueness, and nothing is written',
    async ({ store, create, list, context }) => {
      await create('alice')
      fails(await store.create(newUser('ALICE'), context), 409, 'uniqueness')
      fails(await store.create(newUser('Alice', { externalId: 'other' }), context), 409, 'uniqueness')
      is((await list()).get('totalResults'), 1)
      // The failed create must not have claimed its externalId either.
      await create('carol', { externalId: 'other' })
    },
  )

  suite.test('users without externalId do not collide', async ({ create, list }) => {
    await create('alice')
    await create('bob')
    is((await list()).get('totalResults'), 2)
  })
}

function externalIdTests(suite: Suite<UserKit>): void {
  suite.test('externalId is unique and case-sensitive', async ({ store, create, list, context }) => {
    await create('alice', { externalId: 'abc' })
    fails(await store.create(newUser('bob', { externalId: 'abc' }), context), 409, 'uniqueness')
    const upper = await store.create(newUser('carol', { externalId: 'ABC' }), context)
    is(upper.get('externalId'), 'ABC')
    is((await list()).get('totalResults'), 2)
  })

  // CVE-2025-41115: a numeric externalId was taken for an internal user id.
  suite.test('externalId is an opaque string: "1" is neither a number nor an id', async (kit) => {
    const { store, create, names, context } = kit
    const user = await create('alice', { externalId: '1' })
    is((await store.get(user.id, context)).get('externalId'), '1')
    equals(await names('externalId eq "1"'), ['alice'])
    equals(await names('id eq "1"'), [])
    isMissing(await store.get('1', context))
  })
}

function emailTests(suite: Suite<UserKit>): void {
  suite.test(
    'the email is unique case-insensitively: 409 uniqueness on create and update',
    async ({ store, create, context }) => {
      await create('alice', { email: 'alice@example.com' })
      fails(await store.create(newUser('bob', { email: 'ALICE@example.com' }), context), 409, 'uniqueness')
      const bob = await create('bob', { email: 'bob@example.com' })
      const taken = fieldsOf(bob, { email: 'Alice@Example.com' })
      fails(await store.update(bob.id, taken, bob.version, context), 409, 'uniqueness')
      is((await store.get(bob.id, context)).get('email'), 'bob@example.com')
      // Users without an email never collide, and a user may keep its own.
      await create('carol')
      await create('dave')
      const kept = await store.update(bob.id, fieldsOf(bob, { displayName: 'Bob' }), bob.version, context)
      is(kept.get('email'), 'bob@example.com')
    },
  )
}

function hiddenTests(suite: Suite<UserKit>): void {
  suite.test('a hidden user holds no email: a new user may take it', async ({ store, create, context }) => {
    const alice = await create('alice', { email: 'alice@example.com' })
    const hide = fieldsOf(alice, { active: false, hidden: true })
    resolved(await store.update(alice.id, hide, alice.version, context))
    const again = await store.create(newUser('alice2', { email: 'alice@example.com' }), context)
    is(again.get('email'), 'alice@example.com')
  })

  suite.test(
    'a hidden user holds no names: a new user may take its userName and externalId (RFC 7644 §3.6)',
    async ({ store, create, names, context }) => {
      const alice = await create('alice', { externalId: 'ext-a' })
      const hide = fieldsOf(alice, { active: false, hidden: true })
      resolved(await store.update(alice.id, hide, alice.version, context))
      const again = await store.create(newUser('Alice', { externalId: 'ext-a' }), context)
      isNot(again.get('id'), alice.id)
      equals(await names('userName eq "alice"'), ['Alice'])
    },
  )
}

/** Declares the group `uniqueness`. */
export function userUniquenessTests(suite: Suite<UserKit>): void {
  suite.group('uniqueness', () => {
    userNameTests(suite)
    externalIdTests(suite)
    emailTests(suite)
    hiddenTests(suite)
  })
}
