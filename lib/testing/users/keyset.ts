// UserStore contract: `listAfter` (optional; RFC 9865 cursor paging) lists what `list` lists, in its order, once each, also while users are created and deleted between pages.

import type { StoredUser } from '../../../types/stores'
import { parseFilter } from '../../filter/parser'
import { equals, is } from '../assert'
import { listAfterOf, walkPages } from '../keyset'
import { observed } from '../observed'
import type { Suite } from '../suite'
import type { UserKit } from './kit'

/** Declares the group `listAfter (cursor paging)`; each test passes at once for a store without it. */
export function userKeysetTests(suite: Suite<UserKit>): void {
  suite.group('listAfter (cursor paging, when implemented)', () => {
    suite.test('listAfter pages through what list lists, in its order, once each', async (kit) => {
      const listAfter = listAfterOf(kit.raw, kit.context)
      if (!listAfter) return
      for (const n of ['u1', 'u2', 'u3', 'u4', 'u5']) await kit.create(n)
      const all = await kit.names()
      const paged = await walkPages(listAfter, { count: 2 })
      equals(
        paged.map('.userName', (users) => users.map((u) => u.userName)),
        all.value,
      )
      const total = await listAfter({ sortOrder: 'ascending', count: 2 })
      const totalResults = total.value.totalResults
      if (totalResults !== undefined) is(total.get('totalResults'), 5)
      equals((await listAfter({ sortOrder: 'ascending', count: 0 })).get('resources'), [])
    })

    suite.test("listAfter pages a filtered, sorted list in list's order, descending too", async (kit) => {
      const listAfter = listAfterOf(kit.raw, kit.context)
      if (!listAfter) return
      for (const n of ['dave', 'alice', 'carol', 'bob', 'erin']) await kit.create(n)
      const sortBy = { kind: 'attributePath' as const, attribute: 'userName' }
      const filter = parseFilter('userName ne "erin"')
      for (const sortOrder of ['ascending', 'descending'] as const) {
        const paged = await walkPages(listAfter, { count: 2, sortBy, sortOrder, filter })
        equals(
          paged.map(`.userName (${sortOrder})`, (users) => users.map((u) => u.userName)),
          sortOrder === 'ascending' ? ['alice', 'bob', 'carol', 'dave'] : ['dave', 'carol', 'bob', 'alice'],
        )
      }
      // A dateTime key, with ties (users created within one millisecond): the order list gives.
      const created = { kind: 'attributePath' as const, attribute: 'meta', subAttribute: 'created' }
      for (const sortOrder of ['ascending', 'descending'] as const) {
        const listed = await kit.names(undefined, { sortBy: created, sortOrder })
        const paged = await walkPages(listAfter, { count: 2, sortBy: created, sortOrder })
        equals(
          paged.map(`.userName by meta.created (${sortOrder})`, (users) => users.map((u) => u.userName)),
          listed.value,
        )
      }
    })

    suite.test(
      'listAfter stays complete and never repeats a user while users are created and deleted between pages',
      async (kit) => {
        const listAfter = listAfterOf(kit.raw, kit.context)
        if (!listAfter) return
        const users: StoredUser[] = []
        for (let i = 0; i < 9; i++) users.push(await kit.create(`user${i}`))
        const deleted = new Set<string>()
        const paged = await walkPages(listAfter, {
          count: 2,
          between: async (page) => {
            // One user already read and one not yet read go; a new one comes.
            for (const user of [users[page * 2 - 1]!, users[users.length - page]!]) {
              if (deleted.has(user.id)) continue
              await kit.raw.delete(user.id, kit.context)
              deleted.add(user.id)
            }
            await kit.create(`new${page}`)
          },
        })
        const ids = paged.map('.id', (list) => list.map((u) => u.id))
        equals(
          ids.map(' without repeats', (list) => new Set(list).size),
          ids.value.length,
        )
        const survivors = users.filter((u) => !deleted.has(u.id)).map((u) => u.id)
        equals(
          ids.map(' of the users there from start to end', (list) =>
            survivors.filter((id) => !list.includes(id)),
          ),
          observed('no user', []).value,
        )
      },
    )
  })
}
