// Unit tests of the memory users' `groups` for filters: which filters read them, and the teamStore option.
import { createFilterParser, DEFAULT_FILTER_LIMITS } from '../../lib/filter/parser'
import { MemoryTeamStore } from '../../lib/stores/memory-teams'
import { readsGroups, readTeamStoreOption, withGroups } from '../../lib/stores/memory-user-groups'
import { MemoryUserStore } from '../../lib/stores/memory-users'

const parser = createFilterParser(DEFAULT_FILTER_LIMITS)

describe('readsGroups', () => {
  it.each<[string, boolean]>([
    ['groups.value eq "x"', true],
    ['GROUPS.display co "ops"', true],
    ['groups[value eq "x"]', true],
    ['groups pr', true],
    ['userName eq "a" or not (groups.value eq "x")', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:groups.value eq "x"', true],
    ['userName eq "groups"', false],
    ['emails[value eq "groups"]', false],
    ['members.value eq "x"', false],
  ])('%s -> %s', (text, expected) => {
    expect(readsGroups(parser.parseFilter(text))).toBe(expected)
  })
})

describe('the teamStore option', () => {
  it('takes a MemoryTeamStore, refuses anything that cannot answer listTeamsOfUsers', () => {
    expect(readTeamStoreOption({ teamStore: new MemoryTeamStore() })).toBeDefined()
    expect(readTeamStoreOption({})).toBeUndefined()
    for (const teamStore of [null, 'teams', {}, { listTeamsOfUsers: true }]) {
      expect(() => new MemoryUserStore({ teamStore } as never)).toThrow(
        /teamStore" must be a MemoryTeamStore/,
      )
    }
  })

  it('adds groups to a view only for a user in a team', () => {
    const resource = { schemas: [], userName: 'a' }
    expect(withGroups(resource, undefined)).toBe(resource)
    expect(withGroups(resource, [])).toBe(resource)
    expect(withGroups(resource, [{ id: 't1', displayName: 'Ops' }]).groups).toEqual([
      { value: 't1', display: 'Ops', type: 'direct' },
    ])
  })
})
