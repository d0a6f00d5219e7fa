// UserStore contract: login and email as one namespace (the default; hosts such as Grafana sign in by
// either), or as two (`userNameEmailNamespace: 'separate'`).
import { equals, fails, is, isNot, present, resolved } from '../assert'
import type { StoreContractOptions } from '../setup'
import { sortedIds } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

function collisionTests(suite: Suite<UserKit>, shared: boolean): void {
  suite.testIf(
    shared,
    'a userName may not equal another user’s email: 409 uniqueness, nothing written',
    async ({ store, create, list, context }) => {
      await create('carol', { email: 'carol@x.example' })
      fails(await store.create(newUser('CAROL@x.example'), context), 409, 'uniqueness')
      const dave = await create('dave')
      const taken = fieldsOf(dave, { userName: 'Carol@X.example' })
      fails(await store.update(dave.id, taken, dave.version, context), 409, 'uniqueness')
      is((await store.get(dave.id, context)).get('userName'), 'dave')
      is((await list()).get('totalResults'), 2)
    },
  )

  suite.testIf(
    shared,
    'an email may not equal another user’s userName: 409 uniqueness, nothing written',
    async ({ store, create, names, context }) => {
      await create('carol@x.example')
      fails(await store.create(newUser('mallory', { email: 'CAROL@x.example' }), context), 409, 'uniqueness')
      const dave = await create('dave', { email: 'dave@x.example' })
      const taken = fieldsOf(dave, { email: 'Carol@x.example' })
      fails(await store.update(dave.id, taken, dave.version, context), 409, 'uniqueness')
      is((await store.get(dave.id, context)).get('email'), 'dave@x.example')
      equals(await names(), ['carol@x.example', 'dave'])
    },
  )
}

function ownNameTests(suite: Suite<UserKit>, shared: boolean): void {
  suite.testIf(
    shared,
    'a user’s login may be its own email, and hidden users hold neither',
    async ({ store, create, context }) => {
      const erin = await create('erin@x.example', { email: 'ERIN@x.example' })
      const kept = await store.update(erin.id, fieldsOf(erin, { displayName: 'Erin' }), erin.version, context)
      is(kept.get('userName'), 'erin@x.example')
      const current = present(kept)
      const hide = fieldsOf(current, { active: false, hidden: true })
      resolved(await store.update(erin.id, hide, current.version, context))
      // A new user may take both, as its own login and email.
      const again = await store.create(newUser('Erin@X.example', { email: 'erin@x.example' }), context)
      isNot(again.get('id'), erin.id)
    },
  )
}

function lookupTests(suite: Suite<UserKit>, shared: boolean): void {
  suite.testIf(
    shared,
    'findByUserNameOrEmail also finds the other namespace’s holder (when implemented)',
    async ({ raw, store, create, context }) => {
      if (typeof raw.findByUserNameOrEmail !== 'function') return
      const carol = await create('carol', { email: 'carol@x.example' })
      const dave = await create('dave@x.example')
      const ids = async (userName: string, email?: string) =>
        sortedIds(await store.findByUserNameOrEmail(userName, email, context))
      equals(await ids('CAROL@x.example'), [carol.id])
      equals(await ids('nobody', 'Dave@x.example'), [dave.id])
    },
  )

  suite.testIf(
    shared,
    'local users (when the setup gives addLocalUser) count too',
    async ({ store, addLocalUser, context }) => {
      if (!addLocalUser) return
      resolved(await addLocalUser({ userName: 'jit@x.example', email: 'jit-mail@x.example', active: true }))
      fails(await store.create(newUser('other', { email: 'JIT@x.example' }), context), 409, 'uniqueness')
      fails(await store.create(newUser('Jit-Mail@x.example'), context), 409, 'uniqueness')
    },
  )
}

function separateTests(suite: Suite<UserKit>, shared: boolean): void {
  suite.testIf(
    !shared,
    'a userName may equal another user’s email (userNameEmailNamespace: separate)',
    async ({ store, create, list, context }) => {
      await create('carol', { email: 'carol@x.example' })
      const other = await store.create(newUser('carol@x.example', { email: 'other@x.example' }), context)
      is(other.get('userName'), 'carol@x.example')
      await create('dave', { email: 'OTHER2@x.example' })
      await create('other2@x.example')
      is((await list()).get('totalResults'), 4)
    },
  )
}

/** Declares the group `login and email namespace`. */
export function userNamespaceTests(suite: Suite<UserKit>, options: StoreContractOptions): void {
  const shared = (options.userNameEmailNamespace ?? 'shared') === 'shared'
  suite.group('login and email namespace', () => {
    collisionTests(suite, shared)
    ownNameTests(suite, shared)
    lookupTests(suite, shared)
    separateTests(suite, shared)
  })
}
