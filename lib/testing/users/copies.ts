// UserStore contract: passwords are write-only (RFC 7643 §4.1.1: returned "never"), and the store hands out
// copies, so that changing a result or an argument changes nothing stored.
import { doesNotMatch, equals, is, isNot, lacks, matches, present, resolved } from '../assert'
import type { Observed } from '../observed'
import { scribble, timeOf } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

function hasNoPassword(result: Observed<unknown>): void {
  doesNotMatch(
    result.map(' as JSON', (value) => JSON.stringify(value) ?? ''),
    /Secr3t!pass|N3w!pass/,
  )
  const keys = result.map(' keys, lower-cased', (value) =>
    Object.keys(value ?? {}).map((k) => k.toLowerCase()),
  )
  lacks(keys, 'password')
}

function passwordTests(suite: Suite<UserKit>): void {
  suite.test('the password is never returned', async ({ store, list, context }) => {
    const created = await store.create(newUser('alice', { password: 'Secr3t!pass' }), context)
    const user = created.value
    const read = await store.get(user.id, context)
    const updated = await store.update(
      user.id,
      fieldsOf(user, { password: 'N3w!pass' }),
      user.version,
      context,
    )
    const listed = await list()
    const rows = listed.value.resources.map((_, i) => listed.map(`.resources[${i}]`, (p) => p.resources[i]))
    for (const result of [created, read, updated, ...rows]) hasNoPassword(result)
  })
}

function copyTests(suite: Suite<UserKit>): void {
  suite.test(
    'returns copies: changing a result or an argument changes nothing stored',
    async ({ store, list, names, context }) => {
      const spec = { externalId: 'ext-a', displayName: 'Alice', email: 'alice@example.com' }
      const input = newUser('alice', spec)
      const created = resolved(await store.create(input, context))
      const { id, version } = created
      scribble(input)
      scribble(created)
      scribble(present(await store.get(id, context)))
      for (const u of (await list()).value.resources) scribble(u)
      const again = await store.get(id, context)
      matches(again, { id, version, userName: 'alice', ...spec, active: true, provisioned: true })
      isNot(timeOf(again, 'created'), 0)
      const document = again.get('document')
      if (document.value !== undefined) {
        matches(document, { userName: 'alice' })
        is(document.get('added'), undefined)
      }
      equals(await names('userName eq "alice"'), ['alice'])
    },
  )
}

/** Declares the group `passwords and copies`. */
export function userCopyTests(suite: Suite<UserKit>): void {
  suite.group('passwords and copies', () => {
    passwordTests(suite)
    copyTests(suite)
  })
}
