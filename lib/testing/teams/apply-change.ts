// TeamStore contract: `applyChange` (recommended) writes fields and members in one transaction, all or
// nothing, with one new version. Checked when the store implements it.
import { equals, fails, is, isMissing, isNot, matches } from '../assert'
import { refs, UNKNOWN_IDS } from '../shared'
import type { Suite } from '../suite'
import { teamMemberChangeTests } from './apply-members'
import type { TeamKit } from './kit'

function fieldsOf(displayName: string) {
  return { displayName, document: { displayName } }
}

function writeTests(suite: Suite<TeamKit>): void {
  suite.test(
    'applyChange writes fields and a member replacement at once, with one new version (when implemented)',
    async ({ raw, store, create, user, sortedMembers, versionOf, context }) => {
      if (typeof raw.applyChange !== 'function') return
      const team = await create('Eng', [user(0), user(1)])
      const after = await store.applyChange(
        team.id,
        {
          fields: { ...fieldsOf('Engineering'), externalId: 'ext-e' },
          expectedVersion: team.version,
          members: { kind: 'replace', members: refs([user(1), user(2)]) },
        },
        context,
      )
      matches(after, { id: team.id, displayName: 'Engineering', externalId: 'ext-e' })
      isNot(after.get('version'), team.version)
      is(await versionOf(team.id), after.value?.version)
      equals(await sortedMembers(team.id), [user(1), user(2)].sort())
      const delta = { kind: 'delta', added: refs([user(3)]), removed: [user(1)] } as const
      is((await store.applyChange(team.id, { members: delta }, context)).get('displayName'), 'Engineering')
      equals(await sortedMembers(team.id), [user(2), user(3)].sort())
      const nothing = { members: { kind: 'replace', members: [] } } as const
      isMissing(await store.applyChange(UNKNOWN_IDS[0]!, nothing, context))
    },
  )
}

function allOrNothingTests(suite: Suite<TeamKit>): void {
  suite.test(
    'applyChange is all or nothing: a stale version or a taken name writes neither fields nor members (when implemented)',
    async ({ raw, store, create, user, memberIds, context }) => {
      if (typeof raw.applyChange !== 'function') return
      await create('Ops')
      const team = await create('Eng', [user(0)])
      const members = { kind: 'replace', members: refs([user(4), user(5)]) } as const
      const stale = { fields: fieldsOf('Eng 2'), expectedVersion: 'stale', members }
      fails(await store.applyChange(team.id, stale, context), 412)
      const taken = { fields: fieldsOf('OPS'), expectedVersion: team.version, members }
      fails(await store.applyChange(team.id, taken, context), 409, 'uniqueness')
      const delta = { kind: 'delta', added: refs([user(3)]), removed: [user(0)] } as const
      fails(await store.applyChange(team.id, { expectedVersion: 'stale', members: delta }, context), 412)
      matches(await store.get(team.id, context), { displayName: 'Eng', version: team.version })
      equals(await memberIds(team.id), [user(0)])
    },
  )
}

/** Declares the group `applyChange (when implemented)`, with member changes as a nested group. */
export function teamApplyChangeTests(suite: Suite<TeamKit>): void {
  suite.group('applyChange (when implemented)', () => {
    writeTests(suite)
    allOrNothingTests(suite)
    teamMemberChangeTests(suite)
  })
}
