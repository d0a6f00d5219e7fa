// TeamStore contract: the membership methods. Paged listing in a stable order, idempotent deltas, a
// complete replacement, a new version for every change, and removal of a user from every team.
import { atLeast, equals, is, isNoneOf, resolved } from '../assert'
import type { Observed } from '../observed'
import { TEAM_CONTRACT_USER_COUNT } from '../setup'
import { refs, time, timeOf } from '../shared'
import type { Suite } from '../suite'
import type { TeamKit } from './kit'

const FIRST_PAGE = { startIndex: 1, count: 10 }

function listMembersTests(suite: Suite<TeamKit>): void {
  suite.test(
    'listMembers pages through every member once, in a stable order, with the total',
    async ({ store, create, users, memberIds, context }) => {
      const all = users.slice(0, TEAM_CONTRACT_USER_COUNT)
      const team = await create('Big', all)
      const order = await memberIds(team.id)
      equals(
        order.map(', sorted', (ids) => [...(ids ?? [])].sort()),
        [...all].sort(),
      )
      equals(await memberIds(team.id), order.value)
      const paged: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await store.listMembers(team.id, { startIndex, count: 2 }, context)
        is(page.get('totalResults'), all.length)
        is(
          page.map('.resources.length', (p) => p?.resources.length),
          2,
        )
        paged.push(...(page.value?.resources ?? []).map((m) => m.value))
      }
      equals(
        order.map(', read page by page', () => paged),
        order.value,
      )
      const empty = { totalResults: all.length, resources: [] }
      equals(await store.listMembers(team.id, { startIndex: 1, count: 0 }, context), empty)
      equals(await store.listMembers(team.id, { startIndex: 50, count: 5 }, context), empty)
    },
  )
}

function batchTests(suite: Suite<TeamKit>): void {
  suite.test(
    'listMembersOfTeams gives each team the page listMembers gives, and leaves out unknown teams (when implemented)',
    async ({ raw, store, create, users, context, other }) => {
      if (typeof raw.listMembersOfTeams !== 'function') return
      const big = await create('Big', users.slice(0, 5))
      const small = await create('Small', users.slice(0, 1))
      const empty = await create('Empty', [])
      const page = { startIndex: 1, count: 3 }
      const ids = [big.id, small.id, empty.id, 'no-such-team', '00000000-0000-4000-8000-000000000000']
      const pages = await store.listMembersOfTeams(ids, page, context)
      for (const team of [big, small, empty]) {
        equals(
          pages.map(`.get(${JSON.stringify(team.id)})`, (map) => map?.get(team.id)),
          resolved(await store.listMembers(team.id, page, context)),
        )
      }
      equals(
        pages.map('.size', (map) => map?.size),
        3,
      )
      // Another tenant's call sees none of these teams.
      equals(
        (await store.listMembersOfTeams(ids, page, other)).map('.size', (map) => map?.size),
        0,
      )
    },
  )
}

function teamsOfUsersTests(suite: Suite<TeamKit>): void {
  suite.test(
    'listTeamsOfUsers gives each user its teams ({ id, displayName }) at most limit each, and follows changes (when implemented)',
    async ({ raw, store, create, user, context, other }) => {
      if (typeof raw.listTeamsOfUsers !== 'function') return
      const eng = await create('Eng', [user(0), user(1)])
      const ops = await create('Ops', [user(0)])
      await create('Empty', [])
      const ids = [user(0), user(1), user(2), 'no-such-user']
      const teams = await store.listTeamsOfUsers(ids, 10, context)
      equals(
        teams.map(`.get(user 0), sorted`, (map) =>
          [...(map?.get(user(0)) ?? [])].sort((a, b) => a.displayName.localeCompare(b.displayName)),
        ),
        [
          { id: eng.id, displayName: 'Eng' },
          { id: ops.id, displayName: 'Ops' },
        ],
      )
      equals(
        teams.map('.get(user 1)', (map) => map?.get(user(1))),
        [{ id: eng.id, displayName: 'Eng' }],
      )
      // A user in no team, and an id that is no user, are left out or answer no teams.
      equals(
        teams.map('.get(user 2) or no-such-user, as lengths', (map) => [
          map?.get(user(2))?.length ?? 0,
          map?.get('no-such-user')?.length ?? 0,
        ]),
        [0, 0],
      )
      equals(
        (await store.listTeamsOfUsers([user(0)], 1, context)).map(
          '.get(user 0).length with limit 1',
          (map) => map?.get(user(0))?.length,
        ),
        1,
      )
      // Membership and names are read live.
      await store.removeMembers(ops.id, [user(0)], context)
      equals(
        (await store.listTeamsOfUsers([user(0)], 10, context)).map('.get(user 0) after a removal', (map) =>
          map?.get(user(0))?.map((team) => team.id),
        ),
        [eng.id],
      )
      // Another tenant's call sees none of these memberships.
      equals(
        (await store.listTeamsOfUsers(ids, 10, other)).map('teams in another tenant', (map) =>
          [...(map?.values() ?? [])].reduce((sum, list) => sum + list.length, 0),
        ),
        0,
      )
    },
  )
}

