// TeamStore contract: the store hands out copies, so that changing a result or an argument (the new team,
// its member list) changes nothing stored.
import { equals, is, isNot, matches, resolved } from '../assert'
import { listQuery, refs, scribble, timeOf } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

/** Declares the group `copies`. */
export function teamCopyTests(suite: Suite<TeamKit>): void {
  suite.group('copies', () => {
    suite.test(
      'returns copies: changing a result or an argument changes nothing stored',
      async ({ store, user, sortedMembers, context }) => {
        const input = newTeam('Eng', 'ext-eng')
        const members = refs([user(0), user(1)])
        const team = resolved(await store.create(input, members, context))
        const { id, version } = team
        scribble(input)
        scribble(members)
        scribble(team)
        scribble((await store.get(id, context)).value ?? {})
        for (const t of (await store.list(listQuery(), context)).value.resources) scribble(t)
        const page = (await store.listMembers(id, { startIndex: 1, count: 10 }, context)).value
        for (const m of page?.resources ?? []) scribble(m)
        scribble((page?.resources ?? []) as object)
        const again = await store.get(id, context)
        matches(again, { id, version, displayName: 'Eng', externalId: 'ext-eng' })
        isNot(timeOf(again, 'created'), 0)
        const document = again.get('document')
        if (document.value !== undefined) {
          matches(document, { displayName: 'Eng' })
          is(document.get('added'), undefined)
        }
        equals(await sortedMembers(id), [user(0), user(1)].sort())
      },
    )
  })
}
