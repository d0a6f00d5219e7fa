// TeamStore contract: displayName is unique case-insensitively (409 uniqueness); a team may change the
// case of its own name.
import { fails, is } from '../assert'
import { listQuery, refs } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

/** Declares the group `displayName uniqueness`. */
export function teamUniquenessTests(suite: Suite<TeamKit>): void {
  suite.group('displayName uniqueness', () => {
    suite.test(
      'displayName is unique case-insensitively: 409 uniqueness, and nothing is written',
      async ({ store, create, user, context }) => {
        await create('Engineering')
        fails(await store.create(newTeam('ENGINEERING'), refs([user(0)]), context), 409, 'uniqueness')
        fails(await store.create(newTeam('engineering'), [], context), 409, 'uniqueness')
        is((await store.list(listQuery(), context)).get('totalResults'), 1)
      },
    )

    suite.test(
      "update may change the case of its own name but not take another team's",
      async ({ store, create, context }) => {
        const eng = await create('Eng')
        const ops = await create('Ops')
        is((await store.update(eng.id, newTeam('ENG'), eng.version, context)).get('displayName'), 'ENG')
        fails(await store.update(ops.id, newTeam('eng'), ops.version, context), 409, 'uniqueness')
        is((await store.get(ops.id, context)).get('displayName'), 'Ops')
      },
    )
  })
}
