// TeamStore contract: `list` pages (RFC 7644 §3.4.2.4), the filters the IdPs send (`displayName eq`,
// `externalId eq`, `members[value eq …]`; §3.4.2.2), and sorting (§3.4.2.3).
import { equals, is } from '../assert'
import { listQuery } from '../shared'
import type { Suite } from '../suite'
import type { TeamKit } from './kit'

function pagingTests(suite: Suite<TeamKit>): void {
  suite.test(
    'list pages through every team once with the total',
    async ({ store, create, names, context }) => {
      for (const n of ['T1', 'T2', 'T3', 'T4', 'T5']) await create(n)
      const all = await names()
      equals(
        all.map(', sorted', (n) => [...n].sort()),
        ['T1', 'T2', 'T3', 'T4', 'T5'],
      )
      const paged: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await store.list(listQuery(undefined, { startIndex, count: 2 }), context)
        is(page.get('totalResults'), 5)
        paged.push(...page.value.resources.map((t) => t.displayName))
      }
      equals(
        all.map(', read page by page', () => paged),
        all.value,
      )
      equals(await store.list(listQuery(undefined, { count: 0 }), context), {
        totalResults: 5,
        resources: [],
      })
    },
  )
}

function filterTests(suite: Suite<TeamKit>): void {
  suite.test('filter displayName eq compares case-insensitively', async ({ create, names }) => {
    await create('Engineering')
    await create('Ops')
    equals(await names('displayName eq "engineering"'), ['Engineering'])
    equals(await names('displayName eq "ENGINEERING"'), ['Engineering'])
    equals(await names('displayName eq "nothing"'), [])
  })

  suite.test(
    'filter members[value eq "<id>"] and members.value eq find the teams of a user',
    async ({ store, create, user, names, context }) => {
      await create('Eng', [user(0), user(1)])
      await create('Ops', [user(1)])
      await create('Sales', [user(2)])
      const id = JSON.stringify(user(1))
      equals(
        (await names(`members[value eq ${id}]`)).map(', sorted', (n) => n.sort()),
        ['Eng', 'Ops'],
      )
      equals(
        (await names(`members.value eq ${id}`)).map(', sorted', (n) => n.sort()),
        ['Eng', 'Ops'],
      )
      equals(await names(`displayName eq "eng" and members[value eq ${id}]`), ['Eng'])
      equals(await names(`members[value eq ${JSON.stringify(user(5))}]`), [])
      const counted = await store.list(listQuery(`members[value eq ${id}]`, { count: 0 }), context)
      is(counted.get('totalResults'), 2)
    },
  )

  suite.test('filter externalId eq finds the team', async ({ create, names }) => {
    await create('Eng', [], 'ext-eng')
    await create('Ops', [], 'EXT-ENG')
    equals(await names('externalId eq "ext-eng"'), ['Eng'])
  })
}

function sortTests(suite: Suite<TeamKit>): void {
  suite.test('sortBy displayName orders ascending and descending', async ({ create, names }) => {
    for (const n of ['carol', 'alice', 'dave', 'bob']) await create(n)
    const sortBy = { kind: 'attributePath' as const, attribute: 'displayName' }
    equals(await names(undefined, { sortBy }), ['alice', 'bob', 'carol', 'dave'])
    equals(await names(undefined, { sortBy, sortOrder: 'descending' }), ['dave', 'carol', 'bob', 'alice'])
  })
}

/** Declares the group `list, filter and sort`. */
export function teamListTests(suite: Suite<TeamKit>): void {
  suite.group('list, filter and sort', () => {
    pagingTests(suite)
    filterTests(suite)
    sortTests(suite)
  })
}
