// TeamStore contract: what `create` returns (with its members) and what an unknown team answers.
import { equals, is, isMissing, isTime, matches, nonEmptyString } from '../assert'
import { refs, UNKNOWN_IDS } from '../shared'
import type { Suite } from '../suite'
import { newTeam, type TeamKit } from './kit'

const FIRST_PAGE = { startIndex: 1, count: 10 }

function createTests(suite: Suite<TeamKit>): void {
  suite.test(
    'create returns the team with an id, a version, timestamps, provisioned: true and its fields',
    async ({ store, user, sortedMembers, context }) => {
      const created = await store.create(newTeam('Engineering', 'ext-eng'), refs([user(0), user(1)]), context)
      nonEmptyString(created.get('id'))
      nonEmptyString(created.get('version'))
      isTime(created.get('created'))
      isTime(created.get('lastModified'))
      matches(created, { provisioned: true, displayName: 'Engineering', externalId: 'ext-eng' })
      const { id, version } = created.value
      matches(await store.get(id, context), {
        id,
        version,
        displayName: 'Engineering',
        externalId: 'ext-eng',
      })
      equals(await sortedMembers(id), [user(0), user(1)].sort())
      is((await store.listMembers(id, FIRST_PAGE, context)).get('totalResults'), 2)
    },
  )

  suite.test('create without members gives an empty team', async ({ store, create, context }) => {
    const team = await create('Empty')
    equals(await store.listMembers(team.id, FIRST_PAGE, context), { totalResults: 0, resources: [] })
  })

  suite.test('create ignores a member listed twice', async ({ create, user, sortedMembers }) => {
    const team = await create('Twice', [user(0), user(0), user(1)])
    equals(await sortedMembers(team.id), [user(0), user(1)].sort())
  })
}

function unknownTests(suite: Suite<TeamKit>): void {
  suite.test(
    'an unknown team: get, update and listMembers are missing; delete and member changes are false',
    async ({ store, create, user, sortedMembers, names, context }) => {
      const team = await create('Real', [user(0)])
      for (const id of UNKNOWN_IDS) {
        isMissing(await store.get(id, context))
        isMissing(await store.update(id, newTeam('Ghost'), team.version, context))
        isMissing(await store.listMembers(id, FIRST_PAGE, context))
        is(await store.delete(id, context), false)
        is(await store.addMembers(id, refs([user(1)]), context), false)
        is(await store.removeMembers(id, [user(0)], context), false)
        is(await store.replaceMembers(id, refs([user(1)]), context), false)
      }
      equals(await sortedMembers(team.id), [user(0)])
      equals(await names(), ['Real'])
    },
  )
}

/** Declares the group `create and get`. */
export function teamCreateAndGetTests(suite: Suite<TeamKit>): void {
  suite.group('create and get', () => {
    createTests(suite)
    unknownTests(suite)
  })
}
