// TeamStore contract: `update` is compare-and-swap on the version (412 on a stale one) and keeps the
// members; `delete` answers true once and drops the memberships.
import { atLeast, equals, fails, is, isMissing, isNot, matches, present } from '../assert'
import { time, timeOf } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

const FIRST_PAGE = { startIndex: 1, count: 10 }

function updateTests(suite: Suite<TeamKit>): void {
  suite.test(
    'update replaces the fields, changes the version, keeps id, created and the members',
    async ({ store, create, user, sortedMembers, versionOf, context }) => {
      const team = await create('Eng', [user(0), user(1)], 'ext-1')
      const updated = await store.update(team.id, newTeam('Engineering', 'ext-2'), team.version, context)
      matches(updated, { id: team.id, displayName: 'Engineering', externalId: 'ext-2', provisioned: true })
      isNot(updated.get('version'), team.version)
      is(timeOf(updated, 'created'), time(team.created))
      atLeast(timeOf(updated, 'lastModified'), time(team.lastModified))
      is(await versionOf(team.id), present(updated).version)
      equals(await sortedMembers(team.id), [user(0), user(1)].sort())
      // The old name is free again.
      await create('eng')
    },
  )

  suite.test('update with a stale version is 412 and changes nothing', async ({ store, create, context }) => {
    const team = await create('Eng')
    const updated = await store.update(team.id, newTeam('One'), team.version, context)
    fails(await store.update(team.id, newTeam('Two'), team.version, context), 412)
    matches(await store.get(team.id, context), { displayName: 'One', version: present(updated).version })
  })
}

function deleteTests(suite: Suite<TeamKit>): void {
  suite.test(
    'delete returns true, then false, and drops the memberships',
    async ({ store, create, user, memberIds, sortedMembers, names, context }) => {
      const team = await create('Eng', [user(0), user(1)])
      const kept = await create('Ops', [user(0)])
      is(await store.delete(team.id, context), true)
      is(await store.delete(team.id, context), false)
      isMissing(await store.get(team.id, context))
      isMissing(await store.listMembers(team.id, FIRST_PAGE, context))
      equals(await names(`members[value eq ${JSON.stringify(user(0))}]`), ['Ops'])
      equals(await names(`members[value eq ${JSON.stringify(user(1))}]`), [])
      equals(await sortedMembers(kept.id), [user(0)])
      const again = await create('ENG')
      equals(await memberIds(again.id), [])
    },
  )
}

/** Declares the group `update and delete`. */
export function teamUpdateTests(suite: Suite<TeamKit>): void {
  suite.group('update and delete', () => {
    updateTests(suite)
    deleteTests(suite)
  })
}
