// TeamStore contract: tenants are isolated; another tenant sees nothing, changes nothing and may reuse the
// name. Skipped for a single-tenant store (`tenantIsolation: false`).
import { equals, is, isMissing, isNot, matches, resolved } from '../assert'
import type { StoreContractOptions } from '../setup'
import { listQuery, refs } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

/** Declares the group `tenant isolation`. */
export function teamIsolationTests(suite: Suite<TeamKit>, options: StoreContractOptions): void {
  suite.group('tenant isolation', () => {
    suite.testIf(
      options.tenantIsolation !== false,
      'tenants are isolated: another tenant sees nothing and may reuse the name',
      async ({ store, create, user, memberIds, context, other }) => {
        const team = await create('Eng', [user(0)])
        isMissing(await store.get(team.id, other))
        equals(await store.list(listQuery(), other), { totalResults: 0, resources: [] })
        isMissing(await store.listMembers(team.id, { startIndex: 1, count: 10 }, other))
        isMissing(await store.update(team.id, newTeam('Mine'), team.version, other))
        is(await store.addMembers(team.id, refs([user(1)]), other), false)
        is(await store.removeMembers(team.id, [user(0)], other), false)
        is(await store.replaceMembers(team.id, [], other), false)
        resolved(await store.removeUserFromTeams(user(0), other))
        is(await store.delete(team.id, other), false)
        isNot((await store.create(newTeam('eng'), [], other)).get('id'), team.id)
        matches(await store.get(team.id, context), { displayName: 'Eng', version: team.version })
        equals(await memberIds(team.id), [user(0)])
      },
    )
  })
}