function deltaTests(suite: Suite<TeamKit>): void {
  suite.test('addMembers is idempotent', async ({ store, create, user, sortedMembers, context }) => {
    const team = await create('Eng', [user(0)])
    is(await store.addMembers(team.id, refs([user(0), user(1), user(1)]), context), true)
    equals(await sortedMembers(team.id), [user(0), user(1)].sort())
    is(await store.addMembers(team.id, refs([user(1)]), context), true)
    is((await store.listMembers(team.id, FIRST_PAGE, context)).get('totalResults'), 2)
  })

  suite.test('removeMembers is idempotent', async ({ store, create, user, sortedMembers, context }) => {
    const team = await create('Eng', [user(0), user(1), user(2)])
    is(await store.removeMembers(team.id, [user(1), user(3)], context), true)
    equals(await sortedMembers(team.id), [user(0), user(2)].sort())
    is(await store.removeMembers(team.id, [user(1)], context), true)
    equals(await sortedMembers(team.id), [user(0), user(2)].sort())
    is(await store.removeMembers(team.id, [], context), true)
  })

  suite.test(
    'replaceMembers sets the complete member list',
    async ({ store, create, user, sortedMembers, context }) => {
      const team = await create('Eng', [user(0), user(1), user(2)])
      is(await store.replaceMembers(team.id, refs([user(2), user(3), user(4)]), context), true)
      equals(await sortedMembers(team.id), [user(2), user(3), user(4)].sort())
      is(await store.replaceMembers(team.id, [], context), true)
      equals(await store.listMembers(team.id, FIRST_PAGE, context), { totalResults: 0, resources: [] })
    },
  )
}

function versionTests(suite: Suite<TeamKit>): void {
  suite.test(
    'every membership change bumps the version and keeps lastModified current',
    async ({ store, create, user, sortedMembers, context }) => {
      const team = await create('Eng', [user(0)])
      const seen = [team.version]
      let last = time(team.lastModified)
      const changes: (() => Promise<Observed<unknown>>)[] = [
        () => store.addMembers(team.id, refs([user(1)]), context),
        () => store.removeMembers(team.id, [user(0)], context),
        () => store.replaceMembers(team.id, refs([user(2), user(3)]), context),
        () => store.removeUserFromTeams(user(2), context),
      ]
      for (const change of changes) {
        resolved(await change())
        const read = await store.get(team.id, context)
        isNoneOf(read.get('version'), seen)
        seen.push(read.value?.version ?? '')
        atLeast(timeOf(read, 'lastModified'), last)
        last = time(read.value?.lastModified)
      }
      equals(await sortedMembers(team.id), [user(3)])
    },
  )
}

function removeUserTests(suite: Suite<TeamKit>): void {
  suite.test(
    'removeUserFromTeams removes the user from every team, and no one else',
    async ({ store, create, user, sortedMembers, names, versionOf, context }) => {
      const eng = await create('Eng', [user(0), user(1)])
      const ops = await create('Ops', [user(1), user(2)])
      const sales = await create('Sales', [user(2)])
      resolved(await store.removeUserFromTeams(user(1), context))
      equals(await sortedMembers(eng.id), [user(0)])
      equals(await sortedMembers(ops.id), [user(2)])
      equals(await sortedMembers(sales.id), [user(2)])
      is(await versionOf(sales.id), sales.version)
      equals(await names(`members[value eq ${JSON.stringify(user(1))}]`), [])
      // Idempotent, and harmless for a user in no team.
      resolved(await store.removeUserFromTeams(user(1), context))
      resolved(await store.removeUserFromTeams(user(5), context))
      equals(await sortedMembers(eng.id), [user(0)])
    },
  )
}

/** Declares the group `members`. */
export function teamMemberTests(suite: Suite<TeamKit>): void {
  suite.group('members', () => {
    listMembersTests(suite)
    batchTests(suite)
    teamsOfUsersTests(suite)
    deltaTests(suite)
    versionTests(suite)
    removeUserTests(suite)
  })
}
