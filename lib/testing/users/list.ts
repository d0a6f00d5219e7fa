// UserStore contract: `list` pages (RFC 7644 §3.4.2.4), the filters the IdPs send (§3.4.2.2), sorting
// (§3.4.2.3), and hidden users, which no list shows.
import { equals, is, matches } from '../assert'
import type { Suite } from '../suite'
import { fieldsOf, type UserKit } from './kit'

function pagingTests(suite: Suite<UserKit>): void {
  suite.test(
    'list pages through every user once, in a stable order, with the total',
    async ({ create, names, list }) => {
      for (const n of ['u1', 'u2', 'u3', 'u4', 'u5']) await create(n)
      const all = await names()
      equals(
        all.map(' sorted', (n) => [...n].sort()),
        ['u1', 'u2', 'u3', 'u4', 'u5'],
      )
      equals(await names(), all.value)
      const pages: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await list(undefined, { startIndex, count: 2 })
        is(page.get('totalResults'), 5)
        pages.push(...page.value.resources.map((u) => u.userName))
      }
      equals(
        all.map(' (read page by page)', () => pages),
        all.value,
      )
    },
  )

  suite.test('list with count 0 returns no users but the total', async ({ create, list }) => {
    for (const n of ['u1', 'u2', 'u3']) await create(n)
    const page = await list(undefined, { count: 0 })
    is(page.get('totalResults'), 3)
    equals(page.get('resources'), [])
    const filtered = await list('userName eq "u2"', { count: 0 })
    is(filtered.get('totalResults'), 1)
    equals(filtered.get('resources'), [])
  })

  suite.test('list past the last user returns no users but the total', async ({ create, list }) => {
    for (const n of ['u1', 'u2']) await create(n)
    equals(await list(undefined, { startIndex: 5, count: 10 }), { totalResults: 2, resources: [] })
  })
}

function nameFilterTests(suite: Suite<UserKit>): void {
  suite.test('filter userName eq compares case-insensitively', async ({ create, names, list }) => {
    await create('Alice')
    await create('bob')
    equals(await names('userName eq "alice"'), ['Alice'])
    equals(await names('userName eq "ALICE"'), ['Alice'])
    equals(await names('userName eq "nobody"'), [])
    is((await list('userName eq "ALICE"')).get('totalResults'), 1)
  })

  suite.test('filter externalId eq compares case-sensitively', async ({ create, names }) => {
    await create('alice', { externalId: 'abc' })
    await create('bob', { externalId: 'ABC' })
    equals(await names('externalId eq "abc"'), ['alice'])
    equals(await names('externalId eq "ABC"'), ['bob'])
    equals(await names('externalId eq "Abc"'), [])
  })

  suite.test('filter id eq finds the user', async ({ create, names }) => {
    const alice = await create('alice')
    await create('bob')
    equals(await names(`id eq ${JSON.stringify(alice.id)}`), ['alice'])
  })
}

function attributeFilterTests(suite: Suite<UserKit>): void {
  suite.test(
    'filter emails.value co and emails[type eq "work"] match the email',
    async ({ create, names }) => {
      await create('alice', { email: 'alice@example.com' })
      await create('bob', { email: 'bob@example.org' })
      await create('carol')
      equals(await names('emails.value co "example.com"'), ['alice'])
      // emails.value is not caseExact (RFC 7643 §4.1.2).
      equals(
        (await names('emails.value co "EXAMPLE"')).map(' sorted', (n) => n.sort()),
        ['alice', 'bob'],
      )
      equals(await names('emails[type eq "work" and value ew ".org"]'), ['bob'])
    },
  )

  suite.test('filter active eq false finds disabled users', async ({ create, names }) => {
    await create('alice', { active: false })
    await create('bob')
    equals(await names('active eq false'), ['alice'])
    equals(await names('active eq true'), ['bob'])
  })

  suite.test('filter and / or / not combine terms', async ({ create, names }) => {
    await create('alice', { externalId: 'a', active: false })
    await create('bob', { externalId: 'b' })
    await create('carol', { externalId: 'c' })
    equals(await names('userName eq "alice" and active eq false'), ['alice'])
    equals(await names('userName eq "alice" and active eq true'), [])
    equals(
      (await names('externalId eq "a" or externalId eq "c"')).map(' sorted', (n) => n.sort()),
      ['alice', 'carol'],
    )
    equals(
      (await names('not (userName eq "bob")')).map(' sorted', (n) => n.sort()),
      ['alice', 'carol'],
    )
  })
}

function sortTests(suite: Suite<UserKit>): void {
  suite.test('sortBy userName orders ascending and descending', async ({ create, names }) => {
    for (const n of ['carol', 'alice', 'dave', 'bob']) await create(n)
    const sortBy = { kind: 'attributePath' as const, attribute: 'userName' }
    equals(await names(undefined, { sortBy }), ['alice', 'bob', 'carol', 'dave'])
    equals(await names(undefined, { sortBy, sortOrder: 'descending' }), ['dave', 'carol', 'bob', 'alice'])
    equals(await names(undefined, { sortBy, startIndex: 2, count: 2 }), ['bob', 'carol'])
  })
}

function hiddenTests(suite: Suite<UserKit>): void {
  suite.test(
    'hidden users are never listed, but get returns them marked hidden',
    async ({ store, create, names, list, context }) => {
      const alice = await create('alice', { externalId: 'ext-a' })
      await create('bob')
      const hide = fieldsOf(alice, { active: false, hidden: true })
      is((await store.update(alice.id, hide, alice.version, context)).get('hidden'), true)
      equals(await names(), ['bob'])
      is((await list()).get('totalResults'), 1)
      equals(await names('userName eq "alice"'), [])
      equals(await names('externalId eq "ext-a"'), [])
      equals(await names(`id eq ${JSON.stringify(alice.id)}`), [])
      matches(await store.get(alice.id, context), { id: alice.id, hidden: true, active: false })
    },
  )
}

/** Declares the group `list, filter, sort and paging`. */
export function userListTests(suite: Suite<UserKit>): void {
  suite.group('list, filter, sort and paging', () => {
    pagingTests(suite)
    nameFilterTests(suite)
    attributeFilterTests(suite)
    sortTests(suite)
    hiddenTests(suite)
  })
}
