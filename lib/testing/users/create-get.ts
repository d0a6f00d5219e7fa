// UserStore contract: what `create` returns and what `get` reads back, known ids and unknown.
import { is, isMissing, isNot, isTime, matches, nonEmptyString } from '../assert'
import { time, timeOf, UNKNOWN_IDS } from '../shared'
import type { Suite } from '../suite'
import { newUser, type UserKit } from './kit'

/** Declares the group `create and get`. */
export function userCreateAndGetTests(suite: Suite<UserKit>): void {
  suite.group('create and get', () => {
    suite.test(
      'create returns the user with an id, a version, timestamps, provisioned: true and its fields',
      async ({ store, context }) => {
        const spec = { externalId: 'ext-alice', displayName: 'Alice Liddell', email: 'alice@example.com' }
        const created = await store.create(newUser('alice', spec), context)
        nonEmptyString(created.get('id'))
        nonEmptyString(created.get('version'))
        isTime(created.get('created'))
        isTime(created.get('lastModified'))
        matches(created, { provisioned: true, userName: 'alice', ...spec, active: true })
        is(
          created.map('.hidden', (u) => u.hidden ?? false),
          false,
        )
      },
    )

    suite.test('create gives each user its own id', async ({ store, create, context }) => {
      const a = await create('alice')
      const b = await store.create(newUser('bob'), context)
      isNot(b.get('id'), a.id)
    })

    suite.test('get returns the user as create returned it', async ({ store, create, context }) => {
      const created = await create('alice', { externalId: 'ext-alice', displayName: 'Alice', active: false })
      const read = await store.get(created.id, context)
      matches(read, {
        id: created.id,
        version: created.version,
        provisioned: true,
        userName: 'alice',
        externalId: 'ext-alice',
        displayName: 'Alice',
        active: false,
      })
      is(timeOf(read, 'created'), time(created.created))
    })

    suite.test('get of an unknown id is undefined or null, whatever the id looks like', async (kit) => {
      await kit.create('alice')
      for (const id of UNKNOWN_IDS) isMissing(await kit.store.get(id, kit.context))
    })
  })
}
