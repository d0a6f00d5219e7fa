// The UserStore contract suite: one group per capability, each test against a fresh store from the setup.
import type { Awaitable } from '../../../types/stores'
import { resolveRunner } from '../runner'
import type { StoreContractOptions, UserStoreContractSetup } from '../setup'
import { declareSuite } from '../suite'
import { userConcurrencyTests } from './concurrency'
import { userCopyTests } from './copies'
import { userCreateAndGetTests } from './create-get'
import { userExternalIdTests } from './external-id'
import { userFoldTests } from './fold'
import { userGrantTests } from './grants'
import { userIsolationTests } from './isolation'
import { userKeysetTests } from './keyset'
import { openUserKit } from './kit'
import { userListTests } from './list'
import { userLocalTests } from './local-users'
import { userLookupTests } from './lookups'
import { userNamespaceTests } from './namespace'
import { userUniquenessTests } from './uniqueness'
import { userUpdateTests } from './update'

/**
 * Declares a group `<name>: UserStore contract` that checks a `UserStore` against every rule of its
 * contract, one nested group per capability: create and get; uniqueness (userName case-insensitive,
 * externalId case-sensitive and opaque, email; 409 `uniqueness`); update and delete (compare-and-swap,
 * 412 on a stale version); list, filter, sort and paging (hidden users never listed); local users (when
 * the setup gives `addLocalUser`); the optional lookups `findByUserNameOrEmail` and `findExisting`;
 * write-only passwords and copies; tenant isolation; concurrency; names compared with `foldCase()`;
 * login and email as one namespace (unless `options.userNameEmailNamespace` is `'separate'`); and
 * `findAllByExternalId` (hidden users included) when implemented; and, with `options.modelsGrants`,
 * users' roles and entitlements.
 *
 * `setup` runs before each test and must give an empty store; `teardown` (optional) runs after it.
 * Filters reach the store parsed, as the router passes them. The tests are declared with
 * `options.runner`, else the runner's globals (Jest, Vitest with `globals: true`), else `node:test`.
 */
export function describeUserStoreContract(
  name: string,
  setup: () => Awaitable<UserStoreContractSetup>,
  options: StoreContractOptions = {},
): void {
  const open = () => openUserKit(setup, options)
  declareSuite(resolveRunner(options.runner), `${name}: UserStore contract`, open, (suite) => {
    userCreateAndGetTests(suite)
    userUniquenessTests(suite)
    userUpdateTests(suite)
    userListTests(suite)
    userKeysetTests(suite)
    userLocalTests(suite)
    userLookupTests(suite)
    userCopyTests(suite)
    userIsolationTests(suite, options)
    userConcurrencyTests(suite)
    userFoldTests(suite)
    userNamespaceTests(suite, options)
    userExternalIdTests(suite, options)
    userGrantTests(suite, options)
  })
}
