// TeamStore contract: member changes through `applyChange`. One with `expectedVersion` is how the router
// honours If-Match (RFC 7644 §3.14); one without is a commuting delta that several replicas may send at once.
import type { MemberChanges } from '../../../types/patch'
import { equals, fails, is, isNot, matches, present, resolved } from '../assert'
import { race, refs } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

/** Each kind of member change, named, over the members 0 and 1 of a team. */
function memberChanges(user: (i: number) => string): readonly (readonly [string, MemberChanges])[] {
  return [
    ['add', { kind: 'delta', added: refs([user(3)]), removed: [] }],
    ['remove', { kind: 'delta', added: [], removed: [user(1)] }],
    ['remove and add', { kind: 'delta', added: refs([user(3)]), removed: [user(1)] }],
    ['replace', { kind: 'replace', members: refs([user(4)]) }],
  ]
}

/** The members after `change` of a team whose members were `before`, sorted. */
function membersAfter(before: readonly string[], change: MemberChanges): string[] {
  if (change.kind === 'replace') return change.members.map((m) => m.value).sort()
  return [...before, ...change.added.map((m) => m.value)].filter((id) => !change.removed.includes(id)).sort()
}

function conditionalTests(suite: Suite<TeamKit>): void {
  suite.test(
    'with a stale expectedVersion, a change of members only is a version mismatch and writes nothing',
    async ({ raw, store, create, user, sortedMembers, versionOf, context }) => {
      if (typeof raw.applyChange !== 'function') return
      const team = await create('Eng', [user(0), user(1)])
      // The version moves on after the caller read it: its If-Match is stale.
      resolved(await store.addMembers(team.id, refs([user(2)]), context))
      const moved = await store.get(team.id, context)
      isNot(moved.get('version'), team.version)
      for (const [, members] of memberChanges(user)) {
        fails(await store.applyChange(team.id, { expectedVersion: team.version, members }, context), 412)
        is(await versionOf(team.id), moved.value?.version)
        equals(await sortedMembers(team.id), [user(0), user(1), user(2)].sort())
      }
    },
  )

  suite.test(
    'with the current expectedVersion, a change of members only is written with one new version',
    async ({ raw, store, create, user, sortedMembers, versionOf, context }) => {
      if (typeof raw.applyChange !== 'function') return
      for (const [kind, members] of memberChanges(user)) {
        const team = await create(`Eng ${kind}`, [user(0), user(1)])
        const after = await store.applyChange(team.id, { expectedVersion: team.version, members }, context)
        matches(after, { id: team.id, displayName: `Eng ${kind}` })
        isNot(after.get('version'), team.version)
        is(await versionOf(team.id), after.value?.version)
        equals(await sortedMembers(team.id), membersAfter([user(0), user(1)], members))
      }
    },
  )
}

function unconditionalTests(suite: Suite<TeamKit>): void {
  suite.test(
    'without expectedVersion, a member delta applies whatever the version is',
    async ({ raw, store, create, user, sortedMembers, versionOf, context }) => {
      if (typeof raw.applyChange !== 'function') return
      const team = await create('Eng', [user(0), user(1)])
      resolved(await store.addMembers(team.id, refs([user(2)]), context))
      const version = present(await versionOf(team.id))
      resolved(await store.update(team.id, newTeam('Engineering'), version, context))
      const delta = { kind: 'delta', added: refs([user(3)]), removed: [user(0)] } as const
      const after = await store.applyChange(team.id, { members: delta }, context)
      is(after.get('displayName'), 'Engineering')
      is(await versionOf(team.id), after.value?.version)
      equals(await sortedMembers(team.id), [user(1), user(2), user(3)].sort())
    },
  )
}

function concurrencyTests(suite: Suite<TeamKit>): void {
  suite.test(
    'concurrent member deltas without expectedVersion all succeed, and the membership is exact',
    async ({ raw, store, create, user, sortedMembers, context }) => {
      if (typeof raw.applyChange !== 'function') return
      const team = await create('Eng', [user(0), user(1), user(2)])
      const delta = (i: number) =>
        ({ kind: 'delta', added: refs([user(i + 3)]), removed: [user(i)] }) as const
      const outcome = await race(
        [0, 1, 2].map((i) => () => store.applyChange(team.id, { members: delta(i) }, context)),
      )
      equals(outcome, { succeeded: 3, statuses: [] })
      equals(await sortedMembers(team.id), [user(3), user(4), user(5)].sort())
    },
  )

  suite.test(
    'concurrent member changes conditional on one version: one succeeds, the others are 412',
    async ({ raw, store, create, user, memberIds, context }) => {
      if (typeof raw.applyChange !== 'function') return
      const team = await create('Eng', [user(0)])
      const change = (i: number) => ({
        expectedVersion: team.version,
        members: { kind: 'delta', added: refs([user(i)]), removed: [] } as const,
      })
      const outcome = await race(
        [1, 2, 3, 4].map((i) => () => store.applyChange(team.id, change(i), context)),
      )
      equals(outcome, { succeeded: 1, statuses: [412, 412, 412] })
      is(
        (await memberIds(team.id)).map('.length', (ids) => ids?.length),
        2,
      )
    },
  )
}

/** Declares the nested group `member changes through applyChange (when implemented)`. */
export function teamMemberChangeTests(suite: Suite<TeamKit>): void {
  suite.group('member changes through applyChange (when implemented)', () => {
    conditionalTests(suite)
    unconditionalTests(suite)
    concurrencyTests(suite)
  })
}
