// UserStore contract: a store that models roles and entitlements (\`modelsGrants\`) keeps them as the router writes them, returns them on every read, and keeps them when a write leaves them out.
import { equals, present } from '../assert'
import type { StoreContractOptions } from '../setup'
import { listQuery } from '../shared'
import type { Suite } from '../suite'
import { fieldsOf, newUser, type UserKit } from './kit'

/** The roles and entitlements a stored user carries, as one comparable value. */
const grantsOf = (
  user: { readonly roles?: readonly string[]; readonly entitlements?: readonly string[] } | undefined | null,
) => ({
  roles: user?.roles,
  entitlements: user?.entitlements,
})

export function userGrantTests(suite: Suite<UserKit>, options: StoreContractOptions): void {
  const enabled = options.modelsGrants === true
  suite.group('roles and entitlements (when the setup says modelsGrants)', () => {
    suite.testIf(
      enabled,
      'keeps the values of a create, in order, and returns them on get and list',
      async ({ store, context }) => {
        const created = await store.create(
          {
            ...newUser('granted'),
            roles: ['Editor', 'Admin', 'Viewer'],
            entitlements: ['licence:enterprise'],
          },
          context,
        )
        const expected = { roles: ['Editor', 'Admin', 'Viewer'], entitlements: ['licence:enterprise'] }
        equals(created.map(' grants', grantsOf), expected)
        const id = created.value.id
        equals((await store.get(id, context)).map(' grants', grantsOf), expected)
        const page = await store.list(listQuery('userName eq "granted"'), context)
        equals(
          page.map('.resources[0] grants', (p) => grantsOf(p.resources[0])),
          expected,
        )
        const plain = await store.create(newUser('plain'), context)
        equals(plain.map(' grants', grantsOf), { roles: [], entitlements: [] })
      },
    )

    suite.testIf(
      enabled,
      'an update replaces them when given ([] clears), and keeps them when left out',
      async ({ store, context }) => {
        const created = (
          await store.create({ ...newUser('granted'), roles: ['Viewer'], entitlements: [] }, context)
        ).value
        const replaced = await store.update(
          created.id,
          { ...fieldsOf(created), roles: ['Admin', 'Editor'], entitlements: ['licence:enterprise'] },
          created.version,
          context,
        )
        equals(replaced.map(' grants', grantsOf), {
          roles: ['Admin', 'Editor'],
          entitlements: ['licence:enterprise'],
        })
        // The router's own disable step before a DELETE writes no grants: the user keeps them.
        const after = present(replaced)
        const disabled = await store.update(
          created.id,
          fieldsOf(after, { active: false }),
          after.version,
          context,
        )
        equals(disabled.map(' grants', grantsOf), {
          roles: ['Admin', 'Editor'],
          entitlements: ['licence:enterprise'],
        })
        const off = present(disabled)
        const cleared = await store.update(
          created.id,
          { ...fieldsOf(off), roles: [], entitlements: [] },
          off.version,
          context,
        )
        equals((await store.get(created.id, context)).map(' grants', grantsOf), {
          roles: [],
          entitlements: [],
        })
        equals(cleared.map(' grants', grantsOf), { roles: [], entitlements: [] })
      },
    )
  })
}
