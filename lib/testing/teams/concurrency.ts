// TeamStore contract: concurrent membership changes all land (they commute), and of several creates of
// one name exactly one does.
import { equals } from '../assert'
import { TEAM_CONTRACT_USER_COUNT } from '../setup'
import { race, refs } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

/** Declares the group `concurrency`. */
export function teamConcurrencyTests(suite: Suite<TeamKit>): void {
  suite.group('concurrency', () => {
    suite.test(
      'concurrent addMembers of different users all land',
      async ({ store, create, users, sortedMembers, context }) => {
        const team = await create('Eng')
        const all = users.slice(0, TEAM_CONTRACT_USER_COUNT)
        const outcome = await race(all.map((id) => () => store.addMembers(team.id, refs([id]), context)))
        equals(outcome.get('succeeded'), all.length)
        equals(await sortedMembers(team.id), [...all].sort())
      },
    )

    suite.test('concurrent creates of one name give exactly one team', async ({ store, context }) => {
      const spellings = ['Dup', 'DUP', 'dup', 'dUp', 'duP', 'DuP']
      const outcome = await race(spellings.map((n) => () => store.create(newTeam(n), [], context)))
      equals(outcome, { succeeded: 1, statuses: spellings.slice(1).map(() => 409) })
    })
  })
}
