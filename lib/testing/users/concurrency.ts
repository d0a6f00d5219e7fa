// UserStore contract: atomic under concurrent writes. Of several creates of one name exactly one lands;
// of several updates from one version exactly one wins (compare-and-swap), the others get 412.
import { equals, is } from '../assert'
import { race } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

/** Declares the group `concurrency`. */
export function userConcurrencyTests(suite: Suite<UserKit>): void {
  suite.group('concurrency', () => {
    suite.test(
      'concurrent creates of one userName give exactly one user',
      async ({ store, list, context }) => {
        const spellings = ['dup', 'DUP', 'Dup', 'dUp', 'duP', 'DUp', 'dUP', 'DuP', 'dup', 'DUP']
        const outcome = await race(spellings.map((n) => () => store.create(newUser(n), context)))
        equals(outcome, { succeeded: 1, statuses: spellings.slice(1).map(() => 409) })
        is((await list()).get('totalResults'), 1)
      },
    )

    suite.test(
      'concurrent updates from one version: exactly one wins, the others get 412',
      async ({ store, create, context }) => {
        const user = await create('alice')
        const outcome = await race(
          [1, 2, 3, 4, 5].map(
            (n) => () =>
              store.update(user.id, fieldsOf(user, { displayName: `v${n}` }), user.version, context),
          ),
        )
        equals(outcome, { succeeded: 1, statuses: [412, 412, 412, 412] })
      },
    )
  })
}
