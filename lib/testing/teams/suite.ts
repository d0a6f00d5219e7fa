// The TeamStore contract suite: one group per capability, each test against a fresh store from the setup.
import type { Awaitable } from '../../../types/stores'
import { resolveRunner } from '../runner'
import type { StoreContractOptions, TeamStoreContractNeeds, TeamStoreContractSetup } from '../setup'
import { declareSuite } from '../suite'
import { teamApplyChangeTests } from './apply-change'
import { teamConcurrencyTests } from './concurrency'
import { teamCopyTests } from './copies'
import { teamCreateAndGetTests } from './create-get'
import { teamIsolationTests } from './isolation'
import { teamKeysetTests } from './keyset'
import { openTeamKit } from './kit'
import { teamListTests } from './list'
import { teamMemberTests } from './members'
import { teamUniquenessTests } from './uniqueness'
import { teamUpdateTests } from './update'

/**
 * Declares a group `<name>: TeamStore contract` that checks a `TeamStore` against every rule of its
 * contract, one nested group per capability: create and get (members included; `get` / `update` /
 * `delete` and the membership methods on unknown teams); displayName uniqueness (case-insensitive, 409);
 * update and delete (compare-and-swap, 412 on a stale version; memberships dropped); members (paging,
 * idempotent `addMembers` / `removeMembers`, `replaceMembers`, a version bump per change,
 * `removeUserFromTeams`); `applyChange` when implemented (all or nothing; member changes conditional on
 * `expectedVersion`, 412 on a stale one; unconditional member deltas that never fail under
 * concurrency); list, filter and sort (`displayName`, `externalId`, `members`); copies; tenant
 * isolation; and concurrent membership changes.
 *
 * `setup` runs before each test with the number of users it must provide (`needs.userCount`), and must
 * give a store without teams plus the ids of that many existing users of the context's tenant. The
 * tests are declared with `options.runner`, else the runner's globals, else `node:test`.
 */
export function describeTeamStoreContract(
  name: string,
  setup: (needs: TeamStoreContractNeeds) => Awaitable<TeamStoreContractSetup>,
  options: StoreContractOptions = {},
): void {
  const open = () => openTeamKit(setup, options)
  declareSuite(resolveRunner(options.runner), `${name}: TeamStore contract`, open, (suite) => {
    teamCreateAndGetTests(suite)
    teamUniquenessTests(suite)
    teamUpdateTests(suite)
    teamMemberTests(suite)
    teamApplyChangeTests(suite)
    teamListTests(suite)
    teamKeysetTests(suite)
    teamCopyTests(suite)
    teamIsolationTests(suite, options)
    teamConcurrencyTests(suite)
  })
}
