// UserStore contract: names compare under `foldCase()` (full Unicode case folding, as in JavaScript and in
// the SQL the library compiles), so final sigma is sigma, and ß stays apart from ss.
import { equals, fails } from '../assert'
import type { Suite } from '../suite'
import { newUser, type UserKit } from './kit'

/** Declares the group `names compare with foldCase`. */
export function userFoldTests(suite: Suite<UserKit>): void {
  suite.group('names compare with foldCase', () => {
    suite.test(
      'userName and email are unique under foldCase: final sigma is sigma, ß is not ss',
      async ({ store, create, names, context }) => {
        await create('\u03bf\u03b4\u03bf\u03c3', { email: '\u03c0\u03bf\u03bb\u03c5\u03c3@example.com' })
        fails(await store.create(newUser('\u039f\u0394\u039f\u03a3'), context), 409, 'uniqueness')
        fails(await store.create(newUser('\u03bf\u03b4\u03bf\u03c2'), context), 409, 'uniqueness')
        const sigma = newUser('other', { email: '\u03c0\u03bf\u03bb\u03c5\u03c2@EXAMPLE.com' })
        fails(await store.create(sigma, context), 409, 'uniqueness')
        await create('stra\u00dfe')
        await create('strasse')
        equals(await names('userName eq "\u039f\u0394\u039f\u03a3"'), ['\u03bf\u03b4\u03bf\u03c3'])
        equals(await names('userName eq "STRASSE"'), ['strasse'])
      },
    )
  })
}
