// TeamStore contract: `listAfter` (optional; RFC 9865 cursor paging) lists what `list` lists, in its order, once each, also while teams are created and deleted between pages.
import type { StoredTeam } from '../../../types/stores'
import { equals } from '../assert'
import { listAfterOf, walkPages } from '../keyset'
import { listQuery } from '../shared'
import type { Suite } from '../suite'
import type { TeamKit } from './kit'

/** Declares the group `listAfter (cursor paging)`; each test passes at once for a store without it. */
export function teamKeysetTests(suite: Suite<TeamKit>): void {
  suite.group('listAfter (cursor paging, when implemented)', () => {
    suite.test(
      'listAfter pages through what list lists, once each, while teams are created and deleted between pages',
      async (kit) => {
        const listAfter = listAfterOf(kit.raw, kit.context)
        if (!listAfter) return
        const teams: StoredTeam[] = []
        for (let i = 0; i < 7; i++) teams.push(await kit.create(`team${i}`, []))
        const listed = await kit.store.list(listQuery(), kit.context)
        equals(
          (await walkPages(listAfter, { count: 3 })).map('.id', (list) => list.map((t) => t.id)),
          listed.value.resources.map((t) => t.id),
        )
        const deleted = new Set<string>()
        const paged = await walkPages(listAfter, {
          count: 2,
          between: async (page) => {
            for (const team of [teams[page * 2 - 1]!, teams[teams.length - page]!]) {
              if (deleted.has(team.id)) continue
              await kit.raw.delete(team.id, kit.context)
              deleted.add(team.id)
            }
            await kit.create(`new${page}`, [])
          },
        })
        const ids = paged.map('.id', (list) => list.map((t) => t.id))
        equals(
          ids.map(' without repeats', (list) => new Set(list).size),
          ids.value.length,
        )
        const survivors = teams.filter((t) => !deleted.has(t.id)).map((t) => t.id)
        equals(
          ids.map(' missing teams that were there from start to end', (list) =>
            survivors.filter((id) => !list.includes(id)),
          ),
          [],
        )
      },
    )
  })
}
